// createServer(deps) -> an unstarted gRPC server with grpc.health.v1, reflection and the whole ImageService
// contract registered. Listening, and stopping, belong to the caller (app.ts, tests).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { FileDescriptorProto, FileDescriptorSet } from '@dailyfeed/gen/google/protobuf/descriptor';
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
  deps.health.addToServer(server);
  // Reflection (grpcurl / buf curl --list-services) over the descriptor set gen/ builds from proto/.
  const files = FileDescriptorSet.decode(readFileSync(fileURLToPath(import.meta.resolve('@dailyfeed/gen/descriptors.binpb')))).file;
  const fileDescriptorProtos = files.map((f) => Buffer.from(FileDescriptorProto.encode(f).finish()));
  new ReflectionService({ dailyfeed: { format: 'Protocol Buffer 3 DescriptorProto', type: {}, fileDescriptorProtos } }, { services: [SERVICE_NAME, 'grpc.health.v1.Health'] }).addToServer(server);
  server.addService(
    ImageServiceService,
    bindService<ImageServiceServer>(ImageServiceService, createImageHandlers(deps), { log: deps.log, metrics: deps.metrics }),
  );
  return server;
}
