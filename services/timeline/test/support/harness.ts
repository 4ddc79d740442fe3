// Test support: a real member-svc (spawned as its own process), timeline-svc started through
// app.ts on port 0 against dailyfeed_test with its read-only role, a superuser pool that writes
// fixtures straight into content's tables (content-svc's RPCs are not needed for fixtures), and
// members created through member-svc (Signup, Login, Follow) with unique emails and handles.
import { randomBytes } from 'node:crypto';
import { credentials } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { MemberActivityEvent, MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import pg from 'pg';
import { pino } from 'pino';
import { CountryCode, Gender, MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { TimelineServiceClient } from '@dailyfeed/gen/timeline/v1/timeline';
import { migrateService, spawnService, TEST_DATABASE_URL, TEST_REVOCATION_CHANNEL, type SpawnedService } from '../../../../test/support/spawn-service.ts';
import { startService, type RunningService } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { connectPostgres, migrate } from '../../src/adapters/postgres.ts';
import { dayTopic } from '../../src/domain/topics.ts';
import { bearer, rpc } from './rpc.ts';

// The test database (TEST_DATABASE_URL) through timeline's read-only role.
export const READ_URL = (() => {
  const url = new URL(TEST_DATABASE_URL);
  url.username = 'dailyfeed_timeline_ro';
  url.password = '';
  return url.toString();
})();
export const PASSWORD = 'Passw0rd!';
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export const unique = (): string => randomBytes(5).toString('hex');

export function timelineConfig(overrides: Record<string, string> = {}) {
  return loadConfig({
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL: TEST_DATABASE_URL,
    CONTENT_READ_DATABASE_URL: READ_URL,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    LOG_LEVEL: 'silent',
    HEALTH_INTERVAL_MS: '200',
    FOLLOWING_CACHE_TTL_MS: '300',
    // Each instance its own consumer group: test files run in parallel and must not share partitions.
    FANOUT_GROUP_ID: `timeline-test-${unique()}`,
    TOPIC_REFRESH_MS: '500',
    REVOCATION_CHANNEL: TEST_REVOCATION_CHANNEL,
    // The test infrastructure of this run (npm test's SKIP_INFRA setups point these elsewhere).
    ...(process.env.KAFKA_BROKERS ? { KAFKA_BROKERS: process.env.KAFKA_BROKERS } : {}),
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...overrides,
  });
}

/** content's schema (once) and timeline's migrate: the read-only role and its grants. */
export async function prepareDatabase(superuser: pg.Pool): Promise<void> {
  const { rows } = await superuser.query(`select to_regclass('content.posts') as t`);
  if ((rows[0] as { t: string | null }).t === null) migrateService('content');
  const owner = await connectPostgres(TEST_DATABASE_URL, 2);
  await migrate(owner, READ_URL).finally(() => owner.close());
}

export async function startTimeline(memberAddress: string, overrides: Record<string, string> = {}): Promise<{ service: RunningService; client: TimelineServiceClient }> {
  const service = await startService(timelineConfig({ MEMBER_ADDR: memberAddress, ...overrides }), log);
  const client = new TimelineServiceClient(`127.0.0.1:${service.grpcPort}`, credentials.createInsecure());
  return { service, client };
}

export interface TestMember {
  readonly id: string;
  readonly token: string;
  readonly handle: string;
  readonly displayName: string;
}

export interface Harness {
  readonly member: SpawnedService;
  readonly members: MemberServiceClient;
  readonly timeline: TimelineServiceClient;
  readonly service: RunningService;
  readonly db: pg.Pool;
  readonly redis: Redis;
  /** Publishes a post event on today's topic as content-svc's outbox relay would (key format of §Kafka). */
  publish(type: 'POST_CREATE' | 'POST_DELETE', postId: string, authorId: string): Promise<void>;
  newMember(): Promise<TestMember>;
  follow(who: TestMember, whom: TestMember): Promise<void>;
  unfollow(who: TestMember, whom: TestMember): Promise<void>;
  stop(): Promise<void>;
}

/** Today's activity topic (created if missing, as content-svc's ensure-topics would) and a producer for it. */
async function connectEvents(): Promise<{ topic: string; producer: Producer }> {
  const config = timelineConfig();
  const kafka = new Kafka({ clientId: 'timeline-test', brokers: config.KAFKA_BROKERS, logLevel: logLevel.NOTHING });
  const topic = dayTopic(config.ACTIVITY_TOPIC_PREFIX, new Date());
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  return { topic, producer };
}

export async function startHarness(overrides: Record<string, string> = {}): Promise<Harness> {
  const db = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 4 });
  await prepareDatabase(db);
  const events = await connectEvents();
  const member = await spawnService('member', { PASSWORD_SCRYPT_LOG_N: '14' });
  const members = new MemberServiceClient(member.address, credentials.createInsecure());
  const { service, client } = await startTimeline(member.address, overrides);
  await service.fanoutReady();
  const redis = new Redis(timelineConfig().REDIS_URL);
  return {
    member,
    members,
    timeline: client,
    service,
    db,
    redis,
    async publish(type, postId, authorId) {
      const at = new Date();
      const suffix = type === 'POST_CREATE' ? '' : `###${at.toISOString()}`;
      const key = `member_activity:kafka_event:${type}###${postId}###${authorId}${suffix}`;
      const value = MemberActivityEvent.encode({
        messageKey: key,
        type: type === 'POST_CREATE' ? MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_CREATE : MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_DELETE,
        memberId: authorId,
        postId,
        createdAt: at,
      }).finish();
      await events.producer.send({ topic: events.topic, messages: [{ key, value: Buffer.from(value) }] });
    },
    async newMember() {
      const suffix = unique();
      const handle = `tl_${suffix}`;
      const email = `tl-${suffix}@example.com`;
      const displayName = `Timeline ${suffix}`;
      await rpc(members.signup.bind(members), {
        email,
        password: PASSWORD,
        memberName: `tl ${suffix}`,
        handle,
        displayName,
        gender: Gender.GENDER_OTHER,
        countryCode: CountryCode.COUNTRY_CODE_KR,
        verificationStatus: 0,
        privacyLevel: 0,
      });
      const login = await rpc(members.login.bind(members), { email, password: PASSWORD, client: undefined });
      if (!login.member || !login.tokens) throw new Error('login answered without member or tokens');
      return { id: login.member.memberId, token: login.tokens.accessToken, handle, displayName };
    },
    async follow(who, whom) {
      await rpc(members.follow.bind(members), { memberId: whom.id }, bearer(who.token));
    },
    async unfollow(who, whom) {
      await rpc(members.unfollow.bind(members), { memberId: whom.id }, bearer(who.token));
    },
    async stop() {
      client.close();
      members.close();
      await service.stop();
      await member.stop();
      redis.disconnect();
      await events.producer.disconnect();
      await db.end();
    },
  };
}
