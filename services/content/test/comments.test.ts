// Component test: comments and replies — validation per field, the depth limit, parents on the
// same post, the authorization matrix, and deletes that hide a whole reply subtree while keeping
// the maintained counters (posts.comment_count, comments.reply_count) exact.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code } from '../../../test/support/grpc.ts';
import { contentApi, createMember, failsWith, startStack, type ContentApi, type Stack, type TestMember } from './support/helpers.ts';

describe('content-svc comment writes', () => {
  let stack: Stack;
  let api: ContentApi;
  let alice: TestMember;
  let bob: TestMember;

  before(async () => {
    stack = await startStack({ OUTBOX_RELAY_INTERVAL_MS: '0' });
    api = contentApi(stack.client);
    [alice, bob] = await Promise.all([createMember(stack.member.address, 'calice'), createMember(stack.member.address, 'cbob')]);
  });
  after(() => stack.stop());

  const newPost = async () => (await api.createPost({ content: 'a post' }, alice.md())).post?.id ?? '';
  const comment = async (postId: string, parentId?: string, who = bob) =>
    (parentId ? (await api.createReply({ postId, parentId, content: 'reply' }, who.md())).comment : (await api.createComment({ postId, content: 'top' }, who.md())).comment);
  const commentCount = async (postId: string) =>
    (await stack.sql<{ n: string }>(`select comment_count as n from content.posts where id = ?`, [postId]))[0]?.n;
  const commentRow = async (id: string) =>
    (await stack.sql<{ content: string; is_deleted: boolean; reply_count: string }>(`select content, is_deleted, reply_count from content.comments where id = ?`, [id]))[0];

  it('when content, postId or parentId break their rules, then VALIDATION_FAILED lists every failing field', async () => {
    await assert.rejects(api.createComment({ postId: '0', content: '' }, bob.md()), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', ['content', 'postId']));
    await assert.rejects(
      api.createComment({ postId: '1', content: 'y'.repeat(1001) }, bob.md()),
      failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', ['content']),
    );
    await assert.rejects(api.createReply({ postId: '1', content: 'ok' }, bob.md()), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', ['parentId']));
    await assert.rejects(api.updateComment({ commentId: '1', content: ' ' }, bob.md()), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', ['content']));
  });

  it('when a comment is created, then it is depth 0 with the caller as author and the post counts it', async () => {
    const postId = await newPost();
    const created = await comment(postId);
    assert.equal(created?.depth, 0);
    assert.equal(created?.authorId, bob.id);
    assert.equal(created?.postId, postId);
    assert.equal(created?.parentId, undefined);
    assert.equal(created?.replyCount, '0');
    assert.equal(created?.updatedAt, undefined);
    assert.equal(await commentCount(postId), '1');
  });

  it('when replies nest, then depths are 0, 1, 2 and a reply to depth 2 fails COMMENT_DEPTH_LIMIT_EXCEEDS with nothing written', async () => {
    const postId = await newPost();
    const top = await comment(postId);
    const reply = await comment(postId, top?.id);
    const deep = await comment(postId, reply?.id);
    assert.deepEqual([top?.depth, reply?.depth, deep?.depth], [0, 1, 2]);
    assert.equal(reply?.parentId, top?.id);
    await assert.rejects(comment(postId, deep?.id), failsWith(Code.INVALID_ARGUMENT, 'COMMENT_DEPTH_LIMIT_EXCEEDS'));
    assert.equal(await commentCount(postId), '3');
    assert.equal((await commentRow(deep?.id ?? ''))?.reply_count, '0');
    assert.equal((await commentRow(top?.id ?? ''))?.reply_count, '1');
    // CreateComment with parentId is a reply too.
    const viaComment = (await api.createComment({ postId, parentId: top?.id, content: 'also a reply' }, alice.md())).comment;
    assert.equal(viaComment?.depth, 1);
    assert.equal((await commentRow(top?.id ?? ''))?.reply_count, '2');
  });

  it('when the parent is unknown, deleted or on another post, then the reply fails with the matching reason', async () => {
    const postId = await newPost();
    const other = await newPost();
    const top = await comment(postId);
    await assert.rejects(comment(other, top?.id), failsWith(Code.INVALID_ARGUMENT, 'PARENT_COMMENT_POST_ID_NOT_EQUALS'));
    await assert.rejects(comment(postId, '999999999999'), failsWith(Code.NOT_FOUND, 'PARENT_COMMENT_NOT_FOUND'));
    await api.deleteComment(top?.id ?? '', bob.md());
    await assert.rejects(comment(postId, top?.id), failsWith(Code.NOT_FOUND, 'PARENT_COMMENT_NOT_FOUND'));
    await assert.rejects(comment('999999999999'), failsWith(Code.NOT_FOUND, 'POST_NOT_FOUND'));
    assert.equal(await commentCount(other), '0');
  });

  it("when another member edits or deletes a comment, then PERMISSION_DENIED and the comment is unchanged", async () => {
    const postId = await newPost();
    const mine = await comment(postId, undefined, bob);
    const id = mine?.id ?? '';
    await assert.rejects(api.updateComment({ commentId: id, content: 'hijacked' }, alice.md()), failsWith(Code.PERMISSION_DENIED, 'COMMENT_MODIFICATION_PERMISSION_DENIED'));
    await assert.rejects(api.deleteComment(id, alice.md()), failsWith(Code.PERMISSION_DENIED, 'COMMENT_DELETION_PERMISSION_DENIED'));
    const row = await commentRow(id);
    assert.equal(row?.content, 'top');
    assert.equal(row?.is_deleted, false);
    assert.equal(await commentCount(postId), '1');
    const keys = await stack.sql(`select 1 from content.outbox where message_key like ?`, [`%COMMENT%###${id}###${alice.id}%`]);
    assert.equal(keys.length, 0);
  });

  it('when the author edits a comment, then content and updatedAt change', async () => {
    const postId = await newPost();
    const mine = await comment(postId);
    const updated = (await api.updateComment({ commentId: mine?.id ?? '', content: 'edited' }, bob.md())).comment;
    assert.equal(updated?.content, 'edited');
    assert.ok(updated?.updatedAt instanceof Date);
    assert.equal(updated?.depth, 0);
  });

  it('when a comment with replies is deleted, then its whole subtree is hidden and the counters drop by the hidden rows', async () => {
    const postId = await newPost();
    const keep = await comment(postId);
    const top = await comment(postId);
    const r1 = await comment(postId, top?.id);
    const r2 = await comment(postId, top?.id);
    const r11 = await comment(postId, r1?.id, alice); // someone else's reply goes with the thread
    assert.equal(await commentCount(postId), '5');
    // Deleting a reply hides it and its replies, and the parent's reply_count drops by one.
    await api.deleteComment(r1?.id ?? '', bob.md());
    assert.equal((await commentRow(r11?.id ?? ''))?.is_deleted, true);
    assert.equal((await commentRow(top?.id ?? ''))?.reply_count, '1');
    assert.equal(await commentCount(postId), '3');
    assert.deepEqual(await api.deleteComment(top?.id ?? '', bob.md()), { value: true });
    for (const c of [top, r1, r2, r11]) assert.equal((await commentRow(c?.id ?? ''))?.is_deleted, true);
    assert.equal((await commentRow(keep?.id ?? ''))?.is_deleted, false);
    assert.equal(await commentCount(postId), '1');
    await assert.rejects(api.deleteComment(top?.id ?? '', bob.md()), failsWith(Code.NOT_FOUND, 'COMMENT_NOT_FOUND'));
    await assert.rejects(api.updateComment({ commentId: r2?.id ?? '', content: 'x' }, bob.md()), failsWith(Code.NOT_FOUND, 'COMMENT_NOT_FOUND'));
    const deletes = await stack.sql(`select 1 from content.outbox where message_key like ?`, [`%:COMMENT_DELETE###${top?.id}###${bob.id}###%`]);
    assert.equal(deletes.length, 1);
  });
});
