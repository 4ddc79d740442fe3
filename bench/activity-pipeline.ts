// activity-svc pipeline benchmark: publishes N member-activity events (plus a share of
// redeliveries) to a fresh day topic, then measures on the same broker and data
//   1. the raw kafkajs consume rate (a plain eachBatch consumer that only counts), and
//   2. the end-to-end rate of activity-svc (started in-process through app.ts): consume ->
//      decode -> Redis hint -> one INSERT ... ON CONFLICT per chunk -> commit,
// and prints both and their ratio. Target: >= 5,000 events/s end to end.
//
//   node bench/activity-pipeline.ts            (BENCH_EVENTS=100000 BENCH_DUPLICATE_RATIO=0.1)
import { randomInt, randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { MemberActivityEvent, MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import { startService } from '../services/activity/src/app.ts';
import { loadConfig } from '../services/activity/src/config.ts';
import { connectPostgres, migrate } from '../services/activity/src/adapters/postgres.ts';
import { dayTopic } from '../services/activity/src/domain/topics.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const DUPLICATE_RATIO = Number(process.env.BENCH_DUPLICATE_RATIO ?? 0.1);
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed_test';
const MEMBERS = 1000;

const id = randomUUID().slice(0, 8);
const prefix = `bench-${id}-member-activity-`;
const topic = dayTopic(prefix, new Date());
const memberBase = randomInt(1_000_000_000, 2 ** 46);
const kafka = new Kafka({ clientId: 'activity-bench', brokers: BROKERS, logLevel: logLevel.NOTHING });
const db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });

function events(): { key: string; value: Buffer }[] {
  const types = [MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_CREATE, MemberActivityType.MEMBER_ACTIVITY_TYPE_LIKE_POST, MemberActivityType.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_READ];
  const out: { key: string; value: Buffer }[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const type = types[i % types.length]!;
    const memberId = String(memberBase + (i % MEMBERS));
    const comment = type === MemberActivityType.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE;
    const messageKey = `member_activity:kafka_event:B${type}###${i}###${memberId}###bench-${id}`;
    const event = MemberActivityEvent.fromPartial({ messageKey, type, memberId, postId: String(i + 1), commentId: comment ? String(i + 1) : undefined, createdAt: new Date() });
    out.push({ key: messageKey, value: Buffer.from(MemberActivityEvent.encode(event).finish()) });
  }
  // Redeliveries: the same records again, as a producer retry or a consumer restart would cause.
  const duplicates = out.slice(0, Math.floor(EVENTS * DUPLICATE_RATIO));
  return [...out, ...duplicates];
}

async function publish(records: { key: string; value: Buffer }[]): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const started = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < records.length; i += 1000) {
    inFlight.push(producer.send({ topic, acks: 1, messages: records.slice(i, i + 1000) }));
    if (inFlight.length >= 8) await Promise.all(inFlight.splice(0));
  }
  await Promise.all(inFlight);
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return seconds;
}

/** Raw kafkajs: a consumer that only counts. Returns seconds from run() and from the first batch. */
async function rawConsume(total: number): Promise<{ total: number; steady: number }> {
  const consumer = kafka.consumer({ groupId: `bench-raw-${id}`, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let first = 0;
  const started = performance.now();
  const done = new Promise<number>((resolve) => {
    void consumer.run({
      partitionsConsumedConcurrently: 3,
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        seen += batch.messages.length;
        if (seen >= total) resolve(performance.now());
      },
    });
  });
  const end = await done;
  await consumer.disconnect();
  return { total: (end - started) / 1000, steady: (end - first) / 1000 };
}

async function storedRows(): Promise<number> {
  const r = await db.query<{ n: string }>('select count(*) as n from activity.activities where member_id between $1 and $2', [memberBase, memberBase + MEMBERS - 1]);
  return Number(r.rows[0]?.n);
}

/** activity-svc end to end. Returns seconds from start and from the first stored row. */
async function pipeline(): Promise<{ total: number; steady: number }> {
  const config = loadConfig({
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL,
    KAFKA_BROKERS: BROKERS.join(','),
    LOG_LEVEL: 'warn',
    ACTIVITY_TOPIC_PREFIX: prefix,
    KAFKA_CONSUMER_GROUP: `bench-activity-${id}`,
    CONSUMER_ENABLED: 'true',
    REPLAY_INTERVAL_MS: '0',
    ...(process.env.BENCH_CONCURRENCY ? { CONSUMER_CONCURRENCY: process.env.BENCH_CONCURRENCY } : {}),
    ...(process.env.BENCH_CHUNK ? { CONSUMER_CHUNK_SIZE: process.env.BENCH_CHUNK } : {}),
  });
  const started = performance.now();
  const service = await startService(config, pino({ level: 'warn' }));
  let first = 0;
  try {
    for (;;) {
      const n = await storedRows();
      if (n > 0 && first === 0) first = performance.now();
      if (n >= EVENTS) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const end = performance.now();
    return { total: (end - started) / 1000, steady: (end - first) / 1000 };
  } finally {
    await service.stop();
  }
}

async function main(): Promise<void> {
  const pgConn = await connectPostgres(DATABASE_URL, 2);
  await migrate(pgConn).finally(() => pgConn.close());
  const records = events();
  const publishSeconds = await publish(records);
  const raw = await rawConsume(records.length);
  const e2e = await pipeline();
  const stored = await storedRows();

  const rate = (n: number, s: number) => Math.round(n / s);
  const lines = [
    `activity pipeline bench: ${EVENTS} distinct events + ${records.length - EVENTS} redeliveries = ${records.length} records, topic ${topic} (6 partitions)`,
    `publish (acks=1):            ${rate(records.length, publishSeconds)} records/s`,
    `raw kafkajs consume:         ${rate(records.length, raw.steady)} records/s steady (${rate(records.length, raw.total)} incl. group join, ${raw.total.toFixed(2)} s)`,
    `activity-svc end to end:     ${rate(records.length, e2e.steady)} records/s steady (${rate(records.length, e2e.total)} incl. boot + join, ${e2e.total.toFixed(2)} s); ${rate(EVENTS, e2e.steady)} stored events/s`,
    `ratio end-to-end / raw:      ${(raw.steady / e2e.steady).toFixed(2)} (steady), ${(raw.total / e2e.total).toFixed(2)} (incl. join)`,
    `stored rows: ${stored} (expected ${EVENTS}: ${stored === EVENTS ? 'every event once' : 'MISMATCH'}); target >= 5000 events/s: ${rate(records.length, e2e.steady) >= 5000 ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  await db.query('delete from activity.activities where member_id between $1 and $2', [memberBase, memberBase + MEMBERS - 1]);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteGroups([`bench-raw-${id}`, `bench-activity-${id}`]).catch(() => undefined);
  await admin.disconnect();
  await db.end();
  if (stored !== EVENTS) process.exitCode = 1;
}

await main();
