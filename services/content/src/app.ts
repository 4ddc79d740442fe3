// Composition root: builds content-svc's dependencies from a Config, starts the gRPC server, the
// metrics listener and the background work (outbox relay, view flush, topic upkeep), and returns
// a stop() that runs the shutdown sequence. main.ts and the component tests both start the
// service through here, so tests run the real wiring.
import { readFileSync } from 'node:fs';
import { hrtime } from 'node:process';
import type { Logger } from 'pino';
import { createHealth } from './adapters/health.ts';
import { closeAll, drain, listen } from './adapters/lifecycle.ts';
import { createAuthenticator } from './adapters/member-client.ts';
import { createMetrics, serveMetrics } from './adapters/metrics.ts';
import { callPolicy } from './adapters/call-policy.ts';
import { every } from './adapters/periodic.ts';
import { connectPostgres } from './adapters/postgres.ts';
import { connectKafka } from './adapters/kafka.ts';
import { connectRedis, waitForRedis } from './adapters/redis.ts';
import { pruneCompleted } from './adapters/outbox-repo.ts';
import { ensureDailyTopics } from './adapters/topics.ts';
import { createViewFlusher } from './adapters/view-flusher.ts';
import { createWriteRunner, pruneIdempotencyKeys } from './adapters/write-runner.ts';
import { createIdBlocks } from './adapters/id-blocks.ts';
import type { Config } from './config.ts';
import { createEventClock } from './domain/event-clock.ts';
import { createOutbox } from './adapters/outbox.ts';
import { createServer, SERVICE_NAME } from './server.ts';

export interface RunningService {
  readonly grpcPort: number;
  readonly metricsPort: number;
  stop(): Promise<void>;
}

/** Wall-clock nanoseconds: milliseconds from Date, sub-millisecond digits from the monotonic clock. */
export const wallNanos = (): bigint => BigInt(Date.now()) * 1_000_000n + (hrtime.bigint() % 1_000_000n);

/** Post ids asked for in one round trip, and how long they may be handed out (ids stay close to write order). */
const POST_ID_BLOCK = 32;
const POST_ID_BLOCK_MAX_AGE_MS = 1000;

export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const pg = connectPostgres(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  const db = pg.pool;
  const redis = connectRedis(config.REDIS_URL);
  redis.on('error', (err: unknown) => log.debug({ err }, 'redis connection error'));
  await waitForRedis(redis, 3000);
  const kafka = connectKafka(config.KAFKA_BROKERS, 'content-svc');
  const metrics = createMetrics('content');
  const outbox = createOutbox(config, pg, kafka.kafka, metrics.registry, log);
  // A write reads member-svc's written-down answer for the token from Redis, and asks member-svc
  // when there is none (member-client.ts).
  const auth = createAuthenticator(config.MEMBER_ADDR, config.MEMBER_DEADLINE_MS, grpcServiceConfig(config.MEMBER_GRPC_CONFIG_FILE), callPolicy(config.MEMBER_RESILIENCE_FILE, 'member', metrics.registry), {
    redis,
    waitMs: config.AUTH_ANSWER_WAIT_MS,
  });
  const writes = createWriteRunner(db, createEventClock(wallNanos), outbox.queue);
  // A post's id is taken ahead of its insert so that creating it is one statement (id-blocks.ts).
  const postIds = createIdBlocks(db, 'content.posts', 'id', { size: POST_ID_BLOCK, maxAgeMs: POST_ID_BLOCK_MAX_AGE_MS });
  const health = createHealth(
    [SERVICE_NAME],
    [
      // Readiness = what the RPCs need. Not Kafka: writes wait in the outbox while it is down.
      // Not Redis: the view flush is background work, and a write reads member-svc's answers from
      // it but asks member-svc when it cannot.
      { name: 'postgres', check: () => pg.ping() },
    ],
    log,
  );
  // Topics before the first publish; Kafka being down must not stop the service from taking
  // writes (their events wait in the outbox), so a failure here is only logged and retried.
  const ensureTopics = () => ensureDailyTopics(kafka.kafka, new Date(), config.TOPIC_RETENTION_DAYS).then((created) => {
    if (created.length > 0) log.info({ created }, 'activity topics created');
  });
  await ensureTopics().catch((err: unknown) => log.warn({ err }, 'could not ensure activity topics; retrying later'));

  const server = createServer({ log, metrics, health, handlers: { db, auth, writes, postIds } });
  const grpcPort = await listen(server, config.GRPC_HOST, config.GRPC_PORT);
  const metricsServer = await serveMetrics(metrics.registry, config.METRICS_PORT, config.GRPC_HOST);
  const address = metricsServer.address();
  const metricsPort = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  await health.start(config.HEALTH_INTERVAL_MS);
  outbox.relay.start(config.OUTBOX_RELAY_INTERVAL_MS);
  const flusher = createViewFlusher(redis, db, Math.max(60_000, config.VIEW_FLUSH_INTERVAL_MS * 10));
  const background = [
    every('flush-views', config.VIEW_FLUSH_INTERVAL_MS, () => flusher.flush(), log),
    every('ensure-topics', config.TOPIC_MAINTENANCE_INTERVAL_MS, ensureTopics, log),
    every('prune-idempotency-keys', config.TOPIC_MAINTENANCE_INTERVAL_MS, () => pruneIdempotencyKeys(db, config.IDEMPOTENCY_TTL_HOURS), log),
    every('prune-outbox', config.TOPIC_MAINTENANCE_INTERVAL_MS, () => pruneCompleted(db, config.OUTBOX_RETENTION_HOURS), log),
  ];

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      health.shutdown();
      const how = await drain(server, config.SHUTDOWN_TIMEOUT_MS);
      log.info({ how }, 'grpc server stopped');
      // Committed writes get their immediate attempt; whatever fails stays PENDING for the relay.
      await outbox.queue.idle();
      await outbox.relay.stop();
      await outbox.completer.close();
      await Promise.all(background.map((b) => b.stop()));
      auth.close();
      await closeAll(
        [
          { name: 'metrics', close: () => new Promise((resolve) => metricsServer.close(resolve)) },
          { name: 'kafka-producer', close: () => outbox.publisher.close() },
          { name: 'kafka', close: () => kafka.close() },
          { name: 'redis', close: () => redis.quit().catch(() => redis.disconnect()) },
          { name: 'postgres', close: () => pg.close() },
        ],
        (name, err) => log.error({ err, resource: name }, 'close failed'),
      );
    })();
    return stopping;
  };
  return { grpcPort, metricsPort, stop };
}

/** Channel options carrying the mesh-generated grpc-js service config read from `file` ("" = defaults). */
function grpcServiceConfig(file: string): Record<string, string> {
  return file === '' ? {} : { 'grpc.service_config': readFileSync(file, 'utf8') };
}
