// Kafka client (kafkajs) for this service. The admin connection doubles as the health probe;
// producers and consumers are created from `kafka` by the adapters that need them.
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
