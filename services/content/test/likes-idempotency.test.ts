// Component test: likes (one per member and target, also under concurrency; counters exact;
// unlike without a like is a clear error) and idempotent writes keyed by `idempotency-key`.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { MemberActivityEvent } from '@dailyfeed/gen/events/v1/member_activity';
import { Code } from '../../../test/support/grpc.ts';
import { contentApi, createMember, detailsOf, failsWith, startStack, type ContentApi, type Stack, type TestMember } from './support/helpers.ts';

describe('content-svc likes and idempotent writes', () => {
  let stack: Stack;
  let api: ContentApi;
  let alice: TestMember;
  let bob: TestMember;
  let carol: TestMember;

  before(async () => {
    stack = await startStack({ OUTBOX_RELAY_INTERVAL_MS: '0' });
    api = contentApi(stack.client);
    const address = stack.member.address;
    [alice, bob, carol] = await Promise.all([createMember(address, 'lalice'), createMember(address, 'lbob'), createMember(address, 'lcarol')]);
  });
  after(() => stack.stop());

  const newPost = async () => (await api.createPost({ content: 'likeable' }, alice.md())).post?.id ?? '';
  const count = async (sql: string, id: string) => (await stack.sql<{ n: string }>(sql, [id]))[0]?.n;

  it('when one member likes a post 10 times at once, then exactly one like counts and the rest fail POST_LIKE_ALREADY_EXISTS', async () => {
    const postId = await newPost();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => api.likePost(postId, bob.md())));
    const ok = results.filter((r) => r.status === 'fulfilled');
    assert.equal(ok.length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(failsWith(Code.ALREADY_EXISTS, 'POST_LIKE_ALREADY_EXISTS')(r.reason));
    assert.equal(await count(`select like_count as n from content.posts where id = ?`, postId), '1');
    assert.equal(await count(`select count(*) as n from content.post_likes where post_id = ?`, postId), '1');
  });

  it('when three members like and one unlikes, then each answer is the count after the write and the counter stays exact', async () => {
    const postId = await newPost();
    const counts = await Promise.all([bob, carol, alice].map((m) => api.likePost(postId, m.md())));
    assert.deepEqual(counts.map((c) => c.likeCount).sort(), ['1', '2', '3']);
    assert.deepEqual(await api.unlikePost(postId, carol.md()), { likeCount: '2' });
    await assert.rejects(api.unlikePost(postId, carol.md()), failsWith(Code.NOT_FOUND, 'POST_LIKE_CANCEL_ALREADY_COMMITTED'));
    assert.equal(await count(`select like_count as n from content.posts where id = ?`, postId), '2');
  });

  it('when a member likes, unlikes and likes again, then three events with distinct timestamped keys and the acting member are recorded', async () => {
    const postId = await newPost();
    await api.likePost(postId, bob.md());
    await api.unlikePost(postId, bob.md());
    await api.likePost(postId, bob.md());
    const rows = await stack.sql<{ message_key: string; payload: Buffer }>(
      `select message_key, payload from content.outbox where message_key like ? order by id`,
      [`%###${postId}###${bob.id}###%`],
    );
    assert.equal(rows.length, 3);
    assert.equal(new Set(rows.map((r) => r.message_key)).size, 3);
    assert.match(rows[0]?.message_key ?? '', /:LIKE_POST###\d+###\d+###\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{9}$/);
    assert.match(rows[1]?.message_key ?? '', /:LIKE_CANCEL_POST###/);
    for (const r of rows) assert.equal(MemberActivityEvent.decode(r.payload).memberId, bob.id);
  });

  it('when comments are liked concurrently and unliked, then one like per member counts and the event names the liker, not the comment', async () => {
    const postId = await newPost();
    const commentId = (await api.createComment({ postId, content: 'nice' }, alice.md())).comment?.id ?? '';
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => api.likeComment(commentId, bob.md())));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    for (const r of results) if (r.status === 'rejected') assert.ok(failsWith(Code.ALREADY_EXISTS, 'COMMENT_LIKE_ALREADY_EXISTS')(r.reason));
    assert.deepEqual(await api.likeComment(commentId, carol.md()), { likeCount: '2' });
    assert.deepEqual(await api.unlikeComment(commentId, carol.md()), { likeCount: '1' });
    await assert.rejects(api.unlikeComment(commentId, carol.md()), failsWith(Code.NOT_FOUND, 'COMMENT_LIKE_NOT_FOUND'));
    await assert.rejects(api.likeComment('999999999999', carol.md()), failsWith(Code.NOT_FOUND, 'COMMENT_NOT_FOUND'));
    const [row] = await stack.sql<{ payload: Buffer }>(`select payload from content.outbox where message_key like ?`, [`%:LIKE_COMMENT###${commentId}###${bob.id}###%`]);
    const event = MemberActivityEvent.decode(row?.payload ?? Buffer.alloc(0));
    assert.equal(event.memberId, bob.id);
    assert.equal(event.commentId, commentId);
    assert.equal(event.postId, postId);
  });

  it('when a create is sent twice with the same idempotency key, then one post exists and both answers are the same', async () => {
    const key = randomUUID();
    const content = `idempotent ${key}`;
    const first = await api.createPost({ content }, alice.md(key));
    const second = await api.createPost({ content }, alice.md(key));
    assert.deepEqual(second, first);
    assert.equal(await count(`select count(*) as n from content.posts where content = ?`, content), '1');
    assert.equal(await count(`select count(*) as n from content.outbox where message_key like ?`, `%:POST_CREATE###${first.post?.id}###%`), '1');
  });

  it('when the same key arrives 8 times at once, then all answers carry the same post and only one was written', async () => {
    const key = randomUUID();
    const content = `concurrent ${key}`;
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.createPost({ content }, alice.md(key))));
    assert.equal(new Set(answers.map((a) => a.post?.id)).size, 1);
    assert.equal(await count(`select count(*) as n from content.posts where content = ?`, content), '1');
  });

  it('when a key is reused for another RPC or another request, then IDEMPOTENCY_KEY_REUSED and nothing is written', async () => {
    const key = randomUUID();
    const { post } = await api.createPost({ content: `first ${key}` }, alice.md(key));
    await assert.rejects(api.likePost(post?.id ?? '', alice.md(key)), failsWith(Code.INVALID_ARGUMENT, 'IDEMPOTENCY_KEY_REUSED'));
    await assert.rejects(api.createPost({ content: `second ${key}` }, alice.md(key)), (err) => {
      assert.equal(detailsOf(err).reason, 'IDEMPOTENCY_KEY_REUSED');
      return true;
    });
    assert.equal(await count(`select like_count as n from content.posts where id = ?`, post?.id ?? ''), '0');
    assert.equal(await count(`select count(*) as n from content.posts where content = ?`, `second ${key}`), '0');
  });

  it('when a like is retried with its key, then the retry answers the count instead of POST_LIKE_ALREADY_EXISTS; other members keep their own keys', async () => {
    const postId = await newPost();
    const key = randomUUID();
    assert.deepEqual(await api.likePost(postId, bob.md(key)), { likeCount: '1' });
    assert.deepEqual(await api.likePost(postId, bob.md(key)), { likeCount: '1' });
    // The same key from another member is another write.
    assert.deepEqual(await api.likePost(postId, carol.md(key)), { likeCount: '2' });
  });

  it('when the same like key arrives 8 times at once, then every answer is the one count and one like is written', async () => {
    const postId = await newPost();
    const key = randomUUID();
    // The copies that lose the race find the like already there (POST_LIKE_ALREADY_EXISTS in
    // their own transaction) and answer the first one's stored response instead.
    const answers = await Promise.all(Array.from({ length: 8 }, () => api.likePost(postId, bob.md(key))));
    assert.deepEqual(new Set(answers.map((a) => a.likeCount)), new Set(['1']));
    assert.equal(await count(`select like_count as n from content.posts where id = ?`, postId), '1');
    assert.equal(await count(`select count(*) as n from content.outbox where message_key like ?`, `%:LIKE_POST###${postId}###%`), '1');
  });

  it('when a write with a key fails, then the key is not used up and a corrected retry succeeds', async () => {
    const key = randomUUID();
    await assert.rejects(api.likePost('999999999999', bob.md(key)), failsWith(Code.NOT_FOUND, 'POST_NOT_FOUND'));
    const postId = await newPost();
    assert.deepEqual(await api.likePost(postId, bob.md(key)), { likeCount: '1' });
  });
});
