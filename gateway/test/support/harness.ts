// Test harness: the real protos, the real route table, and a gateway on port 0 in front of
// either recorded fake backends (routing and transcoding tests) or real services.
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Root } from 'protobufjs';
import { createGrpcBackends } from '../../src/adapters/grpc-backends.ts';
import { loadProtoRoot } from '../../src/adapters/proto-loader.ts';
import { buildOpenApi } from '../../src/domain/openapi.ts';
import { buildRouteTable, type RouteSpec } from '../../src/domain/route-table.ts';
import { createFailureMapper } from '../../src/domain/rpc-failure.ts';
import type { RpcCall, RpcInvoker, RpcOutcome } from '../../src/domain/rpc-invoker.ts';
import { createServer, type EdgeOptions } from '../../src/server.ts';

export const PROTO_DIR = fileURLToPath(new URL('../../../proto', import.meta.url));

let rootPromise: Promise<Root> | undefined;
export function protoRoot(): Promise<Root> {
  rootPromise ??= loadProtoRoot(PROTO_DIR);
  return rootPromise;
}

export interface RecordingInvoker extends RpcInvoker {
  readonly calls: RpcCall[];
  /** Next answers by gRPC path; default: an empty (all-defaults) response. */
  readonly answers: Map<string, (call: RpcCall) => RpcOutcome>;
}

export function recordingInvoker(): RecordingInvoker {
  const calls: RpcCall[] = [];
  const answers = new Map<string, (call: RpcCall) => RpcOutcome>();
  return {
    calls,
    answers,
    async unary(call) {
      calls.push(call);
      const answer = answers.get(call.grpcPath);
      return answer ? answer(call) : { ok: true, response: new Uint8Array(), headers: {} };
    },
    close() {},
  };
}

export interface RunningGateway {
  readonly base: string;
  readonly app: FastifyInstance;
  readonly routes: readonly RouteSpec[];
  readonly root: Root;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** A fake backend; otherwise real gRPC clients to `addresses`. */
  readonly invoker?: RpcInvoker;
  readonly addresses?: Record<string, string>;
  /** Rate limits with a fresh Redis key prefix; omitted = no limits. */
  readonly rateLimit?: { readonly perIp: number; readonly perMember: number; readonly windowMs?: number };
  readonly edge?: Partial<EdgeOptions>;
}

export async function startGateway(options: GatewayOptions = {}): Promise<RunningGateway> {
  const root = await protoRoot();
  const routes = buildRouteTable(root);
  const log = pino({ level: process.env.GATEWAY_TEST_LOG ?? 'silent' });
  const invoker = options.invoker ?? createGrpcBackends({ addresses: options.addresses ?? {}, serviceConfigDir: undefined, log });
  const redis = options.rateLimit ? new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 }) : undefined;
  const app = createServer({
    log,
    api: { routes, invoker, mapFailure: createFailureMapper(root), openApi: buildOpenApi(root, routes, { title: 'test', version: '0', serverUrl: 'http://localhost:8080' }) },
    ...(redis && options.rateLimit
      ? { rateLimit: { redis, keyPrefix: `test:gateway:${process.pid}:${Date.now()}:${Math.random()}:`, windowMs: options.rateLimit.windowMs ?? 60_000, perIp: options.rateLimit.perIp, perMember: options.rateLimit.perMember } }
      : {}),
    edge: { cookieSecure: false, frontendOrigins: ['http://localhost:3000'], ...options.edge },
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    base,
    app,
    routes,
    root,
    async close() {
      await app.close();
      invoker.close();
      redis?.disconnect();
    },
  };
}
