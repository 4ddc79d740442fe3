// One unary call to another dailyfeed service: the caller's authorization and x-request-id are
// forwarded, a deadline applies, and the callee's own failures keep their code and ErrorInfo
// reason (UNAUTHENTICATED keeps its auth signal); a callee that cannot be reached becomes
// UNAVAILABLE with the reason given by the caller (MEMBER_API_CONNECTION_ERROR for member-svc).
import { Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { DomainError, type FailureKind } from '../domain/errors.ts';
import type { CallPolicy } from './call-policy.ts';

const FORWARDED = ['authorization', 'x-request-id'];

const passThrough: Partial<Record<Code, FailureKind>> = {
  [Code.UNAUTHENTICATED]: 'unauthenticated',
  [Code.INVALID_ARGUMENT]: 'invalid',
  [Code.NOT_FOUND]: 'not-found',
  [Code.PERMISSION_DENIED]: 'forbidden',
  [Code.RESOURCE_EXHAUSTED]: 'exhausted',
};

export type Callback<Res> = (err: ServiceError | null, res: Res) => void;
export type Invoke<Res> = (md: Metadata, opts: { deadline: number }, cb: Callback<Res>) => unknown;

export interface Downstream {
  call<Res>(incoming: Metadata, invoke: Invoke<Res>): Promise<Res>;
}

export function forwardedMetadata(incoming: Metadata): Metadata {
  const outgoing = new Metadata();
  for (const key of FORWARDED) {
    const value = incoming.get(key)[0];
    if (typeof value === 'string') outgoing.set(key, value);
  }
  return outgoing;
}

export function downstream(name: string, unreachableReason: string, timeoutMs: number, policy: CallPolicy): Downstream {
  return {
    call: (incoming, invoke) =>
      policy(
        () =>
          new Promise((resolve, reject) => {
            invoke(forwardedMetadata(incoming), { deadline: Date.now() + timeoutMs }, (err, res) => {
              if (err) reject(fromServiceError(err, name, unreachableReason));
              else resolve(res);
            });
          }),
      ),
  };
}

function fromServiceError(err: ServiceError, name: string, unreachableReason: string): DomainError {
  const kind = passThrough[err.code];
  const info = errorInfoOf(err);
  if (kind && info) return new DomainError(kind, info.reason, err.details, { metadata: { ...info.metadata }, cause: err });
  return new DomainError('unavailable', unreachableReason, `${name} is unavailable`, { cause: err });
}

function errorInfoOf(err: ServiceError): ErrorInfo | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return undefined;
  try {
    const detail = Status.decode(raw).details.find((d) => d.typeUrl.endsWith('/google.rpc.ErrorInfo'));
    return detail ? ErrorInfo.decode(detail.value) : undefined;
  } catch {
    return undefined;
  }
}
