// Support for activity-svc's component tests: uniquely named day topics and consumer groups per
// test (other engineers' tests use the real `member-activity-*` topics), events published the way
// content-svc publishes them (binary MemberActivityEvent, key = message_key, acks=1), the service
// started in-process through app.ts, a PostgreSQL role of its own per instance (so a test can
// take PostgreSQL away from that instance alone), and polling helpers.
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { credentials, Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { ActivityServiceClient } from '@dailyfeed/gen/activity/v1/activity';
import { MemberActivityEvent, MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import { groupState as groupStateOf } from '../../../../test/support/kafka-groups.ts';
import { migrateService, TEST_DATABASE_URL } from '../../../../test/support/spawn-service.ts';
import { startService, type RunningService } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { dayTopic } from '../../src/domain/topics.ts';

export { TEST_DATABASE_URL };
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
export const T = MemberActivityType;
export const silent = pino({ level: 'silent' });

// Patient retries: another suite briefly stops the shared broker (content-svc's outage test).
const kafka = new Kafka({
  clientId: 'activity-test',
  brokers: KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
  retry: { retries: 12, initialRetryTime: 300, maxRetryTime: 5000 },
});

/** Names nobody else uses: `test-<id>-member-activity-` topics and a fresh consumer group. */
export function uniqueNames() {
  const id = randomUUID().slice(0, 8);
  const prefix = `test-${id}-member-activity-`;
  return { prefix, group: `test-activity-${id}`, today: dayTopic(prefix, new Date()) };
}

/** For a failure message: where the consumer group stood on these topics (test/support/kafka-groups.ts). */
export const groupState = (groupId: string, topics: readonly string[]): Promise<string> => groupStateOf(kafka.admin(), groupId, (t) => topics.includes(t));

export async function createTopic(topic: string, partitions = 6): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const mine = topics.filter((t) => existing.has(t));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
  } finally {
    await admin.disconnect();
  }
}

/** A random member id far from real ones, so a test counts only its own rows. */
export function testMemberId(): string {
  return String(randomInt(1_000_000_000, 2 ** 47));
}

export interface TestEvent {
  readonly key: string;
  readonly value: Buffer;
}

export function activityEvent(memberId: string, type: MemberActivityType, n: number, overrides: Partial<MemberActivityEvent> = {}): TestEvent {
  // LIKE_COMMENT (7) and up are comment activities.
  const comment = type >= T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT;
  const target = comment ? 900_000 + n : 100_000 + n;
  const messageKey = `member_activity:kafka_event:T${type}###${target}###${memberId}###${new Date().toISOString()}-${n}`;
  const event: MemberActivityEvent = {
    messageKey,
    type,
    memberId,
    postId: String(100_000 + n),
    commentId: comment ? String(target) : undefined,
    createdAt: new Date(Date.now() - 1000 + n),
    content: undefined,
    parentCommentId: undefined,
    ...overrides,
  };
  return { key: event.messageKey, value: Buffer.from(MemberActivityEvent.encode(event).finish()) };
}

export function poisonEvent(): TestEvent {
  // 0xff is never a valid protobuf tag start byte sequence here: decoding throws.
  return { key: `poison-${randomUUID()}`, value: Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0xff]), randomBytes(8)]) };
}

export async function withProducer<T>(fn: (producer: Producer) => Promise<T>): Promise<T> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    return await fn(producer);
  } finally {
    await producer.disconnect();
  }
}

/** Publishes with acks=1 like content-svc; `partition` pins every record to one partition. */
export async function publish(topic: string, events: readonly TestEvent[], partition?: number): Promise<void> {
  await withProducer(async (producer) => {
    for (let i = 0; i < events.length; i += 2000) {
      const messages = events.slice(i, i + 2000).map((e) => ({ key: e.key, value: e.value, ...(partition === undefined ? {} : { partition }) }));
      await producer.send({ topic, acks: 1, messages });
    }
  });
}

// ------------------------------------------------------------------------ PostgreSQL

export const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 4 });

export async function migrateOnce(): Promise<void> {
  migrateService('activity');
}

export async function countRows(memberId: string): Promise<{ rows: number; keys: number }> {
  const r = await admin.query<{ rows: string; keys: string }>(
    'select count(*) as rows, count(distinct message_key) as keys from activity.activities where member_id = $1',
    [memberId],
  );
  return { rows: Number(r.rows[0]?.rows), keys: Number(r.rows[0]?.keys) };
}

export interface DeadLetterView {
  id: string;
  state: string;
  attempts: number;
  offset: string;
  partition: number;
  payload: Buffer;
  message_key: string | null;
  last_error: string;
  next_attempt_at: Date;
}

export async function deadLettersOf(topicPrefix: string): Promise<DeadLetterView[]> {
  const r = await admin.query<DeadLetterView>(
    `select id::text, state, attempts, "offset"::text as offset, partition, payload, message_key, last_error, next_attempt_at
       from activity.listener_dead_letters where starts_with(topic, $1) order by id`,
    [topicPrefix],
  );
  return r.rows;
}

/** A login role of its own for one service instance: lets a test take PostgreSQL away from it. */
export async function createServiceRole(): Promise<{ role: string; url: string; drop(): Promise<void> }> {
  const role = `activity_test_${randomUUID().slice(0, 8)}`;
  await admin.query(`create role ${role} login`);
  await admin.query(`grant usage on schema activity to ${role}`);
  await admin.query(`grant select, insert, update, delete on all tables in schema activity to ${role}`);
  await admin.query(`grant usage, select on all sequences in schema activity to ${role}`);
  const url = new URL(TEST_DATABASE_URL);
  url.username = role;
  return {
    role,
    url: url.toString(),
    async drop() {
      await admin.query(`alter role ${role} login`);
      await terminate(role);
      await admin.query(`drop owned by ${role}`);
      await admin.query(`drop role ${role}`);
    },
  };
}

export async function terminate(role: string): Promise<void> {
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where usename = $1', [role]);
}

// ------------------------------------------------------------------------ the service

export interface ServiceOptions {
  readonly prefix: string;
  readonly group: string;
  readonly databaseUrl?: string;
  readonly env?: Record<string, string>;
}

export function startActivity(options: ServiceOptions): Promise<RunningService> {
  const config = loadConfig({
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL: options.databaseUrl ?? TEST_DATABASE_URL,
    KAFKA_BROKERS,
    LOG_LEVEL: 'silent',
    HEALTH_INTERVAL_MS: '500',
    ACTIVITY_TOPIC_PREFIX: options.prefix,
    KAFKA_CONSUMER_GROUP: options.group,
    TOPIC_REFRESH_MS: '1000',
    LAG_INTERVAL_MS: '500',
    LISTENER_RETRY_BASE_MS: '20',
    OUTAGE_BACKOFF_MAX_MS: '1000',
    REPLAY_INTERVAL_MS: '300',
    REPLAY_BASE_DELAY_MS: '200',
    REPLAY_MAX_DELAY_MS: '1000',
    MEMBER_ADDR: '127.0.0.1:1',
    ...options.env,
  });
  return startService(config, silent);
}

export function activityClient(port: number): ActivityServiceClient {
  return new ActivityServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
}

type Callback<Res> = (err: ServiceError | null, res: Res) => void;
type UnaryFn<Req, Res> = (req: Req, md: Metadata, options: Partial<CallOptions>, cb: Callback<Res>) => ClientUnaryCall;

/** Calls one unary method of a generated client as a promise, with a 10 s deadline. */
export function unary<Req, Res>(fn: UnaryFn<Req, Res>, request: Req, metadata = new Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(request, metadata, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export async function metricsText(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}

/** Sum of a metric's samples whose labels include every given label. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/**
 * Polls until check() returns a value that is not undefined, or fails after timeoutMs; `explain`,
 * when given, adds what it says to the timeout's message (e.g. groupState).
 */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs: number, what: string, explain?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err: unknown) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = explain ? `; ${await explain()}` : '';
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}${why}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
