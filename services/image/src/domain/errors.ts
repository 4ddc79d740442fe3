// The closed set of failures the image domain reports. Each carries a reason from the
// contract's catalogue (dailyfeed.common.v1.Reason, without its prefix); adapters/grpc-errors.ts
// is the one place that turns them into gRPC statuses.

export type FailureKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'precondition'
  | 'exhausted'
  | 'unavailable'
  | 'unimplemented'
  // A failure of our own storage that the contract names (IMAGE_PROCESSING_FAIL, ...): INTERNAL,
  // but with its reason, so callers can tell a failed write from a failed read.
  | 'internal';

export interface FieldViolation {
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

export class DomainError extends Error {
  readonly kind: FailureKind;
  readonly reason: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly violations: readonly FieldViolation[];

  constructor(
    kind: FailureKind,
    reason: string,
    message: string,
    options: { metadata?: Record<string, string>; violations?: readonly FieldViolation[]; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DomainError';
    this.kind = kind;
    this.reason = reason;
    this.metadata = options.metadata ?? {};
    this.violations = options.violations ?? [];
  }
}

/** A request that breaks one or more field rules; the message names every field and rule. */
export function validationError(violations: readonly FieldViolation[]): DomainError {
  const first = violations[0];
  return new DomainError('invalid', 'VALIDATION_FAILED', violations.map((v) => `${v.field}: ${v.message}`).join(', '), {
    violations,
    metadata: first ? { field: first.field, rule: first.rule } : {},
  });
}
