// Composition root: builds timeline-svc's dependencies from a Config, starts the gRPC server and
// the metrics listener, and returns a stop() that runs the shutdown sequence. main.ts and the
// component tests both start the service through here, so tests run the real wiring. Serving uses
// only the read-only connection (CONTENT_READ_DATABASE_URL); DATABASE_URL is for `migrate`.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { createActivityPublisher } from './adapters/activity-publisher.ts';
import { withAuthMemory } from './adapters/auth-cache.ts';
import { createAuthMemory } from './adapters/auth-memory.ts';
import { withAuthorCache } from './adapters/author-cache.ts';
import { createCommentsReader } from './adapters/comments-reader.ts';
import { createFanoutConsumer } from './adapters/fanout-consumer.ts';
import { createFeedStore } from './adapters/feed-store.ts';
import { createFollowingLookup } from './adapters/following-cache.ts';
import { createHealth } from './adapters/health.ts';
import { closeAll, drain, listen } from './adapters/lifecycle.ts';
import { connectMemberDirectory, type AuthenticatedCaller } from './adapters/member-client.ts';
import { createMetrics, serveMetrics } from './adapters/metrics.ts';
import { callPolicy } from './adapters/call-policy.ts';
import { createPostsReader } from './adapters/posts-reader.ts';
import { connectReadDb } from './adapters/read-db.ts';
import { connectKafka, listenerKafka } from './adapters/kafka.ts';
import { connectRedis, waitForRedis } from './adapters/redis.ts';
import { createViewCounter } from './adapters/view-counter.ts';
import type { Config } from './config.ts';
import { createFanoutListener } from './handlers/fanout-listener.ts';
import { createFollowFeed } from './handlers/follow-feed.ts';
import { createServer, SERVICE_NAME } from './server.ts';

export interface RunningService {
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** Resolves when every activity event started so far has been sent or given up (tests). */
  flushEvents(): Promise<void>;
  /** Resolves once the fan-out consumer reads its topics: POST_CREATE/POST_DELETE sent after it reach the feeds (tests). */
  fanoutReady(): Promise<void>;
  stop(): Promise<void>;
}

/** Nanoseconds since the epoch, with the sub-millisecond part from the monotonic clock. */
function nowNanos(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const db = connectReadDb(config.CONTENT_READ_DATABASE_URL, config.CONTENT_READ_POOL_MAX, config.CONTENT_READ_STATEMENT_TIMEOUT_MS);
  const redis = connectRedis(config.REDIS_URL);
  redis.on('error', (err: unknown) => log.debug({ err }, 'redis connection error'));
  await waitForRedis(redis, 3000);
  const kafka = connectKafka(config.KAFKA_BROKERS, 'timeline-svc');
  const metrics = createMetrics('timeline');
  const authMemory = createAuthMemory<AuthenticatedCaller>({
    redisUrl: config.REDIS_URL,
    channel: config.REVOCATION_CHANNEL,
    maxEntries: config.AUTH_MEMORY_ENTRIES,
    facts: (caller) => caller,
    registry: metrics.registry,
    log,
  });
  const members = withAuthMemory(
    withAuthorCache(
      connectMemberDirectory(config.MEMBER_ADDR, config.MEMBER_DEADLINE_MS, grpcServiceConfig(config.MEMBER_GRPC_CONFIG_FILE), callPolicy(config.MEMBER_RESILIENCE_FILE, 'member', metrics.registry)),
      config.AUTHOR_CACHE_TTL_MS,
      authMemory.facts,
      (result, n) => metrics.authorCache(result, n),
    ),
    authMemory,
  );
  const activity = createActivityPublisher(kafka.kafka, log, (outcome) => metrics.activityEvent(outcome), nowNanos);
  const health = createHealth(
    [SERVICE_NAME],
    [
      // Readiness = what the read RPCs need. Not Redis (the follow feed falls back to PostgreSQL,
      // a view that cannot be counted is dropped), not Kafka (read events are best effort).
      { name: 'postgres', check: () => db.ping() },
    ],
    log,
  );
  const posts = createPostsReader(db);
  const feeds = createFeedStore(redis, config.FEED_CAP, config.FEED_TTL_HOURS * 3600_000);
  const fanout = createFanoutConsumer({
    kafka: listenerKafka(config.KAFKA_BROKERS, 'timeline-fanout'),
    adminKafka: kafka.kafka,
    groupId: config.FANOUT_GROUP_ID,
    topicPrefix: config.ACTIVITY_TOPIC_PREFIX,
    retentionDays: config.TOPIC_RETENTION_DAYS,
    refreshMs: config.TOPIC_REFRESH_MS,
    chunkSize: config.FANOUT_CHUNK_SIZE,
    listener: createFanoutListener({ posts, feeds, metrics, heavyFollowers: config.FANOUT_HEAVY_FOLLOWERS, log }),
    heal: () => feeds.markFeedsStale(),
    metrics,
    log,
  });
  const reads = {
    posts,
    followFeed: createFollowFeed({ posts, feeds, metrics, log, cap: config.FEED_CAP, now: Date.now }),
    comments: createCommentsReader(db),
    members,
    followingIds: createFollowingLookup(redis, config.FOLLOWING_CACHE_TTL_MS, authMemory.facts, members, (result) => metrics.feedCache('following_ids', result)),
    views: createViewCounter(redis),
    activity,
    metrics,
    log,
    clock: () => new Date(),
  };
  const server = createServer({ log, metrics, health, reads });
  const grpcPort = await listen(server, config.GRPC_HOST, config.GRPC_PORT);
  const metricsServer = await serveMetrics(metrics.registry, config.METRICS_PORT, config.GRPC_HOST);
  const address = metricsServer.address();
  const metricsPort = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  await health.start(config.HEALTH_INTERVAL_MS);
  fanout.start();

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      health.shutdown();
      // STYLE rule 6: the consumer stops before the server drains and the pools close, so no
      // chunk is half-way through PostgreSQL or Redis when they go away.
      await fanout.stop().catch((err: unknown) => log.error({ err }, 'fan-out consumer stop failed'));
      log.info({}, 'consumers stopped');
      const how = await drain(server, config.SHUTDOWN_TIMEOUT_MS);
      log.info({ how }, 'grpc server stopped');
      await closeAll(
        [
          { name: 'metrics', close: () => new Promise((resolve) => metricsServer.close(resolve)) },
          { name: 'activity', close: () => activity.close() },
          { name: 'kafka', close: () => kafka.close() },
          { name: 'member-svc', close: async () => members.close() },
          { name: 'redis', close: () => redis.quit().catch(() => redis.disconnect()) },
          { name: 'postgres', close: () => db.close() },
        ],
        (name, err) => log.error({ err, resource: name }, 'close failed'),
      );
    })();
    return stopping;
  };
  return { grpcPort, metricsPort, flushEvents: () => activity.flush(), fanoutReady: () => fanout.ready(), stop };
}

/** Channel options carrying the mesh-generated grpc-js service config read from `file` ("" = defaults). */
function grpcServiceConfig(file: string): Record<string, string> {
  return file === '' ? {} : { 'grpc.service_config': readFileSync(file, 'utf8') };
}
