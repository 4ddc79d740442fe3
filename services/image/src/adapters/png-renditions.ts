// The two stored PNGs made from a decoded picture with sharp (libvips): the image shrunk to fit
// the configured box (aspect ratio kept, never enlarged) and a square, centre-cropped thumbnail.
// Used on the main thread for the formats libvips reads, and inside the BMP workers
// (bmp-worker.ts) for raw pixels: libvips blocks the calling thread's event loop while it
// resizes a raw in-memory picture (~10 s for 50 megapixels on a loaded machine), so that must
// never happen on image-svc's own loop.
import type { Sharp } from 'sharp';
import { imageFailures } from '../domain/image-failures.ts';

export interface ImageBounds {
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly thumbnailSize: number;
}

export interface EncodedPng {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export interface ProcessedImage {
  readonly image: EncodedPng;
  readonly thumbnail: EncodedPng;
}

/** `between` runs after the image and before the thumbnail: it may throw to drop the work. */
export async function renderPngsOrThrow(source: Sharp, bounds: ImageBounds, maxPixels: number, between: () => void = () => undefined): Promise<ProcessedImage> {
  const image = await encodeOrThrow(
    source.clone().resize({ width: bounds.maxWidth, height: bounds.maxHeight, fit: 'inside', withoutEnlargement: true }),
    imageFailures.corrupted,
    maxPixels,
  );
  between();
  // Decoding already succeeded above, so a failure here is the thumbnail's own.
  const thumbnail = await encodeOrThrow(
    source.clone().resize({ width: bounds.thumbnailSize, height: bounds.thumbnailSize, fit: 'cover', position: 'centre' }),
    imageFailures.thumbnail,
    maxPixels,
  );
  return { image, thumbnail };
}

async function encodeOrThrow(pipeline: Sharp, failure: (cause: unknown) => Error, maxPixels: number): Promise<EncodedPng> {
  try {
    const { data, info } = await pipeline.png().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (err: unknown) {
    if (err instanceof Error && /pixel limit/i.test(err.message)) throw imageFailures.tooManyPixels(maxPixels);
    throw failure(err);
  }
}
