// Test images made on the fly with sharp (and a hand-written BMP, which sharp cannot write), so
// the tests need no binary fixtures in the repository.
import sharp from 'sharp';

const RED = { r: 200, g: 30, b: 30 };

export function solid(width: number, height: number, format: 'png' | 'jpeg' | 'gif' | 'webp'): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: RED } });
  return image.toFormat(format).toBuffer();
}

/** A picture whose left half is black and right half white, to see which part a crop kept. */
export async function halves(width: number, height: number): Promise<Buffer> {
  const half = Math.floor(width / 2);
  const white = await sharp({ create: { width: width - half, height, channels: 3, background: '#ffffff' } }).png().toBuffer();
  return sharp({ create: { width, height, channels: 3, background: '#000000' } })
    .composite([{ input: white, left: half, top: 0 }])
    .png()
    .toBuffer();
}

/** An uncompressed 24-bit bottom-up BMP filled with one colour. */
export function bmp24(width: number, height: number, rgb: [number, number, number] = [200, 30, 30]): Buffer {
  const stride = Math.ceil((width * 3) / 4) * 4;
  const data = Buffer.alloc(54 + stride * height);
  data.write('BM', 0, 'latin1');
  data.writeUInt32LE(data.length, 2);
  data.writeUInt32LE(54, 10);
  data.writeUInt32LE(40, 14);
  data.writeInt32LE(width, 18);
  data.writeInt32LE(height, 22);
  data.writeUInt16LE(1, 26);
  data.writeUInt16LE(24, 28);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const at = 54 + y * stride + x * 3;
      data[at] = rgb[2];
      data[at + 1] = rgb[1];
      data[at + 2] = rgb[0];
    }
  }
  return data;
}

export interface Decoded {
  readonly format: string | undefined;
  readonly width: number | undefined;
  readonly height: number | undefined;
}

export async function describe(bytes: Buffer): Promise<Decoded> {
  const { format, width, height } = await sharp(bytes).metadata();
  return { format, width, height };
}

/** RGB of one pixel of a stored image. */
export async function pixelAt(bytes: Buffer, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (y * info.width + x) * info.channels;
  return [data[at] ?? -1, data[at + 1] ?? -1, data[at + 2] ?? -1];
}

/**
 * An uncompressed 1-bit BMP (black and white palette): 8 pixels per byte, so 50 megapixels fit
 * in about 6 MB while decoding them takes ~150 MB of RGB. The "image bomb" of issue 14.
 */
export function bmp1(width: number, height: number): Buffer {
  const stride = Math.ceil(width / 32) * 4;
  const offset = 54 + 8;
  const data = Buffer.alloc(offset + stride * height);
  data.write('BM', 0, 'latin1');
  data.writeUInt32LE(data.length, 2);
  data.writeUInt32LE(offset, 10);
  data.writeUInt32LE(40, 14);
  data.writeInt32LE(width, 18);
  data.writeInt32LE(height, 22);
  data.writeUInt16LE(1, 26);
  data.writeUInt16LE(1, 28);
  data.writeUInt32LE(0xffffff, 58); // palette: 0 black, 1 white
  // Stripes, so the picture is not one flat colour.
  for (let y = 0; y < height; y += 16) data.fill(0xaa, offset + y * stride, offset + (y + 1) * stride);
  return data;
}
