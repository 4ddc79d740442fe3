// Component test of the decode bounds (issue 14), in-process through the generated client: with
// every decode slot and queue place taken, an upload fails at once with RESOURCE_EXHAUSTED and a
// retry-after; a decode whose caller's deadline passed is dropped, so the next upload does not
// wait for it.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { Code } from '../../../test/support/grpc.ts';
import { bmp1, solid } from './support/fixtures.ts';
import { failsWith, startImageService, type ImageHarness } from './support/image-harness.ts';

describe('decode bounds', () => {
  const harnesses: ImageHarness[] = [];
  after(() => Promise.all(harnesses.map((h) => h.stop())));
  const start = async (env: Record<string, string>): Promise<ImageHarness> => {
    const h = await startImageService(env);
    harnesses.push(h);
    return h;
  };
  const upload = (h: ImageHarness, image: Buffer, deadlineMs = 120_000): Promise<{ ms: number; trailers: Metadata }> => {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      let trailers = new Metadata();
      const c = h.client.uploadImage({ image, filename: 'x', contentType: '' }, new Metadata(), { deadline: Date.now() + deadlineMs }, (err: ServiceError | null) =>
        err ? reject(err) : resolve({ ms: performance.now() - started, trailers }),
      );
      c.on('status', (s) => {
        trailers = s.metadata;
      });
    });
  };
  // ~1 MB on the wire, 16 megapixels to decode: seconds of work, so calls sent together overlap.
  const bomb = bmp1(4000, 4000);

  it('when every slot and queue place is taken, then RESOURCE_EXHAUSTED with TOO_MANY_REQUEST and retry-after 1', async () => {
    const h = await start({ DECODE_CONCURRENCY: '1', DECODE_QUEUE: '0' });
    const outcomes = await Promise.allSettled([upload(h, bomb), upload(h, bomb), upload(h, bomb)]);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as ServiceError] : []));
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1, 'one decodes');
    assert.equal(refused.length, 2, 'the others are refused, not queued');
    for (const err of refused) {
      assert.ok(failsWith(Code.RESOURCE_EXHAUSTED, 'TOO_MANY_REQUEST', { field: 'image' })(err));
      assert.equal(err.metadata.get('retry-after')[0], '1');
    }
  });

  it("when a caller's deadline passes while its image decodes, then the decode is dropped and the next upload gets the slot at once", async () => {
    const h = await start({ DECODE_CONCURRENCY: '1', DECODE_QUEUE: '4' });
    const full = await upload(h, bomb); // how long one bomb takes on this machine now
    // The deadline falls a third of the way into the decode, whatever this machine's speed (a fixed
    // 300 ms was shorter than the decode only while the machine was slow enough).
    await assert.rejects(upload(h, bomb, Math.max(100, full.ms / 3)), (err: ServiceError) => err.code === Code.DEADLINE_EXCEEDED);
    const small = await upload(h, await solid(20, 20, 'png'));
    process.stdout.write(`# decode deadline: a full bomb took ${full.ms.toFixed(0)} ms; the upload after an abandoned one took ${small.ms.toFixed(0)} ms\n`);
    assert.ok(small.ms < full.ms / 2, `the next upload waited ${small.ms.toFixed(0)} ms (a bomb takes ${full.ms.toFixed(0)} ms)`);
  });

  it('when MAX_INPUT_PIXELS is set lower, then a picture over it is refused from its header with IMAGE_TOO_LARGE', async () => {
    const h = await start({ MAX_INPUT_PIXELS: '1000000' });
    await upload(h, await solid(1000, 1000, 'png'));
    await assert.rejects(upload(h, await solid(1001, 1000, 'png')), failsWith(Code.INVALID_ARGUMENT, 'IMAGE_TOO_LARGE', { field: 'image' }));
    await assert.rejects(upload(h, bmp1(1001, 1000)), failsWith(Code.INVALID_ARGUMENT, 'IMAGE_TOO_LARGE', { field: 'image' }));
  });
});
