// Component tests of the comment reads: a post's top-level comments oldest first, a comment's
// direct replies oldest first with their real post_id, my comments and a member's comments newest
// first, deleted ones left out everywhere, page boundaries, counts and the liked flag.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Comment } from '@dailyfeed/gen/timeline/v1/timeline';
import { Code } from '../../../test/support/grpc.ts';
import { startHarness, type Harness, type TestMember } from './support/harness.ts';
import { at, createFixtures, type Fixtures } from './support/fixtures.ts';
import { bearer, failsWith, rpc } from './support/rpc.ts';

const ids = (comments: readonly Comment[]): string[] => comments.map((c) => c.id);

describe('timeline-svc comment reads', () => {
  let h: Harness;
  let fx: Fixtures;
  let alice: TestMember;
  let bob: TestMember;
  let post: string;
  const base = new Date(Date.now() - 3600_000);
  const c = {} as Record<'top1' | 'top2' | 'top3' | 'topDeleted' | 'reply1' | 'reply2' | 'replyDeleted' | 'deep', string>;

  before(async () => {
    h = await startHarness();
    fx = createFixtures(h.db);
    [alice, bob] = await Promise.all([h.newMember(), h.newMember()]);
    post = await fx.post({ authorId: alice.id, commentCount: 6 });
    c.top1 = await fx.comment({ postId: post, authorId: alice.id, content: 'first', createdAt: at(base, 1), replyCount: 2 });
    c.top2 = await fx.comment({ postId: post, authorId: bob.id, content: 'second', createdAt: at(base, 2) });
    c.topDeleted = await fx.comment({ postId: post, authorId: bob.id, createdAt: at(base, 3), deleted: true });
    c.top3 = await fx.comment({ postId: post, authorId: alice.id, content: 'third', createdAt: at(base, 4) });
    c.reply1 = await fx.comment({ postId: post, parentId: c.top1, authorId: bob.id, content: 're1', createdAt: at(base, 5), replyCount: 1 });
    c.replyDeleted = await fx.comment({ postId: post, parentId: c.top1, authorId: bob.id, createdAt: at(base, 6), deleted: true });
    c.reply2 = await fx.comment({ postId: post, parentId: c.top1, authorId: alice.id, content: 're2', createdAt: at(base, 7) });
    c.deep = await fx.comment({ postId: post, parentId: c.reply1, depth: 2, authorId: bob.id, content: 'deep', createdAt: at(base, 8) });
    await fx.likeComment(c.top2, alice.id);
  });
  after(async () => {
    await fx.cleanup();
    await h.stop();
  });

  it('when a post\'s comments are read, then only visible top-level comments come, oldest first, with counts and liked', async () => {
    const page = await rpc(h.timeline.listPostComments.bind(h.timeline), { postId: post, page: 0, size: 0 }, bearer(alice.token));
    assert.deepEqual(ids(page.content), [c.top1, c.top2, c.top3]);
    assert.deepEqual([page.size, page.hasNext], [10, false]);
    const [top1, top2] = page.content;
    assert.deepEqual([top1?.replyCount, top1?.depth, top1?.parentId, top1?.postId, top1?.liked], ['2', 0, undefined, post, false]);
    assert.deepEqual([top2?.likeCount, top2?.liked, top2?.authorName, top2?.authorHandle], ['1', true, bob.displayName, bob.handle]);
  });

  it('when a post\'s comments are paged, then has_next tells whether more follow', async () => {
    const p0 = await rpc(h.timeline.listPostComments.bind(h.timeline), { postId: post, page: 0, size: 2 }, bearer(alice.token));
    const p1 = await rpc(h.timeline.listPostComments.bind(h.timeline), { postId: post, page: 1, size: 2 }, bearer(alice.token));
    assert.deepEqual([ids(p0.content), p0.hasNext, ids(p1.content), p1.hasNext], [[c.top1, c.top2], true, [c.top3], false]);
  });

  it('when a comment\'s replies are read, then its visible direct replies come oldest first with the real post_id', async () => {
    const page = await rpc(h.timeline.listCommentReplies.bind(h.timeline), { commentId: c.top1, page: 0, size: 0 }, bearer(bob.token));
    assert.deepEqual(ids(page.content), [c.reply1, c.reply2]);
    for (const reply of page.content) assert.deepEqual([reply.postId, reply.parentId, reply.depth], [post, c.top1, 1]);
    assert.equal(page.content[0]?.replyCount, '1');
    const deeper = await rpc(h.timeline.listCommentReplies.bind(h.timeline), { commentId: c.reply1, page: 0, size: 0 }, bearer(bob.token));
    assert.deepEqual([ids(deeper.content), deeper.content[0]?.postId, deeper.content[0]?.depth], [[c.deep], post, 2]);
  });

  it('when a member reads their own comments, then their visible comments and replies come newest first', async () => {
    const page = await rpc(h.timeline.listMyComments.bind(h.timeline), { page: 0, size: 0 }, bearer(bob.token));
    assert.deepEqual(ids(page.content), [c.deep, c.reply1, c.top2]);
    assert.equal(page.size, 20);
    assert.equal(page.content[2]?.liked, false);
  });

  it('when a member\'s comments are read with a token, then they come newest first with the caller\'s liked flag', async () => {
    const page = await rpc(h.timeline.listMemberComments.bind(h.timeline), { memberId: bob.id, page: 0, size: 2 }, bearer(alice.token));
    assert.deepEqual([ids(page.content), page.hasNext], [[c.deep, c.reply1], true]);
    const next = await rpc(h.timeline.listMemberComments.bind(h.timeline), { memberId: bob.id, page: 1, size: 2 }, bearer(alice.token));
    assert.deepEqual([ids(next.content), next.content[0]?.liked], [[c.top2], true]);
  });

  // The contract lets this RPC run without a caller, but member-svc's GetSummariesByIds currently
  // insists on one (BEARER_TOKEN_MISSING), so authors cannot be resolved for an anonymous call.
  it('when a member\'s comments are read without a token, then they answer with liked unset', async () => {
    const page = await rpc(h.timeline.listMemberComments.bind(h.timeline), { memberId: bob.id, page: 0, size: 0 });
    assert.deepEqual(ids(page.content), [c.deep, c.reply1, c.top2]);
    assert.equal(page.content[0]?.liked, undefined);
  });

  it('when an unknown member\'s comments are read, then the list is empty', async () => {
    const page = await rpc(h.timeline.listMemberComments.bind(h.timeline), { memberId: '999999999999', page: 0, size: 0 }, bearer(alice.token));
    assert.deepEqual([page.content, page.hasNext], [[], false]);
  });

  it('when the post is deleted or the parent comment is deleted, then the lists fail with the not-found reason', async () => {
    const deletedPost = await fx.post({ authorId: alice.id, deleted: true });
    await assert.rejects(
      rpc(h.timeline.listPostComments.bind(h.timeline), { postId: deletedPost, page: 0, size: 0 }, bearer(alice.token)),
      failsWith(Code.NOT_FOUND, 'POST_NOT_FOUND'),
    );
    await assert.rejects(
      rpc(h.timeline.listCommentReplies.bind(h.timeline), { commentId: c.topDeleted, page: 0, size: 0 }, bearer(alice.token)),
      failsWith(Code.NOT_FOUND, 'COMMENT_NOT_FOUND'),
    );
  });
});
