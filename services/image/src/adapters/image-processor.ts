// Turns accepted upload bytes into the two stored PNGs with sharp (libvips): the image shrunk
// to fit the configured box (aspect ratio kept, never enlarged) and a square, centre-cropped
// thumbnail. Only the first frame of an animated GIF/WEBP is kept. EXIF orientation is applied,
// then all metadata (EXIF, GPS) is dropped, so a phone photo shows upright and leaks no location.
import sharp, { type Metadata, type Sharp } from 'sharp';
import { decodeBmpOrThrow } from '../domain/bmp-decoder.ts';
import { imageFailures } from '../domain/image-failures.ts';
import type { ImageFormat } from '../domain/image-signature.ts';
import { checkPixelsOrThrow, MAX_INPUT_PIXELS } from '../domain/upload-rules.ts';

export interface ImageBounds {
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly thumbnailSize: number;
}

export interface EncodedPng {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

export interface ProcessedImage {
  readonly image: EncodedPng;
  readonly thumbnail: EncodedPng;
}

export type ImageProcessor = (bytes: Uint8Array, format: ImageFormat) => Promise<ProcessedImage>;

/** libvips' names of the formats whose signature we accept (BMP is decoded by us). */
const DECODER_FORMAT: Record<Exclude<ImageFormat, 'bmp'>, string> = { jpeg: 'jpeg', png: 'png', gif: 'gif', webp: 'webp' };

export function createImageProcessor(bounds: ImageBounds): ImageProcessor {
  return async (bytes, format) => {
    const source = await openOrThrow(bytes, format);
    const image = await encodeOrThrow(
      source.clone().resize({ width: bounds.maxWidth, height: bounds.maxHeight, fit: 'inside', withoutEnlargement: true }),
      imageFailures.corrupted,
    );
    // Decoding already succeeded above, so a failure here is the thumbnail's own.
    const thumbnail = await encodeOrThrow(
      source.clone().resize({ width: bounds.thumbnailSize, height: bounds.thumbnailSize, fit: 'cover', position: 'centre' }),
      imageFailures.thumbnail,
    );
    return { image, thumbnail };
  };
}

/**
 * A decoder over the bytes, after the header says the picture is within the pixel limit. The
 * header is read without decoding pixels, so an oversized picture costs no memory;
 * `limitInputPixels` stays on as a second guard for formats whose header lies.
 */
async function openOrThrow(bytes: Uint8Array, format: ImageFormat): Promise<Sharp> {
  if (format === 'bmp') {
    const raw = decodeBmpOrThrow(bytes);
    return sharp(raw.pixels, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
  }
  // 'warning' refuses truncated files instead of storing a half-grey picture.
  const options = { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'warning' as const, pages: 1 };
  let metadata: Metadata;
  try {
    // The header alone: libvips would refuse an oversized one before we could name the reason.
    metadata = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
  } catch (err: unknown) {
    throw imageFailures.corrupted(err);
  }
  // The signature matched, but libvips must agree on the format: no SVG or TIFF slips through.
  if (metadata.format !== DECODER_FORMAT[format] || !metadata.width || !metadata.height) throw imageFailures.corrupted();
  checkPixelsOrThrow(metadata.width, metadata.pageHeight ?? metadata.height);
  return sharp(bytes, options).rotate();
}

async function encodeOrThrow(pipeline: Sharp, failure: (cause: unknown) => Error): Promise<EncodedPng> {
  try {
    const { data, info } = await pipeline.png().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height };
  } catch (err: unknown) {
    if (err instanceof Error && /pixel limit/i.test(err.message)) throw imageFailures.tooManyPixels(MAX_INPUT_PIXELS);
    throw failure(err);
  }
}
