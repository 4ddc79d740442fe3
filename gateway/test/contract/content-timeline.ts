// Contract of §1.2 (content-svc writes) and §1.3 (timeline-svc reads) through the edge, over real
// HTTP, against real member-svc, content-svc and timeline-svc processes: every endpoint the
// e2e flow does not already walk, with statuses, envelopes and the field types the frontend reads.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { dataOf, errorOf, signupBody, tokenOf, uniqueHandle } from '../support/http-client.ts';
import type { Stack } from '../support/stack.ts';

type Obj = Record<string, unknown>;
type Scroll = { content: Obj[]; page: number; size: number; hasNext: boolean };

function assertScroll(data: unknown): Scroll {
  const page = data as Scroll;
  assert.ok(Array.isArray(page.content));
  assert.deepEqual([typeof page.page, typeof page.size, typeof page.hasNext], ['number', 'number', 'boolean']);
  return page;
}

export function contentTimelineContract(stack: Stack): void {
  describe('content-svc and timeline-svc contract through the edge (§1.2, §1.3)', () => {
    const call = stack.call;
    let token = '';
    let otherToken = '';
    let memberId = 0;
    let postId = 0;
    let commentId = 0;

    before(async () => {
      const me = uniqueHandle('author');
      const other = uniqueHandle('other');
      memberId = (dataOf(await call('POST', '/api/authentication/signup', { body: signupBody(me) }), 201) as Obj)['id'] as number;
      dataOf(await call('POST', '/api/authentication/signup', { body: signupBody(other) }), 201);
      token = tokenOf(await call('POST', '/api/authentication/login', { body: { email: `${me}@example.com`, password: 'Passw0rd!' } }));
      otherToken = tokenOf(await call('POST', '/api/authentication/login', { body: { email: `${other}@example.com`, password: 'Passw0rd!' } }));
    });

    it('when a post is created and edited, then PUT returns the updated post; a stranger gets 403', async () => {
      postId = (dataOf(await call('POST', '/api/posts', { token, body: { content: 'first words' } }), 201) as Obj)['id'] as number;
      const updated = dataOf(await call('PUT', `/api/posts/${postId}`, { token, body: { content: 'second words' } })) as Obj;
      assert.deepEqual([updated['id'], updated['content']], [postId, 'second words']);
      errorOf(await call('PUT', `/api/posts/${postId}`, { token: otherToken, body: { content: 'not mine' } }), 403);
      errorOf(await call('POST', '/api/posts', { token, body: { content: '' } }), 400);
      errorOf(await call('POST', '/api/posts', { body: { content: 'anonymous' } }), 401);
    });

    it('when a post is liked and unliked, then data is the count each time', async () => {
      assert.equal(dataOf(await call('POST', `/api/posts/${postId}/like`, { token: otherToken })), 1);
      assert.equal(dataOf(await call('DELETE', `/api/posts/${postId}/like`, { token: otherToken })), 0);
    });

    it('when a comment is created, edited, liked and unliked, then each answer has the right status and data', async () => {
      commentId = (dataOf(await call('POST', '/api/comments', { token, body: { content: 'a comment', postId, parentId: null } }), 201) as Obj)['id'] as number;
      const edited = dataOf(await call('PUT', `/api/comments/${commentId}`, { token, body: { content: 'an edited comment' } })) as Obj;
      assert.equal(edited['content'], 'an edited comment');
      assert.equal(typeof edited['updatedAt'], 'string');
      assert.equal(dataOf(await call('POST', `/api/comments/${commentId}/like`, { token: otherToken }), 201), 1);
      assert.equal(dataOf(await call('DELETE', `/api/comments/${commentId}/like`, { token: otherToken })), 0);
      errorOf(await call('PUT', `/api/comments/${commentId}`, { token: otherToken, body: { content: 'not mine' } }), 403);
    });

    it('when the timeline lists are read, then each is a scroll page of posts or comments', async () => {
      for (const path of ['/api/timeline/posts/most-popular?page=0&size=20', '/api/timeline/posts/most-commented?page=0&size=20', '/api/timeline/posts/recent-activities?page=0&size=20', '/api/timeline/posts?page=0&size=20', `/api/timeline/posts/authors/${memberId}`, '/api/timeline/comments', `/api/timeline/members/${memberId}/comments`]) {
        assertScroll(dataOf(await call('GET', path, { token })));
      }
      const mine = assertScroll(dataOf(await call('GET', '/api/timeline/posts?page=0&size=20', { token })));
      assert.ok(mine.content.some((p) => p['id'] === postId));
      const myComments = assertScroll(dataOf(await call('GET', '/api/timeline/comments', { token })));
      assert.ok(myComments.content.some((c) => c['id'] === commentId));
    });

    it('when posts are fetched by ids, by date range and for statistics, then the shapes match the contract', async () => {
      const listed = dataOf(await call('POST', '/api/timeline/posts/query/list', { token, body: { ids: [postId] } })) as Obj[];
      assert.deepEqual(listed.map((p) => p['id']), [postId]);
      const from = new Date(Date.now() - 3600_000).toISOString();
      const to = new Date(Date.now() + 3600_000).toISOString();
      const range = dataOf(await call('GET', `/api/timeline/posts/date-range?startDate=${from}&endDate=${to}&page=0&size=20`, { token })) as Obj;
      for (const key of ['content', 'totalElements', 'totalPages', 'first', 'last', 'hasNext', 'hasPrevious']) assert.ok(key in range, key);
      const stats = dataOf(await call('GET', `/api/timeline/statistics/posts/${postId}`)) as Obj;
      assert.deepEqual([typeof stats['commentCount'], typeof stats['likeCount']], ['number', 'number']);
    });

    it('when the comment and then the post are deleted, then data is true and reads answer 404', async () => {
      assert.equal(dataOf(await call('DELETE', `/api/comments/${commentId}`, { token })), true);
      errorOf(await call('GET', `/api/timeline/comments/${commentId}`, { token }), 404);
      assert.equal(dataOf(await call('DELETE', `/api/posts/${postId}`, { token })), true);
      errorOf(await call('GET', `/api/timeline/posts/${postId}`, { token }), 404);
      errorOf(await call('DELETE', `/api/posts/${postId}`, { token }), 404);
    });
  });
}
