// A BMP decoder, because the image library (libvips in sharp) reads every accepted format but
// BMP. It covers what cameras, editors and browsers write: uncompressed 1/4/8-bit palettes,
// 16/24/32-bit pixels, BI_BITFIELDS masks, and top-down or bottom-up rows. RLE-compressed and
// embedded JPEG/PNG bitmaps are rare; they count as undecodable (CORRUPTED_IMAGE).
import { imageFailures } from './image-failures.ts';
import { checkPixelsOrThrow } from './upload-rules.ts';

export interface RawImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
  /** Row-major, top row first, `channels` bytes per pixel (grey, RGB or RGBA). */
  readonly pixels: Uint8Array;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

interface Masks {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly a: number;
}

/** What the file header says, read without touching a pixel. */
export interface BmpHeader {
  readonly width: number;
  readonly height: number;
}

/**
 * The header alone, checked against the pixel limit: cheap whatever the picture's size, so an
 * oversized BMP is refused before any pixel memory exists or a decoder slot is taken.
 */
export function readBmpHeaderOrThrow(bytes: Uint8Array, maxPixels: number): BmpHeader {
  const { width, height } = guarded(() => headerOf(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
  checkPixelsOrThrow(width, height, maxPixels);
  return { width, height };
}

/** Decodes every pixel: CPU- and memory-heavy, so image-svc runs it in a worker thread. */
export function decodeBmpOrThrow(bytes: Uint8Array, maxPixels: number): RawImage {
  return guarded(() => decode(bytes, maxPixels));
}

function guarded<T>(read: () => T): T {
  try {
    return read();
  } catch (err: unknown) {
    if (err instanceof RangeError) throw imageFailures.corrupted(err); // read past the end
    throw err;
  }
}

interface Header {
  readonly pixelOffset: number;
  readonly headerSize: number;
  readonly core: boolean;
  readonly width: number;
  readonly height: number;
  readonly topDown: boolean;
  readonly bpp: number;
  readonly compression: number;
}

function headerOf(view: DataView): Header {
  const pixelOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  const core = headerSize === 12; // OS/2 BITMAPCOREHEADER: 16-bit sizes, 3-byte palette entries
  if (!core && headerSize < 40) throw imageFailures.corrupted();
  const width = core ? view.getUint16(18, true) : view.getInt32(18, true);
  const rawHeight = core ? view.getInt16(20, true) : view.getInt32(22, true);
  const bpp = view.getUint16(core ? 24 : 28, true);
  const compression = core ? BI_RGB : view.getUint32(30, true);
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw imageFailures.corrupted();
  return { pixelOffset, headerSize, core, width, height, topDown: rawHeight < 0, bpp, compression };
}

function decode(bytes: Uint8Array, maxPixels: number): RawImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { pixelOffset, headerSize, core, width, height, topDown, bpp, compression } = headerOf(view);
  checkPixelsOrThrow(width, height, maxPixels);

  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (pixelOffset + stride * height > bytes.length) throw imageFailures.corrupted();
  const masks = masksOf(view, headerSize, bpp, compression);
  const palette = bpp <= 8 ? paletteOf(view, headerSize, bpp, core) : [];
  // A palette of greys (every 1-bit black-and-white BMP) needs one byte per pixel, not three:
  // that is what keeps a 10 MiB, 80-megapixel 1-bit "bomb" from costing 240 MB once decoded.
  const channels = masks && masks.a !== 0 ? 4 : palette.length > 0 && palette.every(([r, g, b]) => r === g && g === b) ? 1 : 3;
  const pixels = new Uint8Array(width * height * channels);

  for (let y = 0; y < height; y += 1) {
    const row = pixelOffset + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0; x < width; x += 1) {
      const out = (y * width + x) * channels;
      const rgba = bpp <= 8 ? fromPalette(bytes, palette, row, x, bpp) : fromPixel(view, row, x, bpp, masks);
      pixels[out] = rgba[0];
      if (channels === 1) continue;
      pixels[out + 1] = rgba[1];
      pixels[out + 2] = rgba[2];
      if (channels === 4) pixels[out + 3] = rgba[3];
    }
  }
  return { width, height, channels, pixels };
}

/** Channel masks for 16/32-bit pixels; undefined for 24-bit and palette images. */
function masksOf(view: DataView, headerSize: number, bpp: number, compression: number): Masks | undefined {
  if (compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS) {
    if (bpp !== 16 && bpp !== 32) throw imageFailures.corrupted();
    // Masks follow a 40-byte header, or sit inside the larger V2..V5 headers at the same offset.
    const at = 14 + 40;
    const hasAlpha = compression === BI_ALPHABITFIELDS || headerSize >= 56;
    return { r: view.getUint32(at, true), g: view.getUint32(at + 4, true), b: view.getUint32(at + 8, true), a: hasAlpha ? view.getUint32(at + 12, true) : 0 };
  }
  if (compression !== BI_RGB) throw imageFailures.corrupted(); // RLE, embedded JPEG/PNG
  if (bpp === 16) return { r: 0x7c00, g: 0x03e0, b: 0x001f, a: 0 };
  // BI_RGB 32-bit: the fourth byte is reserved, not alpha (writers often leave it 0).
  if (bpp === 32) return { r: 0x00ff0000, g: 0x0000ff00, b: 0x000000ff, a: 0 };
  if (bpp === 24 || bpp === 1 || bpp === 4 || bpp === 8) return undefined;
  throw imageFailures.corrupted();
}

function paletteOf(view: DataView, headerSize: number, bpp: number, core: boolean): [number, number, number][] {
  const entrySize = core ? 3 : 4;
  const used = core ? 0 : view.getUint32(46, true);
  const count = used > 0 && used <= 1 << bpp ? used : 1 << bpp;
  const start = 14 + headerSize;
  const palette: [number, number, number][] = [];
  for (let i = 0; i < count; i += 1) {
    const at = start + i * entrySize;
    palette.push([view.getUint8(at + 2), view.getUint8(at + 1), view.getUint8(at)]);
  }
  return palette;
}

function fromPalette(bytes: Uint8Array, palette: readonly [number, number, number][], row: number, x: number, bpp: number): [number, number, number, number] {
  const bit = x * bpp;
  const byte = bytes[row + (bit >> 3)] ?? 0;
  const index = (byte >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
  const color = palette[index];
  if (!color) throw imageFailures.corrupted();
  return [color[0], color[1], color[2], 255];
}

function fromPixel(view: DataView, row: number, x: number, bpp: number, masks: Masks | undefined): [number, number, number, number] {
  if (bpp === 24) {
    const at = row + x * 3;
    return [view.getUint8(at + 2), view.getUint8(at + 1), view.getUint8(at), 255];
  }
  if (!masks) throw imageFailures.corrupted();
  const value = bpp === 16 ? view.getUint16(row + x * 2, true) : view.getUint32(row + x * 4, true);
  return [channel(value, masks.r), channel(value, masks.g), channel(value, masks.b), masks.a === 0 ? 255 : channel(value, masks.a)];
}

/** Extracts a masked channel and scales it to 0..255 (5-bit 31 becomes 255). */
function channel(value: number, mask: number): number {
  if (mask === 0) return 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift += 1;
  const max = mask >>> shift;
  return Math.round((((value & mask) >>> shift) * 255) / max);
}
