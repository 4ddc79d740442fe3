// The local infrastructure is real and usable: PostgreSQL answers queries, Redis round-trips,
// and Kafka (KRaft, from Maven Central's jars) carries messages through kafkajs to a consumer
// group that commits offsets only after processing them.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed_test';
const kafka = new Kafka({ clientId: 'infra-test', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });

describe('local infrastructure', () => {
  it('when PostgreSQL is queried, then it answers from a real server', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ sum: number; version: string }>('select $1::int + $2::int as sum, version() as version', [20, 22]);
      assert.equal(rows[0]?.sum, 42);
      assert.match(rows[0]?.version ?? '', /^PostgreSQL \d+/);
    } finally {
      await client.end();
    }
  });

  it('when a value is written to Redis with a TTL, then it reads back and expires', async () => {
    const redis = new Redis('redis://127.0.0.1:6379');
    try {
      const key = `infra-test:${randomUUID()}`;
      await redis.set(key, 'value', 'PX', 300);
      assert.equal(await redis.get(key), 'value');
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(await redis.get(key), null);
    } finally {
      redis.disconnect();
    }
  });

  it('when messages are produced, then a consumer group receives them all and commits offsets after processing', async () => {
    const topic = `infra-test-${randomUUID()}`;
    const groupId = `infra-test-group-${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId });
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
      await producer.connect();
      const sent = Array.from({ length: 30 }, (_, i) => `message-${i}`);
      await producer.send({ topic, acks: 1, messages: sent.map((value, i) => ({ key: `key-${i % 7}`, value })) });

      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const processed: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${processed.length} of ${sent.length} messages arrived`)), 30_000);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ topic: t, partition, message }) => {
              processed.push(message.value?.toString() ?? '');
              // At-least-once: the offset is committed only once the message was handled.
              await consumer.commitOffsets([{ topic: t, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
              if (processed.length === sent.length) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
      assert.deepEqual([...processed].sort(), [...sent].sort());
      await consumer.disconnect();

      const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
      const total = committed[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
      assert.equal(total, sent.length, 'committed offsets cover every processed message');
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
