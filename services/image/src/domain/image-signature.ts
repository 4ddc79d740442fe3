// The file's magic number decides its format, whatever its name or declared type say (as in the
// original FileService): only these five formats are ever handed to a decoder.

export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'bmp' | 'webp';

/** Fewer bytes than this cannot carry any of the signatures below (FILE_TOO_SMALL). */
export const MIN_IMAGE_BYTES = 3;

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0): boolean =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);

const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const GIF = [0x47, 0x49, 0x46]; // "GIF"
const BMP = [0x42, 0x4d]; // "BM"
const RIFF = [0x52, 0x49, 0x46, 0x46]; // "RIFF", then a 4-byte size, then "WEBP"
const WEBP = [0x57, 0x45, 0x42, 0x50];

/** The format named by the file's first bytes, or undefined when it is none of ours. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, JPEG)) return 'jpeg';
  if (startsWith(bytes, PNG)) return 'png';
  if (startsWith(bytes, GIF)) return 'gif';
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'webp';
  if (startsWith(bytes, BMP)) return 'bmp';
  return undefined;
}
