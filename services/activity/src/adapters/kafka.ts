// Kafka clients (kafkajs). The health probe's client fails fast (one retry) so that health reflects
// an outage quickly; the listener's client retries patiently and always restarts, so the
// consumer rides out a broker restart instead of dying with it.
import { Kafka, logLevel, type Admin } from 'kafkajs';

export interface KafkaConnection {
  readonly kafka: Kafka;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** An admin connection opened on first use and reopened after any failure. */
export interface LazyAdmin {
  use<T>(fn: (admin: Admin) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function lazyAdmin(kafka: Kafka): LazyAdmin {
  let admin: Admin | undefined;
  return {
    async use(fn) {
      if (!admin) {
        const fresh = kafka.admin();
        await fresh.connect();
        admin = fresh;
      }
      try {
        return await fn(admin);
      } catch (err: unknown) {
        // Reconnect from scratch next time: a broker restart leaves a stale connection.
        const stale = admin;
        admin = undefined;
        await stale.disconnect().catch(() => undefined);
        throw err;
      }
    },
    async close() {
      await admin?.disconnect();
      admin = undefined;
    },
  };
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
  const admin = lazyAdmin(kafka);
  return {
    kafka,
    ping: () => admin.use(async (a) => void (await a.describeCluster())),
    close: () => admin.close(),
  };
}

/**
 * Retries of the listener's client and consumer: patient (about 40 s of attempts before kafkajs
 * gives up, then it restarts the consumer) but never more than a second apart, so a consumer notices
 * a broker that came back within a second. The old cap of 10 s left it asleep for up to 10 s after
 * the broker was back; and a consumer that gave up rejoins as a new member, which the group admits
 * only once the lost member's session (CONSUMER_SESSION_TIMEOUT_MS) has expired.
 */
export const LISTENER_RETRY = { retries: 40, initialRetryTime: 300, maxRetryTime: 1000, restartOnFailure: async () => true };

/** The listener's client: patient retries, restart on every crash (see activity-consumer.ts). */
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
