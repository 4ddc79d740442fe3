// createServer(deps) -> an unstarted gRPC server with grpc.health.v1 and the whole SearchService
// contract registered. Listening, and stopping, belong to the caller (app.ts, tests).
import { Server } from '@grpc/grpc-js';
import { HealthService } from '@dailyfeed/gen/grpc/health/v1/health';
import { SearchServiceService, type SearchServiceServer } from '@dailyfeed/gen/search/v1/search';
import { bindService } from './adapters/grpc-handlers.ts';
import type { ErrorLog } from './adapters/grpc-errors.ts';
import type { Health } from './adapters/health.ts';
import type { RpcMetrics } from './adapters/metrics.ts';
import { createSearchHandlers, type SearchHandlerDeps } from './handlers/search-handlers.ts';

export const SERVICE_NAME = 'dailyfeed.search.v1.SearchService';

export interface ServerDeps {
  readonly log: ErrorLog;
  readonly metrics: RpcMetrics;
  readonly health: Health;
  readonly search: SearchHandlerDeps;
}

export function createServer(deps: ServerDeps): Server {
  const server = new Server({
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.max_connection_age_ms': 30 * 60_000,
  });
  server.addService(HealthService, deps.health.implementation);
  server.addService(
    SearchServiceService,
    bindService<SearchServiceServer>(SearchServiceService, createSearchHandlers(deps.search), { log: deps.log, metrics: deps.metrics }),
  );
  return server;
}
