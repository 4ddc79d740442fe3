// One grpc-js channel per backend (MEMBER_ADDR, ...), each with the client service config the
// mesh engineer generates (mesh/generated/grpc/<backend>.json: retries, outlier detection,
// timeouts) when that file exists; defaults otherwise, and the circuit breaker and client rate
// limit of its resilience profile (backend-breakers.ts). Messages are already encoded bytes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, credentials, Metadata, status as GrpcStatus, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import type { FastifyBaseLogger } from 'fastify';
import { Registry } from 'prom-client';
import type { RpcCall, RpcInvoker, RpcOutcome } from '../domain/rpc-invoker.ts';
import { backendGuard, breakerMetrics, type BackendGuard } from './backend-breakers.ts';

export interface BackendOptions {
  /** backend key -> host:port */
  readonly addresses: Readonly<Record<string, string>>;
  /** Folder of <backend>.json grpc-js service configs; undefined or missing files = defaults. */
  readonly serviceConfigDir: string | undefined;
  /** Under Istio the sidecars retry: use <backend>.under-mesh.json so calls are not retried twice. */
  readonly underMesh?: boolean;
  /** Folder of <backend>.json resilience profiles (breaker, client rate limit); undefined or a missing file = neither. Kept under the mesh. */
  readonly resilienceDir?: string | undefined;
  /** Where the breaker state and rejection metrics go. */
  readonly registry?: Registry;
  readonly log: FastifyBaseLogger;
}

const passThrough = (b: Buffer): Buffer => b;
const asBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

export function createGrpcBackends(options: BackendOptions): RpcInvoker {
  const clients = new Map<string, Client>();
  const guards = new Map<string, BackendGuard>();
  const metrics = breakerMetrics(options.registry ?? new Registry());
  for (const [backend, address] of Object.entries(options.addresses)) {
    guards.set(backend, backendGuard(options.resilienceDir, backend, metrics));
    const config = readServiceConfig(options.serviceConfigDir, options.underMesh === true ? `${backend}.under-mesh` : backend, options.log);
    // 'grpc-node.caller_stack_traces' 0: no Error (a V8 stack capture, ~5 % of the edge's CPU) per call
    // to remember its caller (patches/@grpc+grpc-js+1.14.7.patch).
    const channelOptions: Record<string, string | number> = { 'grpc.keepalive_time_ms': 30_000, 'grpc-node.caller_stack_traces': 0 };
    if (config !== undefined) channelOptions['grpc.service_config'] = config;
    clients.set(backend, newClient(address, channelOptions, options.log));
  }

  return {
    unary(call: RpcCall): Promise<RpcOutcome> {
      const client = clients.get(call.backend);
      const guard = guards.get(call.backend);
      if (client === undefined || guard === undefined) {
        return Promise.resolve({ ok: false, failure: { code: GrpcStatus.UNIMPLEMENTED, details: `no backend ${call.backend}`, statusDetails: undefined }, headers: {} });
      }
      return guard(() => send(client, call));
    },
    close(): void {
      for (const client of clients.values()) client.close();
    },
  };
}

/** One call, always resolved: its answer or its failure, with the headers and trailers. */
function send(client: Client, call: RpcCall): Promise<RpcOutcome> {
  const metadata = new Metadata();
  for (const key in call.metadata) metadata.set(key, call.metadata[key] as string);
  return new Promise((resolve) => {
    let response: Buffer | undefined;
    let error: ServiceError | undefined;
    let initial: Metadata | undefined;
    const grpcCall = client.makeUnaryRequest(call.grpcPath, asBuffer, passThrough, call.request, metadata, { deadline: Date.now() + call.deadlineMs }, (err, value) => {
      if (err) error = err;
      else response = value;
    });
    grpcCall.on('metadata', (m: Metadata) => {
      initial = m;
    });
    // 'status' comes after the callback, with the trailers: resolve there so trailers such as
    // x-token-refresh-needed are seen on success too. Headers are copied once, here.
    grpcCall.on('status', (status: StatusObject) => {
      const headers: Record<string, string> = {};
      if (initial !== undefined) copyText(initial, headers);
      copyText(status.metadata, headers);
      if (error === undefined && response !== undefined) {
        resolve({ ok: true, response, headers });
        return;
      }
      const raw = status.metadata.get('grpc-status-details-bin')[0];
      resolve({
        ok: false,
        failure: { code: error?.code ?? status.code, details: error?.details ?? status.details, statusDetails: raw instanceof Buffer ? raw : undefined },
        headers,
      });
    });
  });
}

/** grpc-js validates the service config when the channel is made: a bad one falls back to defaults. */
function newClient(address: string, channelOptions: Record<string, string | number>, log: FastifyBaseLogger): Client {
  try {
    return new Client(address, credentials.createInsecure(), channelOptions);
  } catch (err: unknown) {
    log.warn({ err, address }, 'grpc service config rejected, using defaults');
    const defaults = Object.fromEntries(Object.entries(channelOptions).filter(([key]) => key !== 'grpc.service_config'));
    return new Client(address, credentials.createInsecure(), defaults);
  }
}

function copyText(metadata: Metadata, into: Record<string, string>): void {
  const map = metadata.getMap();
  // grpc-js keeps metadata keys lower-case already.
  for (const key in map) {
    const value = map[key];
    if (typeof value === 'string') into[key] = value;
  }
}

/** The mesh-generated service config as a JSON string, or undefined (defaults) when absent. */
function readServiceConfig(dir: string | undefined, backend: string, log: FastifyBaseLogger): string | undefined {
  if (dir === undefined) return undefined;
  const file = join(dir, `${backend}.json`);
  if (!existsSync(file)) return undefined;
  try {
    const text = readFileSync(file, 'utf8');
    JSON.parse(text);
    return text;
  } catch (err: unknown) {
    log.warn({ err, file }, 'unreadable grpc service config, using defaults');
    return undefined;
  }
}
