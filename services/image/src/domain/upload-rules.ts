// The checks an upload passes before any decoder sees it, in the contract's order (image.proto,
// UploadImage): empty, too many bytes, declared type, too few bytes, magic number. Decoding and
// the pixel limit come after, in the processor.
import { imageFailures } from './image-failures.ts';
import { detectImageFormat, MIN_IMAGE_BYTES, type ImageFormat } from './image-signature.ts';

/** Media types a client may declare; empty means "not declared" and is accepted too. */
export const ACCEPTED_CONTENT_TYPES = ['image/jpeg', 'image/jpg', 'image/png', 'image/gif', 'image/bmp', 'image/webp'] as const;

/** The contract's pixel limit (image.proto): decoding more is refused (IMAGE_TOO_LARGE). The
 * server may be configured lower (MAX_INPUT_PIXELS), never higher: it bounds decoder memory. */
export const CONTRACT_MAX_INPUT_PIXELS = 50_000_000;

/** What kind of image an upload is; decided by which RPC was called. */
export type ImageKind = 'POST' | 'PROFILE';

export interface UploadInput {
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

/** Returns the format the bytes claim to be, or throws the first failing check's error. */
export function checkUploadOrThrow(input: UploadInput, maxBytes: number): ImageFormat {
  const { bytes } = input;
  if (bytes.length === 0) throw imageFailures.empty();
  if (bytes.length > maxBytes) throw imageFailures.tooManyBytes(maxBytes);
  if (!isAcceptedContentType(input.contentType)) throw imageFailures.contentType(ACCEPTED_CONTENT_TYPES);
  if (bytes.length < MIN_IMAGE_BYTES) throw imageFailures.tooSmall();
  const format = detectImageFormat(bytes);
  if (format === undefined) throw imageFailures.badSignature();
  return format;
}

/** Declared types are compared without parameters and case (`IMAGE/PNG; q=1` is image/png). */
function isAcceptedContentType(declared: string): boolean {
  const bare = declared.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return bare === '' || (ACCEPTED_CONTENT_TYPES as readonly string[]).includes(bare);
}

/** Throws IMAGE_TOO_LARGE when a decoded picture would exceed `maxPixels`. */
export function checkPixelsOrThrow(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) throw imageFailures.tooManyPixels(maxPixels);
}
