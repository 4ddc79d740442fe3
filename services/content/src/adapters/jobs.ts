// One-shot job commands of content-svc (run by main.ts, e.g. from a Kubernetes CronJob):
//   ensure-topics       create today's and tomorrow's member-activity-yyyyMMdd topics
//   cleanup-topics      delete daily topics past retention once no consumer group lags on them
//   relay-dead-letters  publish every due PENDING outbox row (parking those out of attempts)
//   flush-views         add pending Redis post views to posts.view_count
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { connectKafka } from './kafka.ts';
import { connectPostgres } from './postgres.ts';
import { connectRedis, waitForRedis } from './redis.ts';
import { cleanupExpiredTopics, ensureDailyTopics } from './topics.ts';
import { createViewFlusher } from './view-flusher.ts';
import type { Config } from '../config.ts';
import { createOutbox } from './outbox.ts';

export const JOBS = ['ensure-topics', 'cleanup-topics', 'relay-dead-letters', 'flush-views'] as const;
export type JobName = (typeof JOBS)[number];

export function isJob(name: string): name is JobName {
  return (JOBS as readonly string[]).includes(name);
}

export async function runJob(job: JobName, config: Config, log: Logger): Promise<void> {
  switch (job) {
    case 'ensure-topics': {
      const kafka = connectKafka(config.KAFKA_BROKERS, 'content-svc-job');
      const created = await ensureDailyTopics(kafka.kafka, new Date(), config.TOPIC_RETENTION_DAYS);
      log.info({ created }, 'daily topics ensured');
      return;
    }
    case 'cleanup-topics': {
      const kafka = connectKafka(config.KAFKA_BROKERS, 'content-svc-job');
      const deleted = await cleanupExpiredTopics(kafka.kafka, new Date(), config.TOPIC_RETENTION_DAYS, log);
      log.info({ deleted }, 'expired topics cleaned up');
      return;
    }
    case 'relay-dead-letters': {
      const pg = connectPostgres(config.DATABASE_URL, 2);
      const kafka = connectKafka(config.KAFKA_BROKERS, 'content-svc-job');
      const outbox = createOutbox(config, pg, kafka.kafka, new Registry(), log);
      try {
        const started = Date.now();
        const outcome = await outbox.relay.drain();
        log.info({ ...outcome, ms: Date.now() - started }, 'relay run done');
      } finally {
        await outbox.completer.close();
        await outbox.publisher.close();
        await pg.close();
      }
      return;
    }
    case 'flush-views': {
      const pg = connectPostgres(config.DATABASE_URL, 2);
      const redis = connectRedis(config.REDIS_URL);
      try {
        if (!(await waitForRedis(redis, 5000))) throw new Error('redis is not reachable');
        const views = await createViewFlusher(redis, pg.pool, Math.max(60_000, config.VIEW_FLUSH_INTERVAL_MS * 10)).flush();
        log.info({ views }, 'post views flushed');
      } finally {
        await redis.quit().catch(() => redis.disconnect());
        await pg.close();
      }
      return;
    }
  }
}
