// Composition root: builds image-svc's dependencies from a Config, starts the gRPC server and
// the metrics listener, and returns a stop() that runs the shutdown sequence. main.ts and the
// component tests both start the service through here, so tests run the real wiring.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import sharp from 'sharp';
import { createBmpPool } from './adapters/bmp-pool.ts';
import { createDecodeGate } from './adapters/decode-gate.ts';
import { createHealth } from './adapters/health.ts';
import { openImageFiles } from './adapters/image-files.ts';
import { createImageProcessor } from './adapters/image-processor.ts';
import { createImagesRepo } from './adapters/images-repo.ts';
import { connectMemberDirectory } from './adapters/member-client.ts';
import { knexOf } from './adapters/sql.ts';
import { closeAll, drain, listen } from './adapters/lifecycle.ts';
import { createMetrics, serveMetrics } from './adapters/metrics.ts';
import { callPolicy } from './adapters/call-policy.ts';
import { connectPostgres } from './adapters/postgres.ts';
import { connectRedis, waitForRedis } from './adapters/redis.ts';
import type { Config } from './config.ts';
import { createServer, SERVICE_NAME } from './server.ts';
import { createClaimImage } from './handlers/claim-image.ts';
import { createDeleteImages } from './handlers/delete-images.ts';
import { createCallerIdentity } from './handlers/identify-caller.ts';
import { createUploadImage, STORED_CONTENT_TYPE } from './handlers/upload-image.ts';
import { createViewImage } from './handlers/view-image.ts';

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
  const files = await openImageFiles(config.IMAGE_ROOT);
  const metrics = createMetrics('image');
  const members = connectMemberDirectory(config.MEMBER_ADDR, config.MEMBER_TIMEOUT_MS, grpcServiceConfig(config.MEMBER_GRPC_CONFIG_FILE), callPolicy(config.MEMBER_RESILIENCE_FILE, 'member', metrics.registry));
  const health = createHealth(
    [SERVICE_NAME],
    [
      // Readiness = what the RPCs need; image-svc does not use Redis for them.
      { name: 'postgres', check: () => pg.ping() },
      // A full or read-only volume would fail every upload: stop taking traffic instead.
      { name: 'image-root', check: () => files.checkWritable() },
    ],
    log,
  );
  const repo = createImagesRepo(knexOf(pg));
  // libvips' operation cache only helps when the same input is processed again, which never
  // happens here; it would hold up to 50 MB of decoded pixels (process-wide, workers included).
  sharp.cache(false);
  const bounds = { maxWidth: config.MAX_WIDTH, maxHeight: config.MAX_HEIGHT, thumbnailSize: config.THUMBNAIL_SIZE };
  const bmp = createBmpPool(config.DECODE_CONCURRENCY, bounds);
  const process = createImageProcessor({
    bounds,
    maxPixels: config.MAX_INPUT_PIXELS,
    gate: createDecodeGate({ concurrency: config.DECODE_CONCURRENCY, queue: config.DECODE_QUEUE }),
    bmp,
    decodeTimeoutMs: config.DECODE_TIMEOUT_MS,
  });
  const server = createServer({
    log,
    metrics,
    health,
    identity: createCallerIdentity(members),
    upload: createUploadImage({ files, repo, process, maxUploadBytes: config.MAX_UPLOAD_BYTES, metrics, log }),
    view: createViewImage({ files, repo, contentType: STORED_CONTENT_TYPE }),
    deleteImages: createDeleteImages({ files, repo, metrics }),
    claimImage: createClaimImage({ repo }),
  });
  const grpcPort = await listen(server, config.GRPC_HOST, config.GRPC_PORT);
  const metricsServer = await serveMetrics(metrics.registry, config.METRICS_PORT, config.GRPC_HOST);
  const address = metricsServer.address();
  const metricsPort = typeof address === 'object' && address ? address.port : config.METRICS_PORT;
  await health.start(config.HEALTH_INTERVAL_MS);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      health.shutdown();
      const how = await drain(server, config.SHUTDOWN_TIMEOUT_MS);
      log.info({ how }, 'grpc server stopped');
      await closeAll(
        [
          { name: 'member-client', close: async () => members.close() },
          { name: 'bmp-workers', close: () => bmp.close() },
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

/** Channel options carrying the mesh-generated grpc-js service config read from `file` ("" = defaults). */
function grpcServiceConfig(file: string): Record<string, string> {
  return file === '' ? {} : { 'grpc.service_config': readFileSync(file, 'utf8') };
}
