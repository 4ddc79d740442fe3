// Admission control for decoding, whatever the format: at most `concurrency` uploads decode at
// once and at most `queue` wait for a turn. Beyond that an upload fails at once with
// RESOURCE_EXHAUSTED (TOO_MANY_REQUEST, retry after 1 s; the edge answers 429 + Retry-After)
// instead of queueing without bound: a flood of large images cannot pile up memory or make
// every caller wait. A waiter whose deadline passes, or whose caller leaves, is dropped from the
// queue without ever decoding.
import { imageFailures } from '../domain/image-failures.ts';

export interface DecodeGateLimits {
  readonly concurrency: number;
  readonly queue: number;
}

export interface DecodeGate {
  /** Runs `work` when a slot is free; throws TOO_MANY_REQUEST when the queue is full or `signal` aborts first. */
  run<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T>;
}

interface Waiter {
  readonly admit: () => void;
}

export function createDecodeGate({ concurrency, queue }: DecodeGateLimits): DecodeGate {
  let running = 0;
  const waiting: Waiter[] = [];

  const release = (): void => {
    const next = waiting.shift();
    if (next) next.admit();
    else running -= 1;
  };

  const admitted = (signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return Promise.reject(imageFailures.decodeDeadline());
    if (running < concurrency) {
      running += 1;
      return Promise.resolve();
    }
    if (waiting.length >= queue) return Promise.reject(imageFailures.decodersBusy());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        admit: () => {
          signal.removeEventListener('abort', leave);
          resolve(); // the slot passes from the releaser to this waiter: `running` is unchanged
        },
      };
      function leave(): void {
        const at = waiting.indexOf(waiter);
        if (at >= 0) waiting.splice(at, 1);
        reject(imageFailures.decodeDeadline());
      }
      signal.addEventListener('abort', leave, { once: true });
      waiting.push(waiter);
    });
  };

  return {
    async run(signal, work) {
      await admitted(signal);
      try {
        if (signal.aborted) throw imageFailures.decodeDeadline();
        return await work();
      } finally {
        release();
      }
    },
  };
}
