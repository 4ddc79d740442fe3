// Idempotency-Key through the edge against the real services: a write the client (or the ingress,
// which retries requests carrying the header) repeats with the same key is applied once, and a
// malformed key is refused before anything is written.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { dataOf, errorOf, signedUp } from '../support/http-client.ts';
import type { Stack } from '../support/stack.ts';

type Obj = Record<string, unknown>;

export function idempotencyContract(stack: Stack): void {
  describe('Idempotency-Key through the edge', () => {
    const call = stack.call;
    let author = { id: 0, token: '' };
    before(async () => {
      author = await signedUp(call, 'idem');
    });

    const myPostCount = async (): Promise<number> => {
      const page = dataOf(await call('GET', `/api/timeline/posts/authors/${author.id}?page=0&size=50`, { token: author.token })) as { content: Obj[] };
      return page.content.length;
    };

    it('when a post is sent twice with the same Idempotency-Key, then one post exists and both answers name it', async () => {
      const key = `retry-${Date.now().toString(36)}`;
      const first = dataOf(await call('POST', '/api/posts', { token: author.token, headers: { 'idempotency-key': key }, body: { content: 'once only' } }), 201) as Obj;
      const again = dataOf(await call('POST', '/api/posts', { token: author.token, headers: { 'idempotency-key': key }, body: { content: 'once only' } }), 201) as Obj;
      assert.equal(again['id'], first['id']);
      assert.equal(await myPostCount(), 1);
    });

    it('when the Idempotency-Key is too long or not visible ASCII, then 400 naming it and nothing is written', async () => {
      const before = await myPostCount();
      for (const key of ['x'.repeat(201), 'a b']) {
        const message = errorOf(await call('POST', '/api/posts', { token: author.token, headers: { 'idempotency-key': key }, body: { content: 'never' } }), 400);
        assert.match(message, /^Idempotency-Key: /);
      }
      assert.equal(await myPostCount(), before);
    });
  });
}
