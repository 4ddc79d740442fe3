// Composition root: builds activity-svc's dependencies from a Config, starts the gRPC server, the
// metrics listener, the Kafka listener and the dead-letter replay job, and returns a stop() that
// runs the shutdown sequence. main.ts and the component tests both start the service through
// here, so tests run the real wiring.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { createActivityConsumer, type ActivityConsumer } from './adapters/activity-consumer.ts';
import { createActivityStore } from './adapters/activity-store.ts';
import { createDeadLetterStore } from './adapters/dead-letter-store.ts';
import { createDedupCache } from './adapters/dedup-cache.ts';
import { createHealth } from './adapters/health.ts';
import { connectKafka, listenerKafka } from './adapters/kafka.ts';
import { closeAll, drain, listen, withDeadline } from './adapters/lifecycle.ts';
import { connectMemberDirectory } from './adapters/member-client.ts';
import { createMetrics, serveMetrics } from './adapters/metrics.ts';
import { callPolicy } from './adapters/call-policy.ts';
import { startPeriodic, type Periodic } from './adapters/periodic.ts';
import { startGaugeRefresher } from './adapters/pipeline-gauges.ts';
import { connectPostgres } from './adapters/postgres.ts';
import { connectRedis, waitForRedis } from './adapters/redis.ts';
import { createSql } from './adapters/sql.ts';
import type { Config } from './config.ts';
import type { ReplayPolicy } from './domain/dead-letter-rules.ts';
import { createActivityListener } from './handlers/activity-listener.ts';
import { createDeadLetterReplay, type DeadLetterReplay } from './handlers/dead-letter-replay.ts';
import { createServer, SERVICE_NAME } from './server.ts';

export interface RunningService {
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** Undefined when CONSUMER_ENABLED=false. */
  readonly consumer: ActivityConsumer | undefined;
  readonly replay: DeadLetterReplay;
  stop(): Promise<void>;
}

export function replayPolicyOf(config: Config): ReplayPolicy {
  return { maxAttempts: config.REPLAY_MAX_ATTEMPTS, baseDelayMs: config.REPLAY_BASE_DELAY_MS, maxDelayMs: config.REPLAY_MAX_DELAY_MS };
}

export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const pg = await connectPostgres(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  const sql = createSql(pg);
  const redis = connectRedis(config.REDIS_URL);
  redis.on('error', (err: unknown) => log.debug({ err }, 'redis connection error'));
  await waitForRedis(redis, 3000);
  const kafka = connectKafka(config.KAFKA_BROKERS, 'activity-svc');
  const metrics = createMetrics('activity');
  const members = connectMemberDirectory(config.MEMBER_ADDR, config.MEMBER_TIMEOUT_MS, grpcServiceConfig(config.MEMBER_GRPC_CONFIG_FILE), callPolicy(config.MEMBER_RESILIENCE_FILE, 'member', metrics.registry));
  const activities = createActivityStore(sql);
  const deadLetters = createDeadLetterStore(sql, config.ACTIVITY_TOPIC_PREFIX);
  const replay = createDeadLetterReplay({ activities, deadLetters, policy: replayPolicyOf(config), batchSize: config.REPLAY_BATCH_SIZE });

  const health = createHealth(
    [SERVICE_NAME],
    [
      // Readiness = what the read RPCs need. Kafka and Redis serve the consumer, which waits out
      // their outages on its own; they are in the logs and metrics, not in readiness.
      { name: 'postgres', check: () => pg.ping() },
    ],
    log,
  );
  const server = createServer({ log, metrics, health, handlers: { members, activities, deadLetters } });
  const grpcPort = await listen(server, config.GRPC_HOST, config.GRPC_PORT);
  const metricsServer = await serveMetrics(metrics.registry, config.METRICS_PORT, config.GRPC_HOST);
  const address = metricsServer.address();
  const metricsPort = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  await health.start(config.HEALTH_INTERVAL_MS);

  const listenerClient = listenerKafka(config.KAFKA_BROKERS, 'activity-svc-listener');
  const consumer = config.CONSUMER_ENABLED
    ? createActivityConsumer({
        kafka: listenerClient,
        adminKafka: kafka.kafka,
        groupId: config.KAFKA_CONSUMER_GROUP,
        topicPrefix: config.ACTIVITY_TOPIC_PREFIX,
        retentionDays: config.TOPIC_RETENTION_DAYS,
        refreshMs: config.TOPIC_REFRESH_MS,
        concurrency: config.CONSUMER_CONCURRENCY,
        sessionTimeoutMs: config.CONSUMER_SESSION_TIMEOUT_MS,
        chunkSize: config.CONSUMER_CHUNK_SIZE,
        log,
        listener: createActivityListener({
          sql,
          activities,
          deadLetters,
          dedup: createDedupCache(redis, config.DEDUP_TTL_S, log),
          metrics,
          log,
          retries: config.LISTENER_RETRIES,
          retryBaseMs: config.LISTENER_RETRY_BASE_MS,
          outageBackoffMaxMs: config.OUTAGE_BACKOFF_MAX_MS,
          replayPolicy: replayPolicyOf(config),
        }),
      })
    : undefined;
  consumer?.start();
  const gauges = startGaugeRefresher({
    kafka: kafka.kafka,
    groupId: config.KAFKA_CONSUMER_GROUP,
    topics: () => consumer?.subscribedTopics() ?? [],
    deadLetters,
    gauges: metrics,
    intervalMs: config.LAG_INTERVAL_MS,
    log,
  });
  const replayJob: Periodic | undefined =
    config.REPLAY_INTERVAL_MS > 0
      ? startPeriodic(
          async () => {
            const round = await replay.replayDue();
            if (round.claimed > 0) log.info(round, 'dead letters replayed');
          },
          config.REPLAY_INTERVAL_MS,
          (err) => log.warn({ err }, 'dead-letter replay round failed'),
        )
      : undefined;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      health.shutdown();
      // STYLE rule 6: consumers and jobs stop before the server drains and the pools close, so
      // no chunk is half-way through PostgreSQL when its pool goes away. The consumer's stop is
      // bounded: with the broker down it could wait on retries; an uncommitted chunk is simply
      // delivered again to the next owner (and deduplicated).
      await closeAll(
        [
          {
            name: 'consumer',
            close: async () => {
              if ((await withDeadline(async () => consumer?.stop(), config.SHUTDOWN_TIMEOUT_MS)) === 'timeout') log.warn({}, 'consumer stop timed out');
            },
          },
          { name: 'replay', close: async () => replayJob?.stop() },
          { name: 'gauges', close: () => gauges.stop() },
        ],
        (name, err) => log.error({ err, resource: name }, 'stop failed'),
      );
      log.info({}, 'consumers stopped');
      const how = await drain(server, config.SHUTDOWN_TIMEOUT_MS);
      log.info({ how }, 'grpc server stopped');
      await closeAll(
        [
          { name: 'metrics', close: () => new Promise((resolve) => metricsServer.close(resolve)) },
          { name: 'member', close: async () => members.close() },
          { name: 'kafka', close: () => kafka.close() },
          { name: 'redis', close: () => redis.quit().catch(() => redis.disconnect()) },
          { name: 'postgres', close: () => pg.close() },
        ],
        (name, err) => log.error({ err, resource: name }, 'close failed'),
      );
    })();
    return stopping;
  };
  return { grpcPort, metricsPort, consumer, replay, stop };
}

/** Channel options carrying the mesh-generated grpc-js service config read from `file` ("" = defaults). */
function grpcServiceConfig(file: string): Record<string, string> {
  return file === '' ? {} : { 'grpc.service_config': readFileSync(file, 'utf8') };
}
