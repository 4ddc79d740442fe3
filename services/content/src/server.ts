// createServer(deps) -> an unstarted gRPC server with grpc.health.v1, reflection and the whole ContentService
// contract registered. Listening, and stopping, belong to the caller (app.ts, tests).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { FileDescriptorProto, FileDescriptorSet } from '@dailyfeed/gen/google/protobuf/descriptor';
import { ContentServiceService, type ContentServiceServer } from '@dailyfeed/gen/content/v1/content';
import { bindService } from './adapters/grpc-handlers.ts';
import type { ErrorLog } from './adapters/grpc-errors.ts';
import type { Health } from './adapters/health.ts';
import type { RpcMetrics } from './adapters/metrics.ts';
import { createContentHandlers, type HandlerDeps } from './handlers/content-handlers.ts';

export const SERVICE_NAME = 'dailyfeed.content.v1.ContentService';

export interface ServerDeps {
  readonly log: ErrorLog;
  readonly metrics: RpcMetrics;
  readonly health: Health;
  readonly handlers: HandlerDeps;
}

export function createServer(deps: ServerDeps): Server {
  const server = new Server({
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.max_connection_age_ms': 30 * 60_000,
  });
  deps.health.addToServer(server);
  // Reflection (grpcurl / buf curl --list-services) over the descriptor set gen/ builds from proto/.
  const files = FileDescriptorSet.decode(readFileSync(fileURLToPath(import.meta.resolve('@dailyfeed/gen/descriptors.binpb')))).file;
  const fileDescriptorProtos = files.map((f) => Buffer.from(FileDescriptorProto.encode(f).finish()));
  new ReflectionService({ dailyfeed: { format: 'Protocol Buffer 3 DescriptorProto', type: {}, fileDescriptorProtos } }, { services: [SERVICE_NAME, 'grpc.health.v1.Health'] }).addToServer(server);
  server.addService(
    ContentServiceService,
    bindService<ContentServiceServer>(ContentServiceService, createContentHandlers(deps.handlers), { log: deps.log, metrics: deps.metrics }),
  );
  return server;
}
