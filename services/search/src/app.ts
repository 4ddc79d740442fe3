// Composition root: builds search-svc's dependencies from a Config, starts the gRPC server, the
// indexer (Kafka -> the search engine SEARCH_ENGINE selects) and the metrics listener, and returns a stop()
// that runs the shutdown sequence. main.ts and the component tests both start the service
// through here, so tests run the real wiring.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { createHealth } from './adapters/health.ts';
import { createIndexConsumer } from './adapters/index-consumer.ts';
import { closeAll, drain, listen } from './adapters/lifecycle.ts';
import { connectMemberDirectory } from './adapters/member-client.ts';
import { createMetrics, serveMetrics } from './adapters/metrics.ts';
import { callPolicy } from './adapters/call-policy.ts';
import { connectPostgres } from './adapters/postgres.ts';
import { connectKafka, listenerKafka } from './adapters/kafka.ts';
import { connectRedis, waitForRedis } from './adapters/redis.ts';
import { createSearchIndex } from './adapters/search-index.ts';
import { createSql, type Sql } from './adapters/sql.ts';
import { createTypesenseIndex, ensureCollection } from './adapters/typesense-index.ts';
import { connectPostReader } from './adapters/timeline-client.ts';
import type { Config } from './config.ts';
import type { SearchIndex } from './domain/search-engine.ts';
import { createServer, SERVICE_NAME } from './server.ts';

export interface RunningService {
  readonly grpcPort: number;
  readonly metricsPort: number;
  stop(): Promise<void>;
}

export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const pg = await connectPostgres(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  let index: SearchIndex;
  try {
    index = await createEngine(config, createSql(pg));
  } catch (err: unknown) {
    await pg.close();
    throw err;
  }
  const redis = connectRedis(config.REDIS_URL);
  redis.on('error', (err: unknown) => log.debug({ err }, 'redis connection error'));
  await waitForRedis(redis, 3000);
  const kafka = connectKafka(config.KAFKA_BROKERS, 'search-svc');
  const metrics = createMetrics('search');
  const members = connectMemberDirectory(config.MEMBER_ADDR, config.DOWNSTREAM_TIMEOUT_MS, grpcServiceConfig(config.MEMBER_GRPC_CONFIG_FILE), callPolicy(config.MEMBER_RESILIENCE_FILE, 'member', metrics.registry));
  const posts = connectPostReader(config.TIMELINE_ADDR, config.DOWNSTREAM_TIMEOUT_MS, grpcServiceConfig(config.TIMELINE_GRPC_CONFIG_FILE), callPolicy(config.TIMELINE_RESILIENCE_FILE, 'timeline', metrics.registry));
  const health = createHealth(
    [SERVICE_NAME],
    [
      // Readiness = what the search RPCs need. Kafka feeds the indexer, which waits out an outage;
      // no RPC uses Redis.
      { name: 'postgres', check: () => pg.ping() },
      ...(config.SEARCH_ENGINE === 'typesense' ? [{ name: 'typesense', check: () => index.ping() }] : []),
    ],
    log,
  );
  const server = createServer({ log, metrics, health, search: { index, posts, members } });
  const grpcPort = await listen(server, config.GRPC_HOST, config.GRPC_PORT);
  const metricsServer = await serveMetrics(metrics.registry, config.METRICS_PORT, config.GRPC_HOST);
  const address = metricsServer.address();
  const metricsPort = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  const indexer = createIndexConsumer({
    kafka: listenerKafka(config.KAFKA_BROKERS, 'search-indexer'),
    adminKafka: kafka.kafka,
    groupId: config.SEARCH_GROUP_ID,
    topicPrefix: config.SEARCH_TOPIC_PREFIX,
    retentionDays: config.TOPIC_RETENTION_DAYS,
    refreshMs: config.TOPIC_REFRESH_MS,
    index,
    log,
  });
  indexer.start();
  await health.start(config.HEALTH_INTERVAL_MS);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      health.shutdown();
      await indexer.stop().catch((err: unknown) => log.error({ err }, 'indexer stop failed'));
      log.info({}, 'consumers stopped');
      const how = await drain(server, config.SHUTDOWN_TIMEOUT_MS);
      log.info({ how }, 'grpc server stopped');
      await closeAll(
        [
          { name: 'metrics', close: () => new Promise((resolve) => metricsServer.close(resolve)) },
          { name: 'member-client', close: async () => members.close() },
          { name: 'timeline-client', close: async () => posts.close() },
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

/**
 * The index behind the RPCs and the indexer. Typesense: its collection is created if missing
 * (boot fails if Typesense cannot be reached), and comment likes stay in PostgreSQL.
 */
export async function createEngine(config: Config, sql: Sql): Promise<SearchIndex> {
  const postgres = createSearchIndex(sql);
  if (config.SEARCH_ENGINE === 'postgres') return postgres;
  const options = { url: config.TYPESENSE_URL, apiKey: config.TYPESENSE_API_KEY, collection: config.TYPESENSE_COLLECTION, timeoutMs: config.TYPESENSE_TIMEOUT_MS };
  await ensureCollection(options);
  return createTypesenseIndex(options, postgres);
}

/** Channel options carrying the mesh-generated grpc-js service config read from `file` ("" = defaults). */
function grpcServiceConfig(file: string): Record<string, string> {
  return file === '' ? {} : { 'grpc.service_config': readFileSync(file, 'utf8') };
}
