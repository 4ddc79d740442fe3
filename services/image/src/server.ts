// createServer(deps) -> an unstarted gRPC server with grpc.health.v1 and the whole ImageService
// contract registered. Listening, and stopping, belong to the caller (app.ts, tests).
import { Server } from '@grpc/grpc-js';
import { HealthService } from '@dailyfeed/gen/grpc/health/v1/health';
import { ImageServiceService, type ImageServiceServer } from '@dailyfeed/gen/image/v1/image';
import { bindService } from './adapters/grpc-handlers.ts';
import type { ErrorLog } from './adapters/grpc-errors.ts';
import type { Health } from './adapters/health.ts';
import type { RpcMetrics } from './adapters/metrics.ts';
import { createImageHandlers, type ImageHandlerDeps } from './handlers/image-handlers.ts';

export const SERVICE_NAME = 'dailyfeed.image.v1.ImageService';

export interface ServerDeps extends ImageHandlerDeps {
  readonly log: ErrorLog;
  readonly metrics: RpcMetrics;
  readonly health: Health;
}

export function createServer(deps: ServerDeps): Server {
  const server = new Server({
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.max_connection_age_ms': 30 * 60_000,
    // Uploads are up to 10 MiB of image bytes plus the message framing.
    'grpc.max_receive_message_length': 12 * 1024 * 1024,
  });
  server.addService(HealthService, deps.health.implementation);
  server.addService(
    ImageServiceService,
    bindService<ImageServiceServer>(ImageServiceService, createImageHandlers(deps), { log: deps.log, metrics: deps.metrics }),
  );
  return server;
}
