// A fixed-size pool of worker threads that decode BMPs and render their PNGs: the decoder is
// plain JavaScript that touches every pixel (a 50-megapixel file takes over a second), and
// libvips blocks the loop that hands it raw pixels, so on the event loop either would stall
// health checks and every other call. The decode gate already bounds how many decodes run
// at once; the pool holds at most `size` workers, started on first use and then reused.
// A decode whose signal aborts (deadline passed, caller gone) terminates its worker, so the
// CPU and memory go to work someone still waits for; a fresh worker replaces it when needed.
import { Worker } from 'node:worker_threads';
import { imageFailures } from '../domain/image-failures.ts';
import type { DecodeReply, DecodeRequest } from './bmp-worker.ts';
import type { ImageBounds, ProcessedImage } from './png-renditions.ts';

export interface BmpPool {
  /** Takes `bytes` over: when they fill their own buffer it is moved to a worker, leaving them empty. */
  render(bytes: Uint8Array, maxPixels: number, signal: AbortSignal): Promise<ProcessedImage>;
  close(): Promise<void>;
}

const WORKER_URL = new URL('./bmp-worker.ts', import.meta.url);

export function createBmpPool(size: number, bounds: ImageBounds): BmpPool {
  const idle: Worker[] = [];
  const waiting: ((worker: Worker) => void)[] = [];
  const all = new Set<Worker>();

  const acquire = (): Promise<Worker> => {
    const worker = idle.pop();
    if (worker) return Promise.resolve(worker);
    if (all.size < size) {
      const fresh = new Worker(WORKER_URL, { workerData: bounds });
      fresh.unref(); // an idle worker must not keep the process alive
      all.add(fresh);
      return Promise.resolve(fresh);
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  const giveBack = (worker: Worker): void => {
    const next = waiting.shift();
    if (next) next(worker);
    else idle.push(worker);
  };
  const discard = (worker: Worker): void => {
    all.delete(worker);
    void worker.terminate();
    // A waiter gets a fresh worker in place of the discarded one.
    const next = waiting.shift();
    if (next) void acquire().then(next);
  };

  return {
    async render(bytes, maxPixels, signal) {
      if (signal.aborted) throw imageFailures.decodeDeadline();
      const worker = await acquire();
      return new Promise<ProcessedImage>((resolve, reject) => {
        const settle = (): void => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          signal.removeEventListener('abort', onAbort);
        };
        const onMessage = (reply: DecodeReply): void => {
          settle();
          giveBack(worker);
          if (reply.ok) resolve({ image: reply.image, thumbnail: reply.thumbnail });
          else reject(failureOf(reply.reason, reply.message, maxPixels));
        };
        const onError = (err: Error): void => {
          settle();
          discard(worker);
          reject(imageFailures.processing(err));
        };
        const onAbort = (): void => {
          settle();
          discard(worker);
          reject(imageFailures.decodeDeadline());
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        signal.addEventListener('abort', onAbort, { once: true });
        // An upload's own buffer is handed over without a copy (a bomb is megabytes, copied on the
        // event loop); one that shares a pooled buffer (small uploads) is copied. The PNGs come
        // back transferred.
        worker.postMessage({ bytes, maxPixels } satisfies DecodeRequest, ownsItsBuffer(bytes) ? [bytes.buffer] : []);
      });
    },
    async close() {
      await Promise.all([...all].map((w) => w.terminate()));
      all.clear();
      idle.length = 0;
    },
  };
}

/** True when `bytes` is the whole of a plain (transferable) ArrayBuffer, not a slice of a pool. */
function ownsItsBuffer(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
}

function failureOf(reason: string, message: string, maxPixels: number): Error {
  const cause = new Error(message);
  if (reason === 'IMAGE_TOO_LARGE') return imageFailures.tooManyPixels(maxPixels);
  if (reason === 'CORRUPTED_IMAGE') return imageFailures.corrupted(cause);
  if (reason === 'THUMBNAIL_PROCESS_FAIL') return imageFailures.thumbnail(cause);
  return imageFailures.processing(cause);
}
