// Kafka clients (kafkajs) for this service. The admin connection of `connectKafka` doubles as the
// health probe and fails fast, as does the activity publisher's producer made from it; the fan-out
// consumer has a client of its own (`listenerKafka`) that retries patiently, so that it rides out
// a broker restart under the same group member instead of crashing and rejoining as a new one.
import { Kafka, logLevel, type Admin } from 'kafkajs';

export interface KafkaConnection {
  readonly kafka: Kafka;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function connectKafka(brokers: readonly string[], clientId: string): KafkaConnection {
  const kafka = new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 5000,
    retry: { retries: 1, initialRetryTime: 100 },
  });
  let admin: Admin | undefined;
  return {
    kafka,
    async ping() {
      if (!admin) {
        const fresh = kafka.admin();
        await fresh.connect();
        admin = fresh;
      }
      try {
        await admin.describeCluster();
      } catch (err: unknown) {
        // Reconnect from scratch on the next probe: a broker restart leaves a stale connection.
        const stale = admin;
        admin = undefined;
        await stale.disconnect().catch(() => undefined);
        throw err;
      }
    },
    async close() {
      await admin?.disconnect();
    },
  };
}

/**
 * Retries of the fan-out's client and consumer: patient (about 40 s of attempts before kafkajs
 * gives up, then it restarts the consumer) but never more than a second apart, so the consumer
 * notices a broker that came back within a second. A consumer that gave up rejoins as a new member,
 * which the group admits only once the lost member's session (6 s) has expired.
 */
export const LISTENER_RETRY = { retries: 40, initialRetryTime: 300, maxRetryTime: 1000, restartOnFailure: async () => true };

/** The fan-out consumer's client (see fanout-consumer.ts). */
export function listenerKafka(brokers: readonly string[], clientId: string): Kafka {
  return new Kafka({
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: LISTENER_RETRY,
  });
}
