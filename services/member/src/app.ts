// Composition root: builds member-svc's dependencies from a Config, starts the gRPC server and
// the metrics listener, and returns a stop() that runs the shutdown sequence. main.ts and the
// component tests both start the service through here, so tests run the real wiring.
import type { Logger } from 'pino';
import { createHealth } from './adapters/health.ts';
import { closeAll, drain, listen } from './adapters/lifecycle.ts';
import { createMetrics, serveMetrics } from './adapters/metrics.ts';
import { connectPostgres } from './adapters/postgres.ts';
import { connectRedis, waitForRedis } from './adapters/redis.ts';
import type { Config } from './config.ts';
import { createServer, SERVICE_NAME } from './server.ts';
import { wire, type Wiring } from './wiring.ts';

export interface RunningService {
  readonly grpcPort: number;
  readonly metricsPort: number;
  stop(): Promise<void>;
}

export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const pg = await connectPostgres(config.DATABASE_URL, config.DATABASE_POOL_MAX);
  const redis = connectRedis(config.REDIS_URL);
  redis.on('error', (err: unknown) => log.debug({ err }, 'redis connection error'));
  await waitForRedis(redis, 3000);
  const metrics = createMetrics('member');
  const wiring = await wire(pg, redis, config, log, metrics.registry);
  await bootstrapKeys(wiring, log);
  const timers = startKeyTimers(wiring, config, log);
  wiring.revocations.start();
  const health = createHealth(
    [SERVICE_NAME],
    [
      // Readiness = what the RPCs need. Not Redis: the blacklist falls back to PostgreSQL.
      { name: 'postgres', check: () => pg.ping() },
      { name: 'signing-key', check: async () => void wiring.keys.primaryOrThrow() },
    ],
    log,
  );
  const server = createServer({ log, metrics, health, handlers: wiring.handlers });
  const grpcPort = await listen(server, config.GRPC_HOST, config.GRPC_PORT);
  const metricsServer = await serveMetrics(metrics.registry, config.METRICS_PORT, config.GRPC_HOST);
  const address = metricsServer.address();
  const metricsPort = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  await health.start(config.HEALTH_INTERVAL_MS);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      health.shutdown();
      for (const timer of timers) clearInterval(timer);
      wiring.keys.stop();
      wiring.revocations.stop();
      const how = await drain(server, config.SHUTDOWN_TIMEOUT_MS);
      log.info({ how }, 'grpc server stopped');
      await closeAll(
        [
          { name: 'image-client', close: async () => wiring.images.close() },
          { name: 'metrics', close: () => new Promise((resolve) => metricsServer.close(resolve)) },
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

/** First start: creates the first key (or rotates a stale one) and loads the key store. A
 * database that is not ready only delays this to the next timer tick. */
async function bootstrapKeys(wiring: Wiring, log: Logger): Promise<void> {
  try {
    const result = await wiring.keyRepo.rotate(new Date());
    if (result.rotated) log.info({ kid: result.primaryKid }, 'new primary signing key');
    await wiring.keys.reload();
  } catch (err: unknown) {
    log.error({ err }, 'signing keys not ready; retrying on the next rotation check');
  }
}

function startKeyTimers(wiring: Wiring, config: Config, log: Logger): NodeJS.Timeout[] {
  const rotation = setInterval(() => void bootstrapKeys(wiring, log), config.KEY_CHECK_INTERVAL_MS);
  const refresh = setInterval(() => {
    wiring.keys.reload().catch((err: unknown) => log.warn({ err }, 'key store reload failed'));
    wiring.blacklist.resyncRecent(config.KEY_CACHE_REFRESH_MS * 3).catch((err: unknown) => log.warn({ err }, 'blacklist resync failed'));
  }, config.KEY_CACHE_REFRESH_MS);
  rotation.unref();
  refresh.unref();
  return [rotation, refresh];
}
