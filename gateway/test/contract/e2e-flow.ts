// The end-to-end flow over HTTP only, through the edge, against real member-svc, content-svc
// and timeline-svc processes: signup, login, create post, comment, reply, like, follow, follow
// feed, logout, the old token refused with the relogin header, and refresh with the cookie.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataOf, errorOf, refreshCookieOf, signupBody, tokenOf, uniqueHandle } from '../support/http-client.ts';
import type { Stack } from '../support/stack.ts';

type Obj = Record<string, unknown>;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export function endToEndFlow(stack: Stack): void {
  describe('end-to-end flow over HTTP', () => {
    const call = stack.call;
    const writer = uniqueHandle('writer');
    const reader = uniqueHandle('reader');
    const s: { writerId: number; readerId: number; writerToken: string; readerToken: string; writerCookie: string; readerCookie: string; postId: number; commentId: number; replyId: number } = {
      writerId: 0, readerId: 0, writerToken: '', readerToken: '', writerCookie: '', readerCookie: '', postId: 0, commentId: 0, replyId: 0,
    };

    it('when two members sign up and log in, then each gets a token and a refresh cookie', async () => {
      s.writerId = (dataOf(await call('POST', '/api/authentication/signup', { body: signupBody(writer) }), 201) as Obj)['id'] as number;
      s.readerId = (dataOf(await call('POST', '/api/authentication/signup', { body: signupBody(reader) }), 201) as Obj)['id'] as number;
      const w = await call('POST', '/api/authentication/login', { body: { email: `${writer}@example.com`, password: 'Passw0rd!' } });
      s.writerToken = tokenOf(w);
      s.writerCookie = refreshCookieOf(w);
      const r = await call('POST', '/api/authentication/login', { body: { email: `${reader}@example.com`, password: 'Passw0rd!' } });
      s.readerToken = tokenOf(r);
      s.readerCookie = refreshCookieOf(r);
    });

    it('when the writer creates a post, then 201 with the full post: numeric ids, string content, zero counts, ISO date', async () => {
      const post = dataOf(await call('POST', '/api/posts', { token: s.writerToken, body: { content: 'hello dailyfeed' } }), 201) as Obj;
      assert.equal(typeof post['id'], 'number');
      s.postId = post['id'] as number;
      assert.deepEqual([post['content'], post['authorId'], post['likeCount'], post['commentCount']], ['hello dailyfeed', s.writerId, 0, 0]);
      assert.match(String(post['createdAt']), ISO_WITH_OFFSET);
    });

    it('when the reader comments and the writer replies, then both get the full new comment with 201', async () => {
      const comment = dataOf(await call('POST', '/api/comments', { token: s.readerToken, body: { content: 'nice post', postId: s.postId, parentId: null } }), 201) as Obj;
      s.commentId = comment['id'] as number;
      assert.deepEqual([comment['content'], comment['postId'], comment['authorId'], comment['depth']], ['nice post', s.postId, s.readerId, 0]);
      assert.match(String(comment['createdAt']), ISO_WITH_OFFSET);
      const reply = dataOf(await call('POST', '/api/comments/replies', { token: s.writerToken, body: { content: 'thanks', postId: s.postId, parentId: s.commentId } }), 201) as Obj;
      s.replyId = reply['id'] as number;
      assert.deepEqual([reply['parentId'], reply['depth'], reply['authorId']], [s.commentId, 1, s.writerId]);
    });

    it('when the reader likes the post, then data is the like count', async () => {
      assert.equal(dataOf(await call('POST', `/api/posts/${s.postId}/like`, { token: s.readerToken })), 1);
    });

    it('when the reader follows the writer, then 201 true', async () => {
      assert.equal(dataOf(await call('POST', `/api/members/follow/${s.writerId}`, { token: s.readerToken }), 201), true);
    });

    it("when the reader opens the follow feed, then the writer's post is there with its counts and liked flag", async () => {
      const page = dataOf(await call('GET', '/api/timeline/posts/followings?page=0&size=20', { token: s.readerToken })) as { content: Obj[]; hasNext: boolean; page: number; size: number };
      assert.equal(typeof page.hasNext, 'boolean');
      const post = page.content.find((p) => p['id'] === s.postId);
      assert.ok(post, 'the followed writer’s post is in the feed');
      assert.deepEqual([post['content'], post['authorId'], post['authorHandle'], post['likeCount'], post['commentCount'], post['liked']], ['hello dailyfeed', s.writerId, writer, 1, 2, true]);
      assert.match(String(post['createdAt']), ISO_WITH_OFFSET);
    });

    it('when the post, its comments and the replies are read, then the thread is consistent', async () => {
      const detail = dataOf(await call('GET', `/api/timeline/posts/${s.postId}`, { token: s.readerToken })) as Obj;
      assert.deepEqual([detail['id'], detail['liked']], [s.postId, true]);
      const comments = dataOf(await call('GET', `/api/timeline/posts/${s.postId}/comments`, { token: s.readerToken })) as { content: Obj[] };
      assert.deepEqual(comments.content.map((c) => [c['id'], c['replyCount']]), [[s.commentId, 1]]);
      const replies = dataOf(await call('GET', `/api/timeline/comments/${s.commentId}/replies?page=0&size=10`, { token: s.readerToken })) as { content: Obj[] };
      assert.deepEqual(replies.content.map((c) => [c['id'], c['postId']]), [[s.replyId, s.postId]]);
      const comment = dataOf(await call('GET', `/api/timeline/comments/${s.commentId}`, { token: s.readerToken })) as Obj;
      assert.deepEqual([comment['replyCount'], comment['likeCount']], [1, 0]);
    });

    it('when the reader logs out, then the cookie is cleared and the old token is refused with the relogin header', async () => {
      const out = await call('POST', '/api/authentication/logout', { token: s.readerToken, cookie: s.readerCookie });
      assert.equal(dataOf(out), true);
      assert.match(out.headers.get('set-cookie') ?? '', /^refresh_token=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict/);
      for (const path of ['/api/members/profile', '/api/timeline/posts/followings?page=0&size=20']) {
        const refused = await call('GET', path, { token: s.readerToken });
        errorOf(refused, 401);
        assert.equal(refused.headers.get('x-relogin-required'), 'true', path);
      }
      const dead = await call('POST', '/api/token/refresh', { cookie: s.readerCookie });
      errorOf(dead, 401);
      assert.equal(dead.headers.get('x-relogin-required'), 'true');
    });

    it('when the writer refreshes with the cookie, then a new token arrives in Authorization and works', async () => {
      const refreshed = await call('POST', '/api/token/refresh', { cookie: s.writerCookie });
      assert.equal(dataOf(refreshed), true);
      const token = tokenOf(refreshed);
      refreshCookieOf(refreshed);
      const mine = dataOf(await call('GET', '/api/timeline/posts?page=0&size=20', { token })) as { content: Obj[] };
      assert.ok(mine.content.some((p) => p['id'] === s.postId));
    });
  });
}
