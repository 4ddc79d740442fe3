// Contract of §1.6 (search-svc) through the edge, over real HTTP, against the shared stack of real service processes.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { dataOf, errorOf, eventually, signedUp } from '../support/http-client.ts';
import type { Stack } from '../support/stack.ts';

type Obj = Record<string, unknown>;

export function searchContract(stack: Stack): void {
  describe('search-svc contract through the edge (§1.6)', () => {
    const call = stack.call;
    let author = { id: 0, token: '' };
    let postId = 0;
    const word = `zebra${Date.now().toString(36)}`;
    before(async () => {
      author = await signedUp(call, 'seeker');
      postId = (dataOf(await call('POST', '/api/posts', { token: author.token, body: { content: `hello ${word} world` } }), 201) as Obj)['id'] as number;
    });

    it('when posts are searched with + for spaces and a trailing slash, then a full page that finds the post', async () => {
      const found = await eventually(async () => {
        const data = dataOf(await call('GET', `/api/search/posts/?keyword=${word}+world&page=0&size=20`, { token: author.token })) as { content: Obj[] };
        return data.content.find((p) => p['id'] === postId);
      }, 20_000);
      assert.ok(found, 'the indexed post is found');
      assert.deepEqual([found['authorId'], typeof found['likeCount'], typeof found['createdAt']], [author.id, 'number', 'string']);
      const page = dataOf(await call('GET', `/api/search/posts?keyword=${word}`)) as Obj;
      for (const key of ['content', 'page', 'size', 'totalElements', 'totalPages', 'first', 'last', 'hasNext', 'hasPrevious']) assert.ok(key in page, key);
    });

    it('when counts are asked in bulk, then data is the bare array of counts', async () => {
      const likes = dataOf(await call('POST', '/api/search/posts/like/query/count/in', { body: { postIds: [postId] } })) as Obj[];
      assert.deepEqual(likes, [{ postId, likeCount: 0 }]);
      const comments = dataOf(await call('POST', '/api/search/posts/comments/query/count/in', { body: { postIds: [postId] } })) as Obj[];
      assert.deepEqual(comments, [{ postId, commentCount: 0 }]);
      const followers = dataOf(await call('POST', '/api/search/follow/following/query/count/in', { body: { toMemberIds: [author.id] } })) as Obj[];
      assert.deepEqual(followers, [{ toMemberId: author.id, followingCount: 0 }]);
      assert.ok(Array.isArray(dataOf(await call('POST', '/api/search/comments/like/query/count/in', { body: { commentIds: [] } }))));
    });

    it('when comments are searched or listed by post, then full pages answer', async () => {
      for (const path of [`/api/search/comments?keyword=${word}`, `/api/search/comments/posts/${postId}`]) {
        const page = dataOf(await call('GET', path)) as Obj;
        assert.ok(Array.isArray(page['content']) && typeof page['totalElements'] === 'number', path);
      }
      errorOf(await call('GET', '/api/search/posts?keyword='), 400);
    });
  });
}
