// The one place where failures become gRPC statuses. Domain errors keep their reason (sent as
// google.rpc.ErrorInfo in the `grpc-status-details-bin` trailer, plus google.rpc.BadRequest for
// validation); a database that cannot answer now is UNAVAILABLE / DATABASE_UNAVAILABLE (retryable,
// the edge answers 503 with Retry-After); anything else is INTERNAL with a generic message, and
// its cause goes to the log.
import { Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { BadRequest, ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { DomainError, type FailureKind } from '../domain/errors.ts';
import { isDatabaseUnavailable } from './pg-unavailable.ts';

const ERROR_DOMAIN = 'dailyfeed.click';
/** What a caller should wait before retrying when the database is down (a restart or failover). */
const DATABASE_RETRY_AFTER_SECONDS = '1';

const codeByKind: Record<FailureKind, Code> = {
  invalid: Code.INVALID_ARGUMENT,
  unauthenticated: Code.UNAUTHENTICATED,
  forbidden: Code.PERMISSION_DENIED,
  'not-found': Code.NOT_FOUND,
  conflict: Code.ALREADY_EXISTS,
  precondition: Code.FAILED_PRECONDITION,
  exhausted: Code.RESOURCE_EXHAUSTED,
  unavailable: Code.UNAVAILABLE,
  unimplemented: Code.UNIMPLEMENTED,
};

export type StatusError = Partial<ServiceError> & { code: Code; details: string; metadata: Metadata };

export interface ErrorLog {
  error(obj: object, msg: string): void;
}

export function toStatus(err: unknown, method: string, log: ErrorLog): StatusError {
  if (err instanceof DomainError) return fromDomainError(err);
  if (isDatabaseUnavailable(err)) return databaseUnavailable(err, method, log);
  log.error({ err, method }, 'unexpected failure');
  return withDetails(Code.INTERNAL, 'internal error', 'INTERNAL_ERROR', {}, []);
}

/** One answer for every service: the same code, reason and message, whatever the driver said. */
function databaseUnavailable(err: unknown, method: string, log: ErrorLog): StatusError {
  log.error({ err, method }, 'database unavailable');
  return withDetails(Code.UNAVAILABLE, 'the database is unavailable; retry later', 'DATABASE_UNAVAILABLE', { retry_after_seconds: DATABASE_RETRY_AFTER_SECONDS }, []);
}

function fromDomainError(err: DomainError): StatusError {
  return withDetails(codeByKind[err.kind], err.message, err.reason, err.metadata, err.violations);
}

function withDetails(
  code: Code,
  message: string,
  reason: string,
  metadata: Readonly<Record<string, string>>,
  violations: DomainError['violations'],
): StatusError {
  const details = [
    {
      typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo',
      value: Buffer.from(ErrorInfo.encode({ reason, domain: ERROR_DOMAIN, metadata: { ...metadata } }).finish()),
    },
  ];
  if (violations.length > 0) {
    details.push({
      typeUrl: 'type.googleapis.com/google.rpc.BadRequest',
      value: Buffer.from(BadRequest.encode({
        fieldViolations: violations.map((v) => ({ field: v.field, description: v.message, reason: v.rule })),
      }).finish()),
    });
  }
  const trailer = new Metadata();
  trailer.set('grpc-status-details-bin', Buffer.from(Status.encode({ code, message, details }).finish()));
  // The edge turns this trailer into Retry-After on 429 and 503.
  const retryAfter = metadata['retry_after_seconds'];
  if (retryAfter !== undefined) trailer.set('retry-after', retryAfter);
  return { code, details: message, metadata: trailer };
}
