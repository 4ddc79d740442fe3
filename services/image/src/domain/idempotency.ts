// Retried uploads (image.proto: "a repeated idempotency-key returns the first call's image id").
// A key is remembered per caller (member id, or one shared anonymous scope) together with the
// RPC and a hash of the request, so the same key with other bytes is refused rather than
// answered with an unrelated image.
import { DomainError, validationError } from './errors.ts';

export const IDEMPOTENCY_KEY_MAX = 200;
export const ANONYMOUS_SCOPE = 'anonymous';

export interface UploadAttempt {
  readonly scope: string;
  readonly key: string;
  readonly method: string;
  readonly requestHash: string;
}

export interface EarlierUpload {
  readonly method: string;
  readonly requestHash: string;
  readonly imageId: string;
}

/** The key sent with a call, if any; VALIDATION_FAILED when it is too long to store. */
export function idempotencyKeyOrThrow(value: string | undefined): string | undefined {
  if (value === undefined || value.length === 0) return undefined;
  if (value.length > IDEMPOTENCY_KEY_MAX) {
    throw validationError([{ field: 'idempotency-key', rule: 'max_length', message: `must be at most ${IDEMPOTENCY_KEY_MAX} characters` }]);
  }
  return value;
}

/** The image id to answer a retry with, or IDEMPOTENCY_KEY_REUSED for a different request. */
export function replayOrThrow(earlier: EarlierUpload, attempt: UploadAttempt): string {
  if (earlier.method !== attempt.method || earlier.requestHash !== attempt.requestHash) {
    throw new DomainError('invalid', 'IDEMPOTENCY_KEY_REUSED', 'this idempotency-key was already used for a different upload', {
      metadata: { field: 'idempotency-key', first_method: earlier.method },
    });
  }
  return earlier.imageId;
}
