// Admission control for password hashing. One scrypt costs ~0.3-0.6 s of CPU and 128 MiB at the
// production cost, and libuv runs at most four at once: without a bound, a login flood queues
// every other member's login behind minutes of hashing, and keeps hashing for callers that gave
// up long ago. So:
//  - at most `concurrency` hashes run and at most `queueLimit` wait;
//  - one client (address) holds at most `perClient` of those places, so a flood from one address
//    occupies one slot and everybody else shares the rest;
//  - nobody waits longer than `maxWaitMs` nor past their own deadline;
// and a call that cannot be admitted on those terms fails at once with RESOURCE_EXHAUSTED /
// TOO_MANY_REQUEST and a retry delay (the edge answers 429 + Retry-After). A queued call whose
// deadline passes leaves the queue and is never computed.
import { DomainError } from '../domain/errors.ts';

export interface HashingGateOptions {
  readonly concurrency: number;
  readonly queueLimit: number;
  /** Running + queued hashes one client may hold; 0 = no per-client bound. */
  readonly perClient: number;
  /** Longest a call may wait for a slot, whatever its deadline. */
  readonly maxWaitMs: number;
  /** First guess of one hash's duration, before any was measured. */
  readonly initialCostMs: number;
  readonly now?: () => number;
}

export interface HashingGate {
  /**
   * Runs `work` when a slot is free. `deadline`: the caller's, epoch ms (Infinity = none);
   * `client`: who asks (the client address; "" = unknown, not bounded per client).
   */
  run<T>(work: () => Promise<T>, deadline: number, client?: string): Promise<T>;
  stats(): { readonly running: number; readonly queued: number; readonly dropped: number; readonly refused: number };
}

interface Waiter {
  readonly deadline: number;
  readonly start: () => void;
  readonly drop: () => void;
}

export function busyError(retryAfterSeconds: number): DomainError {
  return new DomainError('exhausted', 'TOO_MANY_REQUEST', 'too many sign-ins at once; retry shortly', {
    metadata: { retry_after_seconds: String(retryAfterSeconds) },
  });
}

/** The caller is gone (or waited its maximum): not computed, and retrying later is fine. */
function expiredError(): DomainError {
  return new DomainError('unavailable', 'TOO_MANY_REQUEST', 'not served in time: too many sign-ins at once; retry shortly', {
    metadata: { retry_after_seconds: '1' },
  });
}

export function createHashingGate(options: HashingGateOptions): HashingGate {
  const now = options.now ?? Date.now;
  const queue: Waiter[] = [];
  const perClient = new Map<string, number>();
  let running = 0;
  let dropped = 0;
  let refused = 0;
  // Moving average of one hash's wall time, to predict the wait of a newcomer.
  let costMs = options.initialCostMs;

  const expectedWaitMs = (position: number): number => Math.ceil(position / options.concurrency) * costMs;
  const retryAfter = (): number => Math.max(1, Math.ceil(expectedWaitMs(queue.length + 1) / 1000));

  const hold = (client: string): void => {
    if (client !== '') perClient.set(client, (perClient.get(client) ?? 0) + 1);
  };
  const release = (client: string): void => {
    const n = (perClient.get(client) ?? 0) - 1;
    if (n > 0) perClient.set(client, n);
    else perClient.delete(client);
  };

  const next = (): void => {
    while (running < options.concurrency && queue.length > 0) {
      const waiter = queue.shift();
      if (waiter === undefined) break;
      if (waiter.deadline <= now() + costMs / 2) {
        dropped++;
        waiter.drop();
        continue;
      }
      waiter.start();
    }
  };

  const execute = async <T>(work: () => Promise<T>, client: string): Promise<T> => {
    running++;
    const started = now();
    try {
      return await work();
    } finally {
      costMs = costMs * 0.8 + (now() - started) * 0.2;
      running--;
      release(client);
      next();
    }
  };

  return {
    run(work, callerDeadline, client = '') {
      const deadline = Math.min(callerDeadline, now() + options.maxWaitMs + costMs);
      if (callerDeadline <= now()) {
        dropped++;
        return Promise.reject(expiredError());
      }
      if (client !== '' && options.perClient > 0 && (perClient.get(client) ?? 0) >= options.perClient) {
        refused++;
        return Promise.reject(busyError(Math.max(1, Math.ceil(costMs / 1000))));
      }
      if (running < options.concurrency && queue.length === 0) {
        hold(client);
        return execute(work, client);
      }
      // Fail fast: a full queue, or a wait longer than allowed or than the caller will wait.
      if (queue.length >= options.queueLimit || now() + expectedWaitMs(queue.length + 1) + costMs > deadline) {
        refused++;
        return Promise.reject(busyError(retryAfter()));
      }
      hold(client);
      return new Promise((resolve, reject) => {
        // A waiter leaves the queue when its deadline passes, so abandoned calls never hold
        // queue places (nor, later, a hashing slot).
        const timer = setTimeout(() => {
          const at = queue.indexOf(waiter);
          if (at < 0) return;
          queue.splice(at, 1);
          release(client);
          dropped++;
          reject(expiredError());
        }, Math.max(0, deadline - now()));
        timer.unref();
        const waiter: Waiter = {
          deadline,
          start: () => {
            clearTimeout(timer);
            void execute(work, client).then(resolve, reject);
          },
          drop: () => {
            clearTimeout(timer);
            release(client);
            reject(expiredError());
          },
        };
        queue.push(waiter);
      });
    },
    stats: () => ({ running, queued: queue.length, dropped, refused }),
  };
}
