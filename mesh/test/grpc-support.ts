// Test support: tiny grpc-js servers on loopback whose answers a test scripts, and a raw client
// call. Methods are registered under a real proto service name, because the generated service
// config applies to calls by service name; the payload is raw bytes (no codec needed).
import { readFileSync } from 'node:fs';
import { Client, credentials, Metadata, Server, ServerCredentials, status, type ChannelOptions, type ServiceError, type UntypedServiceImplementation } from '@grpc/grpc-js';

export interface ScriptedServer {
  readonly port: number;
  /** Calls received since the last reset. */
  calls: number;
  /** The deadline the last call carried, in ms from when it arrived (undefined: none). */
  lastDeadlineMs: number | undefined;
  reset(): void;
  stop(): Promise<void>;
}

const raw = (b: Buffer): Buffer => b;

/** Starts a server answering `/<protoService>/Probe`; `fail(n)` says whether the n-th call (1-based) fails, with `failWith`. */
export async function startScriptedServer(protoService: string, fail: (n: number) => boolean, failWith: status = status.UNAVAILABLE): Promise<ScriptedServer> {
  const server = new Server();
  const state = {
    port: 0,
    calls: 0,
    lastDeadlineMs: undefined as number | undefined,
    reset() {
      state.calls = 0;
    },
    stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
  let total = 0;
  const definition = {
    Probe: { path: `/${protoService}/Probe`, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw },
  };
  const implementation: UntypedServiceImplementation = {
    Probe(call: { getDeadline(): Date | number }, callback: (err: Partial<ServiceError> | null, value?: Buffer) => void) {
      state.calls += 1;
      total += 1;
      const deadline = call.getDeadline();
      const at = deadline instanceof Date ? deadline.getTime() : deadline;
      state.lastDeadlineMs = Number.isFinite(at) ? at - Date.now() : undefined;
      if (fail(total)) callback({ code: failWith, details: `scripted failure ${total}` });
      else callback(null, Buffer.from('ok'));
    },
  };
  server.addService(definition, implementation);
  state.port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port)));
  });
  return state;
}

export interface Outcome {
  readonly code: status;
}

/** One unary call; resolves with its final status, success or not. */
export function callProbe(client: Client, protoService: string, deadlineMs = 5_000): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(`/${protoService}/Probe`, raw, raw, Buffer.alloc(0), new Metadata(), { deadline: Date.now() + deadlineMs }, (err: ServiceError | null) =>
      resolve({ code: err ? err.code : status.OK }),
    );
  });
}

export function clientFor(target: string, options: ChannelOptions): Client {
  return new Client(target, credentials.createInsecure(), options);
}

/** The JSON text of generated/grpc/<target>[.under-mesh].json, the file a service reads from its
 * <TARGET>_GRPC_CONFIG_FILE path. */
export function loadGrpcServiceConfig(target: string, underMesh: boolean): string {
  return readFileSync(new URL(`../generated/grpc/${target}${underMesh ? '.under-mesh' : ''}.json`, import.meta.url), 'utf8');
}
