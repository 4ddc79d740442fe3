// Contract of §1.5 (image-svc) through the edge, over real HTTP, against the shared stack of real service processes.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { dataOf, errorOf, signedUp } from '../support/http-client.ts';
import type { Stack } from '../support/stack.ts';

type Obj = Record<string, unknown>;
/** A valid 1x1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

export function imageContract(stack: Stack): void {
  describe('image-svc contract through the edge (§1.5)', () => {
    const call = stack.call;
    let token = '';
    let imageId = '';
    let claim = '';
    before(async () => {
      token = (await signedUp(call, 'pic')).token;
    });

    it('when a profile image is uploaded as multipart with "Bearer null", then 201 and data is the id string', async () => {
      const form = new FormData();
      form.append('image', new Blob([PNG], { type: 'image/png' }), 'avatar.png');
      const res = await fetch(`${stack.base()}/api/images/upload/profile`, { method: 'POST', headers: { authorization: 'Bearer null' }, body: form });
      const body = (await res.json()) as Obj;
      assert.equal(res.status, 201, JSON.stringify(body));
      assert.equal(typeof body['data'], 'string');
      imageId = body['data'] as string;
      claim = res.headers.get('x-image-claim') ?? '';
      assert.notEqual(claim, '', 'an anonymous upload comes with its claim');
    });

    it('when the image is viewed without a token, then raw PNG bytes with long immutable caching', async () => {
      for (const query of ['', '?thumbnail=true']) {
        const res = await fetch(`${stack.base()}/api/images/view/${imageId}${query}`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^image\//);
        assert.match(res.headers.get('cache-control') ?? '', /public.*immutable/);
        const bytes = Buffer.from(await res.arrayBuffer());
        assert.deepEqual([...bytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
      }
    });

    it('when a post image is uploaded with a token, then 201; an empty upload is 400', async () => {
      const form = new FormData();
      form.append('image', new Blob([PNG], { type: 'image/png' }), 'post.png');
      const res = await fetch(`${stack.base()}/api/images/upload`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      assert.equal(res.status, 201);
      const empty = new FormData();
      empty.append('image', new Blob([], { type: 'image/png' }), 'empty.png');
      const bad = await fetch(`${stack.base()}/api/images/upload`, { method: 'POST', body: empty });
      assert.equal(bad.status, 400);
    });

    it('when proxy-relative URLs are deleted with text/plain JSON, then an anonymous upload survives a member without its claim and goes with it', async () => {
      const urls = [`/api/proxy/images/view/${imageId}`];
      await call('POST', '/api/images/view/command/delete/in', { token, textPlain: true, body: { imageUrls: urls } });
      assert.equal((await fetch(`${stack.base()}/api/images/view/${imageId}`)).status, 200, 'another member cannot delete a signup avatar');
      assert.equal(dataOf(await call('POST', '/api/images/view/command/delete/in', { token, textPlain: true, body: { imageUrls: urls, claims: [claim] } })), true);
      errorOf(await call('GET', `/api/images/view/${imageId}`), 404);
    });
  });
}
