// The kafkajs 2.2.4 idle-timer fix, applied to the dependency itself at install time by
// patch-package (patches/kafkajs+2.2.4.patch, the root `postinstall`): an idle connected client no
// longer re-checks its request queues every millisecond, and a request sent after a quiet spell
// still goes out and completes. Without the patch an idle client counts ~1000 checks a second.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';

type Queue = { prototype: { checkPendingRequests: (this: unknown) => void } };
const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as Queue;
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('kafkajs idle request-queue patch', () => {
  it('when a connected client sits idle for a second, then its request queues are checked a handful of times, not ~1000, and it still sends afterwards', async () => {
    const kafka = new Kafka({ clientId: 'kafkajs-idle-test', brokers, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    const admin = kafka.admin();
    const original = RequestQueue.prototype.checkPendingRequests;
    let checks = 0;
    RequestQueue.prototype.checkPendingRequests = function counted(this: unknown) {
      checks += 1;
      original.call(this);
    };
    try {
      await producer.connect();
      await admin.connect();
      await admin.describeCluster();
      await new Promise((r) => setTimeout(r, 200));
      checks = 0;
      await new Promise((r) => setTimeout(r, 1000));
      assert.ok(checks < 20, `idle for 1 s: ${checks} queue checks`);
      const cluster = await admin.describeCluster(); // a request after the quiet spell completes
      assert.ok(cluster.brokers.length > 0);
    } finally {
      RequestQueue.prototype.checkPendingRequests = original;
      await producer.disconnect();
      await admin.disconnect();
    }
  });
});
