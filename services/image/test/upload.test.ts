// Component test: uploads through the generated client against the real service, PostgreSQL
// and a temporary IMAGE_ROOT. Every accepted format is re-encoded as PNG within the bounds with
// a 150x150 thumbnail; each rejection has its code and reason; anonymous callers are accepted.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import sharp from 'sharp';
import { Code } from '../../../test/support/grpc.ts';
import { bmp24, describe as describeImage, halves, pixelAt, solid } from './support/fixtures.ts';
import { call, failsWith, rpc, startImageService, withAuthorization, type ImageHarness } from './support/image-harness.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('image uploads', () => {
  let h: ImageHarness;
  const upload = (image: Buffer, md = new Metadata(), contentType = '') =>
    rpc(h.client.uploadImage.bind(h.client), { image, filename: 'x', contentType }, md);
  const view = (imageId: string, thumbnail = false) => rpc(h.client.viewImage.bind(h.client), { imageId, thumbnail });

  before(async () => {
    h = await startImageService();
  });
  after(() => h.stop());

  for (const format of ['png', 'jpeg', 'gif', 'webp'] as const) {
    it(`when a ${format.toUpperCase()} is uploaded, then it is stored as a PNG with a 150x150 PNG thumbnail`, async () => {
      const { imageId } = await upload(await solid(200, 100, format));
      assert.match(imageId, UUID);
      const stored = await view(imageId);
      assert.equal(stored.image?.contentType, 'image/png');
      assert.deepEqual(await describeImage(stored.image?.data ?? Buffer.alloc(0)), { format: 'png', width: 200, height: 100 });
      const thumb = await view(imageId, true);
      assert.deepEqual(await describeImage(thumb.image?.data ?? Buffer.alloc(0)), { format: 'png', width: 150, height: 150 });
    });
  }

  it('when a BMP is uploaded, then it is decoded and stored as a PNG too', async () => {
    const { imageId } = await upload(bmp24(40, 30), new Metadata(), 'image/bmp');
    const stored = await view(imageId);
    assert.deepEqual(await describeImage(stored.image?.data ?? Buffer.alloc(0)), { format: 'png', width: 40, height: 30 });
    assert.deepEqual(await pixelAt(stored.image?.data ?? Buffer.alloc(0), 5, 5), [200, 30, 30]);
  });

  it('when a big picture is uploaded, then it shrinks to fit 350x350 keeping its aspect ratio', async () => {
    const { imageId } = await upload(await solid(1400, 700, 'jpeg'));
    assert.deepEqual(await describeImage((await view(imageId)).image?.data ?? Buffer.alloc(0)), { format: 'png', width: 350, height: 175 });
    const tall = await upload(await solid(300, 1200, 'png'));
    assert.deepEqual(await describeImage((await view(tall.imageId)).image?.data ?? Buffer.alloc(0)), { format: 'png', width: 88, height: 350 });
  });

  it('when a small picture is uploaded, then it is not enlarged but its thumbnail is 150x150', async () => {
    const { imageId } = await upload(await solid(20, 10, 'png'));
    assert.deepEqual(await describeImage((await view(imageId)).image?.data ?? Buffer.alloc(0)), { format: 'png', width: 20, height: 10 });
    assert.deepEqual(await describeImage((await view(imageId, true)).image?.data ?? Buffer.alloc(0)), { format: 'png', width: 150, height: 150 });
  });

  it('when a wide picture gets its thumbnail, then the centre is kept', async () => {
    // Left half black, right half white: a centred square crop shows both halves.
    const { imageId } = await upload(await halves(600, 150));
    const thumb = (await view(imageId, true)).image?.data ?? Buffer.alloc(0);
    assert.deepEqual(await pixelAt(thumb, 10, 75), [0, 0, 0]);
    assert.deepEqual(await pixelAt(thumb, 140, 75), [255, 255, 255]);
  });

  it('when a photo carries EXIF data, then the stored PNG keeps none of it', async () => {
    const photo = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#123456' } })
      .jpeg()
      .withExif({ IFD0: { Copyright: 'secret place' } })
      .toBuffer();
    const { imageId } = await upload(photo);
    const meta = await sharp((await view(imageId)).image?.data ?? Buffer.alloc(0)).metadata();
    assert.equal(meta.exif, undefined);
  });

  it('when a profile image is uploaded anonymously with `Bearer null`, then it is accepted', async () => {
    const { imageId } = await rpc(
      h.client.uploadProfileImage.bind(h.client),
      { image: await solid(50, 50, 'png'), filename: 'me.png', contentType: 'image/png' },
      withAuthorization('Bearer null'),
    );
    assert.match(imageId, UUID);
  });

  it('when the file is empty, then EMPTY_IMAGE_FILE', async () => {
    await assert.rejects(upload(Buffer.alloc(0)), failsWith(Code.INVALID_ARGUMENT, 'EMPTY_IMAGE_FILE', { field: 'image' }));
  });

  it('when the file is shorter than 3 bytes, then FILE_TOO_SMALL', async () => {
    await assert.rejects(upload(Buffer.from([0xff, 0xd8])), failsWith(Code.INVALID_ARGUMENT, 'FILE_TOO_SMALL', { field: 'image' }));
  });

  it('when a text file is uploaded, then INVALID_IMAGE_SIGNATURE', async () => {
    await assert.rejects(upload(Buffer.from('just some text, not a picture\n')), failsWith(Code.INVALID_ARGUMENT, 'INVALID_IMAGE_SIGNATURE', { field: 'image' }));
  });

  it('when the declared type is not an image type, then VALIDATION_FAILED on content_type', async () => {
    await assert.rejects(
      upload(await solid(10, 10, 'png'), new Metadata(), 'text/plain'),
      failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', { field: 'content_type' }),
    );
  });

  it('when a file has a valid signature but garbage after it, then CORRUPTED_IMAGE', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from('definitely not image data'.repeat(4))]);
    await assert.rejects(upload(png), failsWith(Code.INVALID_ARGUMENT, 'CORRUPTED_IMAGE', { field: 'image' }));
  });

  it('when a JPEG is cut in half, then CORRUPTED_IMAGE and nothing is kept', async () => {
    // The readiness probe's own short-lived `.tmp-health-*` file may come or go meanwhile.
    const stored = async () => (await readdir(h.root)).filter((f) => !f.startsWith('.tmp-health-')).sort();
    const before = await stored();
    const jpeg = await solid(300, 300, 'jpeg');
    await assert.rejects(upload(jpeg.subarray(0, jpeg.length / 2)), failsWith(Code.INVALID_ARGUMENT, 'CORRUPTED_IMAGE'));
    assert.deepEqual(await stored(), before);
  });

  it('when the file is larger than 10 MiB, then IMAGE_TOO_LARGE', async () => {
    const huge = Buffer.alloc(10 * 1024 * 1024 + 1, 0);
    Buffer.from('89504e470d0a1a0a', 'hex').copy(huge);
    await assert.rejects(upload(huge), failsWith(Code.INVALID_ARGUMENT, 'IMAGE_TOO_LARGE', { field: 'image' }));
  });

  it('when a picture has more than 50 megapixels, then IMAGE_TOO_LARGE before decoding it', async () => {
    const big = await sharp({ create: { width: 7100, height: 7100, channels: 3, background: '#0000ff' } }).png({ compressionLevel: 9 }).toBuffer();
    await assert.rejects(upload(big), failsWith(Code.INVALID_ARGUMENT, 'IMAGE_TOO_LARGE', { field: 'image' }));
  });

  it('when an upload is retried with the same idempotency-key, then the first image id comes back', async () => {
    const image = await solid(30, 30, 'png');
    const key = { 'idempotency-key': `k-${Date.now()}-${Math.random()}` };
    const first = await upload(image, withAuthorization('Bearer null', key));
    const again = await upload(image, withAuthorization('Bearer null', key));
    assert.equal(again.imageId, first.imageId);
    await assert.rejects(upload(await solid(31, 31, 'png'), withAuthorization('Bearer null', key)), failsWith(Code.INVALID_ARGUMENT, 'IDEMPOTENCY_KEY_REUSED'));
  });

  it('when uploads succeed, then only the PNG pair of each id is on disk', async () => {
    const { imageId } = (await call(h.client.uploadImage.bind(h.client), { image: await solid(10, 10, 'gif'), filename: '', contentType: '' })).response;
    const names = await readdir(h.root);
    assert.ok(names.includes(`${imageId}.png`) && names.includes(`${imageId}-thumbnail.png`));
    // No temporary file of an upload is left behind (health probes are not PNGs and come and go).
    assert.deepEqual(names.filter((n) => n.endsWith('.png') && !/^[0-9a-f-]{36}(-thumbnail)?\.png$/.test(n)), []);
  });
});
