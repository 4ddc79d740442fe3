// Component test of the fan-out consumer against real Kafka: a chunk that fails is retried until
// it succeeds, a chunk that keeps failing is abandoned after the attempt limit (counted) without
// blocking its partition and heals the stored feeds (marks them stale), and committed offsets mean a restarted consumer of the same group
// receives nothing twice. The listener here is scripted; the real one is covered end to end in
// follow-feed-store.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Producer } from 'kafkajs';
import { createFanoutConsumer, type FanoutConsumer } from '../src/adapters/fanout-consumer.ts';
import { connectKafka, type KafkaConnection } from '../src/adapters/kafka.ts';
import { dayTopic } from '../src/domain/topics.ts';
import type { InboundMessage } from '../src/handlers/fanout-listener.ts';
import { timelineConfig, unique } from './support/harness.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('timeline-svc fan-out consumer', () => {
  const prefix = `timeline-fanout-test-${unique()}-`;
  const topic = dayTopic(prefix, new Date());
  const groupId = `timeline-fanout-test-${unique()}`;
  let connection: KafkaConnection;
  let producer: Producer;

  let heals = 0;
  const start = (listener: (messages: readonly InboundMessage[]) => Promise<void>, abandoned: number[]): FanoutConsumer => {
    const consumer = createFanoutConsumer({
      kafka: connection.kafka,
      adminKafka: connection.kafka,
      groupId,
      topicPrefix: prefix,
      retentionDays: 7,
      refreshMs: 60_000,
      chunkSize: 1,
      listener,
      heal: async () => void (heals += 1),
      metrics: { startFanoutChunk: () => () => undefined, fanoutEvent: (_type, outcome, n) => void (outcome === 'abandoned' && abandoned.push(n)) },
      log: quiet,
      retry: { attempts: 3, firstDelayMs: 20 },
    });
    consumer.start();
    return consumer;
  };
  const send = (key: string) => producer.send({ topic, messages: [{ key, value: Buffer.from(key) }] });
  const until = async (check: () => boolean): Promise<void> => {
    const deadline = Date.now() + 20_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not met within 20 s');
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  before(async () => {
    connection = connectKafka(timelineConfig().KAFKA_BROKERS, 'timeline-fanout-test');
    const admin = connection.kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    producer = connection.kafka.producer();
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    const admin = connection.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await connection.close();
  });

  it('when a chunk fails, then it is retried until it succeeds; one that keeps failing is abandoned, the feeds are healed and the partition moves on; a restart receives nothing twice', async () => {
    const calls: string[] = [];
    const applied: string[] = [];
    const abandoned: number[] = [];
    let flakyFailures = 0;
    const first = start(async (messages) => {
      const key = messages[0]!.key!.toString();
      calls.push(key);
      if (key === 'poison') throw new Error('never applies');
      if (key === 'flaky' && flakyFailures < 2) {
        flakyFailures += 1;
        throw new Error('dependency down');
      }
      applied.push(key);
    }, abandoned);
    await first.ready();
    await send('flaky');
    await send('poison');
    await send('after');
    await until(() => applied.includes('after'));
    assert.deepEqual(applied, ['flaky', 'after']);
    assert.deepEqual(calls, ['flaky', 'flaky', 'flaky', 'poison', 'poison', 'poison', 'after'], 'two retries of flaky, three attempts at poison');
    assert.deepEqual(abandoned, [1]);
    assert.equal(heals, 1, 'the abandoned chunk marked the stored feeds stale once');
    await first.stop();

    const again: string[] = [];
    const second = start(async (messages) => void again.push(messages[0]!.key!.toString()), []);
    await second.ready();
    await send('later');
    await until(() => again.includes('later'));
    assert.deepEqual(again, ['later'], 'committed offsets: nothing before "later" is delivered again');
    await second.stop();
  });
});
