// Pure rules of image-svc: signatures, upload check order, ids in URLs, bearer values, bulk
// delete plans, idempotent replays and the BMP decoder. No server, no database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBmpOrThrow, readBmpHeaderOrThrow } from '../src/domain/bmp-decoder.ts';
import { credentialOf } from '../src/domain/bearer-token.ts';
import { MAX_DELETE_URLS, planDeleteOrThrow } from '../src/domain/delete-rules.ts';
import { DomainError } from '../src/domain/errors.ts';
import { idempotencyKeyOrThrow, replayOrThrow } from '../src/domain/idempotency.ts';
import { imageIdFromUrl, parseImageIdOrThrow } from '../src/domain/image-id.ts';
import { detectImageFormat } from '../src/domain/image-signature.ts';
import { checkPixelsOrThrow, checkUploadOrThrow, CONTRACT_MAX_INPUT_PIXELS } from '../src/domain/upload-rules.ts';
import { bmp1, bmp24 } from './support/fixtures.ts';

const ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const hex = (s: string): Uint8Array => Buffer.from(s.replace(/\s/g, ''), 'hex');
const reason = (want: string) => (err: unknown) => err instanceof DomainError && err.reason === want;

describe('signature detection', () => {
  it('when bytes start with a known magic number, then its format is named', () => {
    assert.equal(detectImageFormat(hex('ffd8ffe0 0000')), 'jpeg');
    assert.equal(detectImageFormat(hex('89504e470d0a1a0a 00')), 'png');
    assert.equal(detectImageFormat(Buffer.from('GIF89a')), 'gif');
    assert.equal(detectImageFormat(Buffer.from('BM\0\0')), 'bmp');
    assert.equal(detectImageFormat(Buffer.from('RIFF\x10\0\0\0WEBPVP8 ', 'latin1')), 'webp');
  });

  it('when bytes are text, a RIFF of another kind or a PNG prefix only, then no format is named', () => {
    assert.equal(detectImageFormat(Buffer.from('hello world')), undefined);
    assert.equal(detectImageFormat(Buffer.from('RIFF\x10\0\0\0WAVEfmt ', 'latin1')), undefined);
    assert.equal(detectImageFormat(hex('89504e47')), undefined);
  });
});

describe('upload checks', () => {
  const png = hex('89504e470d0a1a0a 0000');
  it('when the checks fail, then they fail in the contract order', () => {
    assert.throws(() => checkUploadOrThrow({ bytes: new Uint8Array(), contentType: 'text/plain' }, 10), reason('EMPTY_IMAGE_FILE'));
    assert.throws(() => checkUploadOrThrow({ bytes: new Uint8Array(11), contentType: 'text/plain' }, 10), reason('IMAGE_TOO_LARGE'));
    assert.throws(() => checkUploadOrThrow({ bytes: hex('ffd8'), contentType: 'text/plain' }, 10), reason('VALIDATION_FAILED'));
    assert.throws(() => checkUploadOrThrow({ bytes: hex('ffd8'), contentType: '' }, 10), reason('FILE_TOO_SMALL'));
    assert.throws(() => checkUploadOrThrow({ bytes: Buffer.from('abc'), contentType: '' }, 10), reason('INVALID_IMAGE_SIGNATURE'));
  });

  it('when the declared type is empty, an accepted type in any case, or has parameters, then it passes', () => {
    for (const contentType of ['', 'image/png', 'IMAGE/JPG', 'image/webp; q=1']) {
      assert.equal(checkUploadOrThrow({ bytes: png, contentType }, 100), 'png');
    }
  });

  it('when a picture has more than 50 megapixels, then it is too large', () => {
    assert.doesNotThrow(() => checkPixelsOrThrow(10_000, 5_000, CONTRACT_MAX_INPUT_PIXELS));
    assert.throws(() => checkPixelsOrThrow(10_000, 5_001, CONTRACT_MAX_INPUT_PIXELS), reason('IMAGE_TOO_LARGE'));
  });
});

describe('image ids', () => {
  it('when a view id is a UUID, optionally with an extension, then its lowercase form is the id', () => {
    assert.equal(parseImageIdOrThrow(ID), ID);
    assert.equal(parseImageIdOrThrow(`${ID.toUpperCase()}.PNG`), ID);
  });

  it('when a view id is not a UUID, then it is refused', () => {
    for (const bad of ['', '..', `../${ID}`, `${ID}/x`, `${ID}.png.exe`, 'no-image', `${ID}\\..`]) {
      assert.throws(() => parseImageIdOrThrow(bad), reason('VALIDATION_FAILED'), bad);
    }
  });

  it('when a URL names an image in its last segment, then the id is extracted', () => {
    assert.equal(imageIdFromUrl(`/api/proxy/images/view/${ID}`), ID);
    assert.equal(imageIdFromUrl(`http://localhost:8085/api/images/view/${ID}.png?thumbnail=true#x`), ID);
    assert.equal(imageIdFromUrl(`/api/images/view/${ID}/`), ID);
    assert.equal(imageIdFromUrl(ID), ID);
  });

  it('when a URL names no image, then there is no id', () => {
    for (const url of ['no-image', '', 'https://example.com/avatar.png', `/api/images/view/${ID}/../x`, `/view?id=${ID}`]) {
      assert.equal(imageIdFromUrl(url), undefined, url);
    }
  });
});

describe('bearer values', () => {
  it('when the value is missing, `Bearer null` or not a bearer JWT, then the caller is anonymous', () => {
    for (const value of [undefined, '', 'Bearer null', 'Bearer undefined', 'Bearer ', 'Basic dXNlcjpw', 'null']) {
      assert.deepEqual(credentialOf(value), { kind: 'anonymous' }, String(value));
    }
  });

  it('when the value is a bearer JWT, then the token is kept', () => {
    assert.deepEqual(credentialOf('bearer aaa.bbb.ccc'), { kind: 'jwt', token: 'aaa.bbb.ccc' });
  });
});

describe('bulk delete plan', () => {
  it('when URLs repeat or name no image, then ids are distinct and every entry is counted', () => {
    const plan = planDeleteOrThrow([`/api/proxy/images/view/${ID}`, ID, 'no-image']);
    assert.deepEqual(plan, { ids: [ID], entries: 3 });
  });

  it('when more than 1000 URLs are sent, then the call is refused', () => {
    assert.throws(() => planDeleteOrThrow(Array.from({ length: MAX_DELETE_URLS + 1 }, () => ID)), reason('VALIDATION_FAILED'));
  });
});

describe('idempotent uploads', () => {
  const earlier = { method: 'UploadImage', requestHash: 'h1', imageId: ID };
  it('when the same key comes with the same request, then the first image id is replayed', () => {
    assert.equal(replayOrThrow(earlier, { scope: '1', key: 'k', method: 'UploadImage', requestHash: 'h1' }), ID);
  });

  it('when the same key comes with other bytes or another RPC, then it is refused', () => {
    assert.throws(() => replayOrThrow(earlier, { scope: '1', key: 'k', method: 'UploadImage', requestHash: 'h2' }), reason('IDEMPOTENCY_KEY_REUSED'));
    assert.throws(() => replayOrThrow(earlier, { scope: '1', key: 'k', method: 'UploadProfileImage', requestHash: 'h1' }), reason('IDEMPOTENCY_KEY_REUSED'));
  });

  it('when a key is longer than 200 characters, then it is refused', () => {
    assert.equal(idempotencyKeyOrThrow(''), undefined);
    assert.throws(() => idempotencyKeyOrThrow('k'.repeat(201)), reason('VALIDATION_FAILED'));
  });
});

describe('BMP decoder', () => {
  it('when a 24-bit bottom-up BMP is decoded, then the pixels come out as RGB, top row first', () => {
    const bytes = bmp24(3, 2, [10, 20, 30]);
    bytes[54] = 255; // bottom-left pixel's blue byte (rows are stored bottom-up)
    const raw = decodeBmpOrThrow(bytes, CONTRACT_MAX_INPUT_PIXELS);
    assert.deepEqual([raw.width, raw.height, raw.channels], [3, 2, 3]);
    assert.deepEqual([...raw.pixels.subarray(0, 3)], [10, 20, 30]);
    assert.deepEqual([...raw.pixels.subarray(9, 12)], [10, 20, 255]);
  });

  it('when a black-and-white 1-bit BMP is decoded, then it takes one byte per pixel', () => {
    const raw = decodeBmpOrThrow(bmp1(8, 1), CONTRACT_MAX_INPUT_PIXELS);
    assert.equal(raw.channels, 1);
    assert.deepEqual([...raw.pixels], [255, 0, 255, 0, 255, 0, 255, 0]);
  });

  it('when a BMP is truncated or RLE-compressed, then it is corrupted', () => {
    const bytes = bmp24(4, 4);
    assert.throws(() => decodeBmpOrThrow(bytes.subarray(0, 60), CONTRACT_MAX_INPUT_PIXELS), reason('CORRUPTED_IMAGE'));
    assert.throws(() => decodeBmpOrThrow(bytes.subarray(0, 20), CONTRACT_MAX_INPUT_PIXELS), reason('CORRUPTED_IMAGE'));
    const rle = Buffer.from(bytes);
    rle.writeUInt16LE(8, 28);
    rle.writeUInt32LE(1, 30);
    assert.throws(() => decodeBmpOrThrow(rle, CONTRACT_MAX_INPUT_PIXELS), reason('CORRUPTED_IMAGE'));
  });

  it('when a BMP header claims more than 50 megapixels, then it is too large before any pixel is read', () => {
    const bytes = bmp24(2, 2);
    bytes.writeInt32LE(10_000, 18);
    bytes.writeInt32LE(-6_000, 22);
    assert.throws(() => decodeBmpOrThrow(bytes, CONTRACT_MAX_INPUT_PIXELS), reason('IMAGE_TOO_LARGE'));
    assert.throws(() => readBmpHeaderOrThrow(bytes, CONTRACT_MAX_INPUT_PIXELS), reason('IMAGE_TOO_LARGE'));
  });

  it('when a BMP header is within a configured lower limit, then only pictures over that limit are too large', () => {
    assert.deepEqual(readBmpHeaderOrThrow(bmp24(100, 10), 1000), { width: 100, height: 10 });
    assert.throws(() => readBmpHeaderOrThrow(bmp24(100, 11), 1000), reason('IMAGE_TOO_LARGE'));
    assert.throws(() => readBmpHeaderOrThrow(bmp24(2, 2).subarray(0, 20), 1000), reason('CORRUPTED_IMAGE'));
  });
});
