// Test support: raw gRPC calls and health checks through the generated health client.
import { Client, credentials, Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { HealthClient, type HealthCheckResponse_ServingStatus } from '@dailyfeed/gen/grpc/health/v1/health';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';

export { Code };

export function healthStatus(port: number, service = ''): Promise<HealthCheckResponse_ServingStatus> {
  const client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.check({ service }, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res.status);
    });
  });
}

/** Polls health (liveness '' by default, readiness under the service's name) until it equals `want` or the timeout passes; returns the last status seen. */
export async function waitForHealth(port: number, want: HealthCheckResponse_ServingStatus, timeoutMs = 10_000, service = ''): Promise<HealthCheckResponse_ServingStatus> {
  const deadline = Date.now() + timeoutMs;
  let last = await healthStatus(port, service);
  while (last !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    last = await healthStatus(port, service);
  }
  return last;
}

export interface RawOutcome {
  readonly code: Code;
  readonly details: string;
  readonly reason: string | undefined;
}

/** Calls a unary method with an empty request body; resolves with the outcome, success or not. */
export function callEmpty(port: number, path: string, metadata = new Metadata()): Promise<RawOutcome> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (b: Buffer) => b,
      (b: Buffer) => b,
      Buffer.alloc(0),
      metadata,
      { deadline: Date.now() + 5000 },
      (err: ServiceError | null) => {
        client.close();
        if (!err) {
          resolve({ code: Code.OK, details: '', reason: undefined });
          return;
        }
        resolve({ code: err.code, details: err.details, reason: reasonOf(err) });
      },
    );
  });
}

/** The ErrorInfo reason in a failed call's status details, if any. */
export function reasonOf(err: ServiceError): string | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return undefined;
  const info = Status.decode(raw).details.find((d) => d.typeUrl.endsWith('/google.rpc.ErrorInfo'));
  return info ? ErrorInfo.decode(info.value).reason : undefined;
}

/**
 * The services a server lists through gRPC reflection (what `grpcurl list` / `buf curl
 * --list-services` ask): ServerReflectionRequest{list_services: ""} on the v1 bidi stream, and the
 * names read from ServerReflectionResponse.list_services_response (field 6) -> service (1) -> name (1).
 */
export function reflectionServices(port: number): Promise<string[]> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  const call = client.makeBidiStreamRequest('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', (b: Buffer) => b, (b: Buffer) => b, new Metadata(), {
    deadline: Date.now() + 5000,
  });
  return new Promise((resolve, reject) => {
    call.on('data', (response: Buffer) => {
      call.end();
      client.close();
      resolve(listedNames(response));
    });
    call.on('error', (err: Error) => {
      client.close();
      reject(err);
    });
    call.write(Buffer.from([(7 << 3) | 2, 0]));
  });
}

function listedNames(response: Buffer): string[] {
  const names: string[] = [];
  const fields = (bytes: Uint8Array, on: (field: number, reader: BinaryReader) => void): void => {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (wireType === WireType.LengthDelimited) on(field, reader);
      else reader.skip(wireType);
    }
  };
  fields(response, (field, r) => {
    const bytes = r.bytes();
    if (field === 6) fields(bytes, (f, s) => (f === 1 ? fields(s.bytes(), (n, m) => (n === 1 ? names.push(m.string()) : m.bytes())) : s.bytes()));
  });
  return names;
}
