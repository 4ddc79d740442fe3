// Admission control for password hashing. One scrypt costs ~0.3-0.6 s of CPU and 128 MiB at the
// production cost, and libuv runs at most four at once: without a bound, a login flood queues
// every other member's login behind minutes of hashing, and keeps hashing for callers that gave
// up long ago. So: at most `concurrency` hashes run, at most `queueLimit` wait; beyond that, or
// when the expected wait would outlast the caller's deadline, the call fails at once with
// RESOURCE_EXHAUSTED (the edge answers 429 + Retry-After); a queued call whose deadline has
// passed is dropped without being computed.
import { DomainError } from '../domain/errors.ts';

export interface HashingGateOptions {
  readonly concurrency: number;
  readonly queueLimit: number;
  /** First guess of one hash's duration, before any was measured. */
  readonly initialCostMs: number;
  readonly now?: () => number;
}

export interface HashingGate {
  /** Runs `work` when a slot is free; `deadline` is the caller's (epoch ms; Infinity = none). */
  run<T>(work: () => Promise<T>, deadline: number): Promise<T>;
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

/** The caller is gone: nobody reads this answer, so the status only reaches the log. */
function expiredError(): DomainError {
  return new DomainError('unavailable', 'TOO_MANY_REQUEST', 'the request deadline passed while waiting to be served');
}

export function createHashingGate(options: HashingGateOptions): HashingGate {
  const now = options.now ?? Date.now;
  const queue: Waiter[] = [];
  let running = 0;
  let dropped = 0;
  let refused = 0;
  // Moving average of one hash's wall time, to predict the wait of a newcomer.
  let costMs = options.initialCostMs;

  const expectedWaitMs = (position: number): number => Math.ceil(position / options.concurrency) * costMs;
  const retryAfter = (): number => Math.max(1, Math.ceil(expectedWaitMs(queue.length + 1) / 1000));

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

  const execute = async <T>(work: () => Promise<T>): Promise<T> => {
    running++;
    const started = now();
    try {
      return await work();
    } finally {
      costMs = costMs * 0.8 + (now() - started) * 0.2;
      running--;
      next();
    }
  };

  return {
    run(work, deadline) {
      if (deadline <= now()) {
        dropped++;
        return Promise.reject(expiredError());
      }
      if (running < options.concurrency && queue.length === 0) return execute(work);
      // Fail fast: a full queue, or a wait the caller would not live to see the end of.
      if (queue.length >= options.queueLimit || now() + expectedWaitMs(queue.length + 1) + costMs > deadline) {
        refused++;
        return Promise.reject(busyError(retryAfter()));
      }
      return new Promise((resolve, reject) => {
        // A waiter leaves the queue when its caller's deadline passes, so abandoned calls never
        // hold queue places (nor, later, a hashing slot).
        const timer = Number.isFinite(deadline)
          ? setTimeout(() => {
              const at = queue.indexOf(waiter);
              if (at < 0) return;
              queue.splice(at, 1);
              dropped++;
              reject(expiredError());
            }, Math.max(0, deadline - now()))
          : undefined;
        timer?.unref();
        const waiter: Waiter = {
          deadline,
          start: () => {
            clearTimeout(timer);
            void execute(work).then(resolve, reject);
          },
          drop: () => {
            clearTimeout(timer);
            reject(expiredError());
          },
        };
        queue.push(waiter);
      });
    },
    stats: () => ({ running, queued: queue.length, dropped, refused }),
  };
}
