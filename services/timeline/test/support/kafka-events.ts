// Test support: waits for activity events on today's `member-activity-yyyyMMdd` topic whose key
// matches, decoding the MemberActivityEvent values. A fresh consumer group reads the topic from
// the beginning and stops at the first match or the timeout.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { MemberActivityEvent } from '@dailyfeed/gen/events/v1/member_activity';

export interface SeenEvent {
  readonly key: string;
  readonly event: MemberActivityEvent;
}

export async function waitForEvent(brokers: readonly string[], topic: string, keyMatches: (key: string) => boolean, timeoutMs = 30_000): Promise<SeenEvent> {
  const kafka = new Kafka({ clientId: 'timeline-test', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `timeline-test-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<SeenEvent>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching event on ${topic} within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const key = message.key?.toString() ?? '';
          if (!keyMatches(key) || message.value === null) return;
          clearTimeout(timer);
          resolve({ key, event: MemberActivityEvent.decode(message.value) });
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}
