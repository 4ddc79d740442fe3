// Turns accepted upload bytes into the two stored PNGs (png-renditions.ts). Only the first frame
// of an animated GIF/WEBP is kept. EXIF orientation is applied, then all metadata (EXIF, GPS) is
// dropped, so a phone photo shows upright and leaks no location.
//
// Nothing here decodes on the event loop: libvips works on its own threads for the formats it
// reads, and BMP (which it cannot read) is decoded and rendered in the worker threads of
// bmp-pool.ts. Every upload first has its header checked against the pixel limit (cheap, no slot
// taken), then waits for a slot of the decode gate, under a deadline that also ends when the
// caller leaves.
import sharp, { type Metadata } from 'sharp';
import { readBmpHeaderOrThrow } from '../domain/bmp-decoder.ts';
import { imageFailures } from '../domain/image-failures.ts';
import type { ImageFormat } from '../domain/image-signature.ts';
import { checkPixelsOrThrow } from '../domain/upload-rules.ts';
import type { BmpPool } from './bmp-pool.ts';
import type { DecodeGate } from './decode-gate.ts';
import { renderPngsOrThrow, type ImageBounds, type ProcessedImage } from './png-renditions.ts';

export type { ProcessedImage } from './png-renditions.ts';

/**
 * `signal` ends when the caller leaves or its deadline passes: queued or running work is dropped.
 * The bytes are taken over: a BMP's may be moved to a worker thread, so read nothing from them after.
 */
export type ImageProcessor = (bytes: Uint8Array, format: ImageFormat, signal: AbortSignal) => Promise<ProcessedImage>;

export interface ProcessorDeps {
  readonly bounds: ImageBounds;
  /** Pictures with more pixels are refused from their header (IMAGE_TOO_LARGE). */
  readonly maxPixels: number;
  readonly gate: DecodeGate;
  readonly bmp: BmpPool;
  /** Longest an upload may wait for a slot plus decode and encode, whatever the caller's deadline. */
  readonly decodeTimeoutMs: number;
}

/** The rendering, ready to run once the upload has a slot. */
type Render = (signal: AbortSignal) => Promise<ProcessedImage>;

/** libvips' names of the formats whose signature we accept (BMP is decoded by us). */
const DECODER_FORMAT: Record<Exclude<ImageFormat, 'bmp'>, string> = { jpeg: 'jpeg', png: 'png', gif: 'gif', webp: 'webp' };

export function createImageProcessor({ bounds, maxPixels, gate, bmp, decodeTimeoutMs }: ProcessorDeps): ImageProcessor {
  return async (bytes, format, callerSignal) => {
    const signal = AbortSignal.any([callerSignal, AbortSignal.timeout(decodeTimeoutMs)]);
    const render = format === 'bmp' ? bmpRenderOrThrow(bytes, maxPixels, bmp) : await libvipsRenderOrThrow(bytes, format, maxPixels, bounds);
    return gate.run(signal, () => render(signal));
  };
}

/** The BMP header is read here, on the event loop (a few bytes); the pixels in a worker. */
function bmpRenderOrThrow(bytes: Uint8Array, maxPixels: number, pool: BmpPool): Render {
  readBmpHeaderOrThrow(bytes, maxPixels);
  return (signal) => pool.render(bytes, maxPixels, signal);
}

/**
 * A decoder over the bytes, after the header says the picture is within the pixel limit. The
 * header is read without decoding pixels, so an oversized picture costs no memory;
 * `limitInputPixels` stays on as a second guard for formats whose header lies.
 */
async function libvipsRenderOrThrow(bytes: Uint8Array, format: Exclude<ImageFormat, 'bmp'>, maxPixels: number, bounds: ImageBounds): Promise<Render> {
  // 'warning' refuses truncated files instead of storing a half-grey picture.
  const options = { limitInputPixels: maxPixels, failOn: 'warning' as const, pages: 1 };
  let metadata: Metadata;
  try {
    // The header alone: libvips would refuse an oversized one before we could name the reason.
    metadata = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
  } catch (err: unknown) {
    throw imageFailures.corrupted(err);
  }
  // The signature matched, but libvips must agree on the format: no SVG or TIFF slips through.
  if (metadata.format !== DECODER_FORMAT[format] || !metadata.width || !metadata.height) throw imageFailures.corrupted();
  checkPixelsOrThrow(metadata.width, metadata.pageHeight ?? metadata.height, maxPixels);
  return (signal) =>
    renderPngsOrThrow(sharp(bytes, options).rotate(), bounds, maxPixels, () => {
      // Between two steps is the one place a libvips decode can be dropped (it cannot be interrupted).
      if (signal.aborted) throw imageFailures.decodeDeadline();
    });
}
