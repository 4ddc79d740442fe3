// Test support: raw gRPC calls and health checks through the generated health client.
import { Client, credentials, Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
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

/** Polls health until it equals `want` or the timeout passes; returns the last status seen. */
export async function waitForHealth(port: number, want: HealthCheckResponse_ServingStatus, timeoutMs = 10_000): Promise<HealthCheckResponse_ServingStatus> {
  const deadline = Date.now() + timeoutMs;
  let last = await healthStatus(port);
  while (last !== want && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    last = await healthStatus(port);
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
