// Component test: ViewImage is public and serves the stored PNG or its thumbnail by id; ids that
// are not UUIDs are refused before touching the disk, unknown ids are NOT_FOUND.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Code } from '../../../test/support/grpc.ts';
import { describe as describeImage, solid } from './support/fixtures.ts';
import { failsWith, rpc, startImageService, withAuthorization, type ImageHarness } from './support/image-harness.ts';

describe('image views', () => {
  let h: ImageHarness;
  let imageId: string;
  const view = (id: string, thumbnail = false, md = withAuthorization('')) =>
    rpc(h.client.viewImage.bind(h.client), { imageId: id, thumbnail }, md);

  before(async () => {
    h = await startImageService();
    imageId = (await rpc(h.client.uploadImage.bind(h.client), { image: await solid(120, 80, 'jpeg'), filename: '', contentType: '' })).imageId;
  });
  after(() => h.stop());

  it('when the image is asked for, then its PNG bytes come back as image/png', async () => {
    const res = await view(imageId);
    assert.equal(res.image?.contentType, 'image/png');
    assert.deepEqual(await describeImage(res.image?.data ?? Buffer.alloc(0)), { format: 'png', width: 120, height: 80 });
  });

  it('when the thumbnail is asked for, then the 150x150 PNG comes back', async () => {
    const res = await view(imageId, true);
    assert.equal(res.image?.contentType, 'image/png');
    assert.deepEqual(await describeImage(res.image?.data ?? Buffer.alloc(0)), { format: 'png', width: 150, height: 150 });
  });

  it('when the id carries an extension or upper case, then it names the same image', async () => {
    const plain = await view(imageId);
    const dressed = await view(`${imageId.toUpperCase()}.png`);
    assert.deepEqual(dressed.image?.data, plain.image?.data);
  });

  it('when a token is sent, even one that is not valid, then it is ignored', async () => {
    const res = await view(imageId, false, withAuthorization('Bearer aaa.bbb.ccc'));
    assert.equal(res.image?.contentType, 'image/png');
  });

  it('when the id is unknown, then NOT_FOUND with IMAGE_NOT_FOUND', async () => {
    await assert.rejects(view(randomUUID()), failsWith(Code.NOT_FOUND, 'IMAGE_NOT_FOUND'));
    await assert.rejects(view(randomUUID(), true), failsWith(Code.NOT_FOUND, 'IMAGE_NOT_FOUND'));
  });

  it('when the id is not an image id, then INVALID_ARGUMENT on image_id, whatever path it spells', async () => {
    for (const bad of ['', 'abc', '../../etc/passwd', `${imageId}/../x`, `..%2F${imageId}`, `${imageId}-thumbnail`]) {
      await assert.rejects(view(bad), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', { field: 'image_id' }), bad);
    }
  });

  it('when the file of a recorded image is gone, then NOT_FOUND rather than a broken answer', async () => {
    const id = (await rpc(h.client.uploadImage.bind(h.client), { image: await solid(30, 30, 'png'), filename: '', contentType: '' })).imageId;
    await rm(join(h.root, `${id}-thumbnail.png`));
    await assert.rejects(view(id, true), failsWith(Code.NOT_FOUND, 'IMAGE_NOT_FOUND'));
    assert.equal((await view(id)).image?.contentType, 'image/png');
  });
});
