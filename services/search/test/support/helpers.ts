// Support for search-svc's component tests: a unique day-topic prefix and consumer group per
// run (other suites use the real `member-activity-*` topics), events published the way
// content-svc publishes them (binary MemberActivityEvent, key = message_key), the service started
// in-process through app.ts, a promise-style client, and polling.
import { randomInt, randomUUID } from 'node:crypto';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { MemberActivityEvent, MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import {
  SearchServiceClient,
  type CountCommentLikesRequest,
  type CountCommentLikesResponse,
  type CountFollowersRequest,
  type CountFollowersResponse,
  type CountPostCommentsRequest,
  type CountPostCommentsResponse,
  type CountPostLikesRequest,
  type CountPostLikesResponse,
  type ListPostCommentsRequest,
  type ListPostCommentsResponse,
  type SearchCommentsRequest,
  type SearchCommentsResponse,
  type SearchPostsRequest,
  type SearchPostsResponse,
} from '@dailyfeed/gen/search/v1/search';
import { migrateService, TEST_DATABASE_URL } from '../../../../test/support/spawn-service.ts';
import { startService, type RunningService } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { dayTopic } from '../../src/domain/topics.ts';

export const T = MemberActivityType;
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const kafka = new Kafka({ clientId: 'search-test', brokers: BROKERS, logLevel: logLevel.NOTHING, retry: { retries: 12, initialRetryTime: 300 } });
export const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 4 });

export interface TestSearch {
  readonly service: RunningService;
  readonly client: SearchServiceClient;
  readonly topic: string;
  stop(): Promise<void>;
}

/** Starts search-svc on port 0 reading its own day topic (created first) in its own group. */
export async function startSearch(env: Record<string, string> = {}): Promise<TestSearch> {
  migrateService('search');
  const id = randomUUID().slice(0, 8);
  const prefix = `test-${id}-member-activity-`;
  const topic = dayTopic(prefix, new Date());
  const kadmin = kafka.admin();
  await kadmin.connect();
  try {
    await kadmin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await kadmin.disconnect();
  }
  const config = loadConfig({
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL: TEST_DATABASE_URL,
    KAFKA_BROKERS: BROKERS.join(','),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    LOG_LEVEL: 'silent',
    SEARCH_TOPIC_PREFIX: prefix,
    SEARCH_GROUP_ID: `test-search-${id}`,
    TOPIC_REFRESH_MS: '500',
    MEMBER_ADDR: '127.0.0.1:1',
    TIMELINE_ADDR: '127.0.0.1:1',
    ...env,
  });
  const service = await startService(config, pino({ level: 'silent' }));
  const client = new SearchServiceClient(`127.0.0.1:${service.grpcPort}`, credentials.createInsecure());
  return {
    service,
    client,
    topic,
    async stop() {
      client.close();
      await service.stop();
      const k = kafka.admin();
      await k.connect();
      await k.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await k.disconnect();
    },
  };
}

/** A random id far from real ones, so a test sees only its own rows. */
export const testId = (): string => String(randomInt(1_000_000_000, 2 ** 47));
/** A word nobody else indexes. */
export const uniqueWord = (stem: string): string => `${stem}${randomUUID().replaceAll('-', '').slice(0, 10)}`;

let sequence = 0;
export function event(type: MemberActivityType, fields: Partial<MemberActivityEvent>): { key: string; value: Buffer } {
  sequence += 1;
  const e: MemberActivityEvent = {
    messageKey: `member_activity:kafka_event:T${type}###${fields.commentId ?? fields.postId ?? '0'}###${fields.memberId ?? '0'}###${Date.now()}-${sequence}`,
    type,
    memberId: '7',
    postId: '0',
    commentId: undefined,
    createdAt: new Date(Date.now() + sequence),
    content: undefined,
    parentCommentId: undefined,
    ...fields,
  };
  return { key: e.messageKey, value: Buffer.from(MemberActivityEvent.encode(e).finish()) };
}

export async function publish(topic: string, events: readonly { key: string; value: Buffer }[]): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    await producer.send({ topic, acks: 1, messages: [...events] });
  } finally {
    await producer.disconnect();
  }
}

type Callback<Res> = (err: ServiceError | null, res: Res) => void;

function unary<Res>(invoke: (md: Metadata, cb: Callback<Res>) => unknown, md: Metadata): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke(md, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Promise-style calls of every SearchService RPC. */
export function searchApi(client: SearchServiceClient) {
  return {
    searchPosts: (req: SearchPostsRequest, md = new Metadata()) =>
      unary<SearchPostsResponse>((m, cb) => client.searchPosts(req, m, cb), md),
    searchComments: (req: SearchCommentsRequest) => unary<SearchCommentsResponse>((m, cb) => client.searchComments(req, m, cb), new Metadata()),
    listPostComments: (req: ListPostCommentsRequest) => unary<ListPostCommentsResponse>((m, cb) => client.listPostComments(req, m, cb), new Metadata()),
    countPostLikes: (req: CountPostLikesRequest) => unary<CountPostLikesResponse>((m, cb) => client.countPostLikes(req, m, cb), new Metadata()),
    countPostComments: (req: CountPostCommentsRequest) =>
      unary<CountPostCommentsResponse>((m, cb) => client.countPostComments(req, m, cb), new Metadata()),
    countCommentLikes: (req: CountCommentLikesRequest) =>
      unary<CountCommentLikesResponse>((m, cb) => client.countCommentLikes(req, m, cb), new Metadata()),
    countFollowers: (req: CountFollowersRequest) => unary<CountFollowersResponse>((m, cb) => client.countFollowers(req, m, cb), new Metadata()),
  };
}

export type SearchApi = ReturnType<typeof searchApi>;

/** Polls until check returns a value (not undefined) or the deadline passes. */
export async function eventually<R>(check: () => Promise<R | undefined>, timeoutMs = 20_000): Promise<R> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
