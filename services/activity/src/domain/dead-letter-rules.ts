// What happens to a listener dead letter after a failed attempt: another try later with
// backoff, or PARKED once the attempt budget is spent (only an operator replay revives it).
import { backoffMs } from './backoff.ts';

export type DeadLetterState = 'PENDING' | 'COMPLETED' | 'PARKED';

export interface ReplayPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface AfterFailure {
  readonly state: Exclude<DeadLetterState, 'COMPLETED'>;
  readonly attempts: number;
  readonly nextAttemptAt: Date;
}

/** attempts = attempts made so far, including the one that just failed. */
export function afterFailure(attempts: number, policy: ReplayPolicy, now: Date, random?: () => number): AfterFailure {
  if (attempts >= policy.maxAttempts) return { state: 'PARKED', attempts, nextAttemptAt: now };
  return { state: 'PENDING', attempts, nextAttemptAt: new Date(now.getTime() + backoffMs(attempts, policy.baseDelayMs, policy.maxDelayMs, random)) };
}

/** A poison message gets nothing from retries: it is parked at once, for an operator to look at. */
export function afterPoison(attempts: number, now: Date): AfterFailure {
  return { state: 'PARKED', attempts, nextAttemptAt: now };
}
