// Worker-thread entry of the BMP pool (bmp-pool.ts): decodes one BMP per message and renders its
// two PNGs here too, off image-svc's event loop (libvips blocks the loop of the thread that
// hands it raw pixels). Only the small PNGs go back, transferred without a copy. A domain
// failure crosses the thread boundary as its reason; the pool turns it back into the error.
import { parentPort, workerData } from 'node:worker_threads';
import sharp from 'sharp';
import { decodeBmpOrThrow } from '../domain/bmp-decoder.ts';
import { DomainError } from '../domain/errors.ts';
import { renderPngsOrThrow, type ImageBounds, type ProcessedImage } from './png-renditions.ts';
import { lowerLibvipsThreads, lowerOwnPriority } from './thread-priority.ts';

export interface DecodeRequest {
  readonly bytes: Uint8Array;
  readonly maxPixels: number;
}

export type DecodeReply =
  | ({ readonly ok: true } & ProcessedImage)
  | { readonly ok: false; readonly reason: string; readonly message: string };

const port = parentPort;
if (!port) throw new Error('bmp-worker.ts runs only as a worker thread');
const bounds = workerData as ImageBounds;
// Decoding yields the cores to image-svc's event loop (thread-priority.ts): this thread, and
// while a render runs, the libvips threads doing its resizing and PNG encoding.
lowerOwnPriority();
/** How often a render looks for libvips threads started since its last look (they start at nice 0). */
const LOWER_EVERY_MS = 10;

port.on('message', ({ bytes, maxPixels }: DecodeRequest) => {
  void render(bytes, maxPixels).then((reply) => {
    port.postMessage(reply, reply.ok ? [reply.image.data.buffer as ArrayBuffer, reply.thumbnail.data.buffer as ArrayBuffer] : []);
  });
});

async function render(bytes: Uint8Array, maxPixels: number): Promise<DecodeReply> {
  try {
    const raw = decodeBmpOrThrow(bytes, maxPixels);
    lowerLibvipsThreads();
    const lowering = setInterval(lowerLibvipsThreads, LOWER_EVERY_MS);
    const pngs = await renderPngsOrThrow(sharp(raw.pixels, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }), bounds, maxPixels).finally(() =>
      clearInterval(lowering),
    );
    // Own copies, so their whole buffers can be transferred (sharp's may be slices of a larger one).
    return { ok: true, image: { ...pngs.image, data: Uint8Array.from(pngs.image.data) }, thumbnail: { ...pngs.thumbnail, data: Uint8Array.from(pngs.thumbnail.data) } };
  } catch (err: unknown) {
    return { ok: false, reason: err instanceof DomainError ? err.reason : 'INTERNAL_ERROR', message: String(err) };
  }
}
