// What happens to an outbox row after a failed publish: exponential backoff from `baseMs`,
// doubling per attempt up to `capMs`, and PARKED once `maxAttempts` attempts have failed (only
// an operator replay brings it back).

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly capMs: number;
}

export type AfterFailure = { readonly state: 'PENDING'; readonly delayMs: number } | { readonly state: 'PARKED' };

/** `attempts` counts the failed attempts including the one that just failed (1 after the first). */
export function afterFailure(attempts: number, policy: RetryPolicy): AfterFailure {
  if (attempts >= policy.maxAttempts) return { state: 'PARKED' };
  return { state: 'PENDING', delayMs: backoffMs(attempts, policy) };
}

export function backoffMs(attempts: number, policy: Pick<RetryPolicy, 'baseMs' | 'capMs'>): number {
  const exponent = Math.min(Math.max(attempts - 1, 0), 30);
  return Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
}
