// Test support: promise wrappers over generated grpc-js clients, bearer metadata, and assertions
// on a failed call's code, ErrorInfo reason and metadata.
import assert from 'node:assert/strict';
import { Metadata, type CallOptions, type ServiceError } from '@grpc/grpc-js';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { reasonOf } from '../../../../test/support/grpc.ts';

export type UnaryMethod<Req, Res> = (
  req: Req,
  md: Metadata,
  options: Partial<CallOptions>,
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;

export function rpc<Req, Res>(method: UnaryMethod<Req, Res>, req: Req, md: Metadata = new Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => {
    method(req, md, { deadline: Date.now() + 15_000 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

export function errorMetadataOf(err: ServiceError): Record<string, string> {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return {};
  const detail = Status.decode(raw).details.find((d) => d.typeUrl.endsWith('/google.rpc.ErrorInfo'));
  return detail ? ErrorInfo.decode(detail.value).metadata : {};
}

/** For assert.rejects: the call failed with this gRPC code and ErrorInfo reason (and metadata). */
export function failsWith(code: number, reason: string, metadata: Record<string, string> = {}): (err: unknown) => true {
  return (err: unknown) => {
    const e = err as ServiceError;
    assert.equal(e.code, code, `expected code ${code}, got ${e.code}: ${e.details}`);
    assert.equal(reasonOf(e), reason);
    const got = errorMetadataOf(e);
    for (const [key, value] of Object.entries(metadata)) assert.equal(got[key], value, `ErrorInfo.metadata.${key}`);
    return true;
  };
}
