// Component test of how BMP decoding shares the machine with image-svc's event loop (issue 14):
// the upload's bytes move to the worker thread instead of being copied on the loop, the worker
// and the libvips threads rendering its PNGs run at the lowest priority (nice 19) while the event
// loop keeps its own. The priorities are read from /proc, so this runs on Linux.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { after, describe, it } from 'node:test';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import pg from 'pg';
import sharp from 'sharp';
import { createBmpPool, type BmpPool } from '../src/adapters/bmp-pool.ts';
import { DECODER_NICE } from '../src/adapters/thread-priority.ts';
import { bmp1 } from './support/fixtures.ts';
import { DATABASE_URL, startImageService, type ImageHarness } from './support/image-harness.ts';

const BOUNDS = { maxWidth: 350, maxHeight: 350, thumbnailSize: 150 };
const MAX_PIXELS = 50_000_000;

/** This process's threads by name, with their nice values. */
const threads = (): { name: string; nice: number }[] =>
  readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      return [{ name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), nice: getPriority(Number(tid)) }];
    } catch {
      return []; // ended meanwhile
    }
  });

describe('decoding priority', () => {
  let pool: BmpPool | undefined;
  let harness: ImageHarness | undefined;
  after(async () => {
    await pool?.close();
    await harness?.stop();
  });

  it('when a BMP renders in the pool, then its worker and every libvips thread run at nice 19, and its bytes were moved, not copied', async () => {
    // libvips threads started here, on the main thread's side, begin at nice 0 like any other.
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#888' } }).png().toBuffer();
    pool = createBmpPool(1, BOUNDS);
    const bytes = new Uint8Array(bmp1(3000, 3000)); // its own buffer, as a decoded upload has
    const size = bytes.byteLength;
    const { image, thumbnail } = await pool.render(bytes, MAX_PIXELS, new AbortController().signal);
    assert.equal(image.width, 350);
    assert.equal(thumbnail.width, 150);
    assert.equal(bytes.byteLength, 0, `the ${size} bytes were copied to the worker instead of moved`);

    const after = threads();
    const libvips = after.filter((t) => t.name === 'libvips worker');
    const workers = after.filter((t) => t.name === 'WorkerThread');
    assert.ok(libvips.length > 0, 'libvips started threads');
    assert.deepEqual(libvips.map((t) => t.nice), libvips.map(() => DECODER_NICE), 'every libvips thread is lowered');
    assert.deepEqual(workers.map((t) => t.nice), [DECODER_NICE], 'the one decoding worker is lowered');
    assert.equal(after.find((t) => t.name === 'MainThread')?.nice, 0, 'the event loop keeps its priority');
  });

  it('when a small BMP shares a pooled buffer, then it is copied and the buffer stays whole', async () => {
    pool ??= createBmpPool(1, BOUNDS);
    const small = Buffer.from(bmp1(40, 30)); // under 4 KB: a slice of Node's shared pool
    assert.ok(small.byteLength < small.buffer.byteLength, 'the fixture is a slice of a larger buffer');
    await pool.render(small, MAX_PIXELS, new AbortController().signal);
    assert.equal(small.byteLength, bmp1(40, 30).byteLength);
  });

  it('when image-svc runs, then a BMP upload records its size (read before its bytes moved)', async () => {
    harness = await startImageService();
    const image = bmp1(1000, 1000);
    const res = await new Promise<{ imageId: string }>((resolve, reject) => {
      harness?.client.uploadImage({ image, filename: 'b.bmp', contentType: 'image/bmp' }, new Metadata(), (err: ServiceError | null, r) => (err ? reject(err) : resolve(r)));
    });
    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ upload_bytes: number }>('select upload_bytes from image.images where id = $1', [res.imageId]);
      assert.equal(rows[0]?.upload_bytes, image.byteLength);
    } finally {
      await db.end();
    }
  });
});
