// The kafkajs 2.2.4 idle-timer fix (src/adapters/kafkajs-idle-fix.ts, loaded by the Kafka adapter):
// an idle connected client no longer re-checks its request queue every millisecond, and requests
// sent after a quiet spell still go out and complete.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { connectKafka } from '../src/adapters/kafka.ts';
import { timelineConfig } from './support/harness.ts';

type Queue = { prototype: { checkPendingRequests: (this: unknown) => void } };
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as Queue;

describe('kafkajs idle request-queue fix', () => {
  it('when a connected client sits idle for a second, then its request queues are checked a handful of times, not ~1000, and it still sends afterwards', async () => {
    const connection = connectKafka(timelineConfig().KAFKA_BROKERS, 'timeline-idle-test');
    const producer = connection.kafka.producer();
    const original = RequestQueue.prototype.checkPendingRequests;
    let checks = 0;
    RequestQueue.prototype.checkPendingRequests = function counted(this: unknown) {
      checks += 1;
      original.call(this);
    };
    try {
      await producer.connect();
      await connection.ping();
      await new Promise((r) => setTimeout(r, 200));
      checks = 0;
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(checks < 20, `idle for 1 s: ${checks} queue checks`);
      await connection.ping(); // a request after the quiet spell completes
    } finally {
      RequestQueue.prototype.checkPendingRequests = original;
      await producer.disconnect();
      await connection.close();
    }
  });
});
