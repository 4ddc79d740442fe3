// Refreshes the gauges that are read from outside the process: consumer lag per partition
// (high watermark vs. the group's committed offset, from the admin API) and dead letters by
// state. Periodic, not on scrape, so a slow Kafka or PostgreSQL never slows /metrics down.
import type { Kafka } from 'kafkajs';
import type { DeadLetterStore } from './dead-letter-store.ts';
import { lazyAdmin } from './kafka.ts';
import type { PipelineGauges } from './metrics.ts';

export interface GaugeRefresherOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: () => readonly string[];
  readonly deadLetters: DeadLetterStore;
  readonly gauges: PipelineGauges;
  readonly intervalMs: number;
  readonly log: { debug(obj: object, msg: string): void };
}

export interface GaugeRefresher {
  refresh(): Promise<void>;
  stop(): Promise<void>;
}

export function startGaugeRefresher(options: GaugeRefresherOptions): GaugeRefresher {
  const admin = lazyAdmin(options.kafka);
  const refreshLag = async (): Promise<void> => {
    const topics = [...options.topics()];
    if (topics.length === 0) return options.gauges.setLag([]);
    const lags = await admin.use(async (a) => {
      const committed = await a.fetchOffsets({ groupId: options.groupId, topics });
      const result: { topic: string; partition: number; lag: number }[] = [];
      for (const topic of topics) {
        const marks = await a.fetchTopicOffsets(topic);
        const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
        for (const mark of marks) {
          const offset = Number(done.find((p) => p.partition === mark.partition)?.offset ?? '-1');
          // No commit yet: the group starts from the earliest retained message.
          const from = offset >= 0 ? offset : Number(mark.low);
          result.push({ topic, partition: mark.partition, lag: Math.max(0, Number(mark.high) - from) });
        }
      }
      return result;
    });
    options.gauges.setLag(lags);
  };
  const refresh = async (): Promise<void> => {
    const results = await Promise.allSettled([refreshLag(), options.deadLetters.count().then((c) => options.gauges.setDeadLetters(c))]);
    for (const r of results) if (r.status === 'rejected') options.log.debug({ err: r.reason as unknown }, 'gauge refresh failed');
  };
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = refresh();
  }, options.intervalMs);
  timer.unref();
  return {
    refresh,
    async stop() {
      clearInterval(timer);
      await running;
      await admin.close().catch(() => undefined);
    },
  };
}
