// Component test: post writes through the generated client against real PostgreSQL, Redis,
// Kafka and a real member-svc: authentication, validation per field, the authorization matrix
// (nothing changes on a denied write), deletes, and the outbox row of every write.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { MemberActivityEvent, MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import { Code } from '../../../test/support/grpc.ts';
import { startService } from '../src/app.ts';
import { contentApi, contentConfig, createMember, detailsOf, failsWith, silentLog, startStack, type ContentApi, type Stack, type TestMember } from './support/helpers.ts';
import { ContentServiceClient } from '@dailyfeed/gen/content/v1/content';
import { credentials } from '@grpc/grpc-js';

const TS = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{9}$/;

describe('content-svc post writes', () => {
  let stack: Stack;
  let api: ContentApi;
  let alice: TestMember;
  let bob: TestMember;

  before(async () => {
    stack = await startStack({ OUTBOX_RELAY_INTERVAL_MS: '0' });
    api = contentApi(stack.client);
    [alice, bob] = await Promise.all([createMember(stack.member.address, 'alice'), createMember(stack.member.address, 'bob')]);
  });
  after(() => stack.stop());

  const postRow = async (id: string) =>
    (await stack.sql<{ content: string; is_deleted: boolean; updated_at: Date | null }>(`select content, is_deleted, updated_at from content.posts where id = ?`, [id]))[0];
  const outboxKeys = async (like: string) =>
    (await stack.sql<{ message_key: string }>(`select message_key from content.outbox where message_key like ? order by id`, [like])).map((r) => r.message_key);

  it('when no bearer token is sent, then the write fails UNAUTHENTICATED / BEARER_TOKEN_MISSING with the relogin signal', async () => {
    await assert.rejects(api.createPost({ content: 'hello' }), (err) => {
      failsWith(Code.UNAUTHENTICATED, 'BEARER_TOKEN_MISSING')(err);
      assert.equal(detailsOf(err).metadata.auth_signal, 'RELOGIN_REQUIRED');
      return true;
    });
  });

  it("when the token is not one member-svc issued, then member-svc's UNAUTHENTICATED reason and auth signal are passed on", async () => {
    const md = new Metadata();
    md.set('authorization', 'Bearer not.a.jwt');
    await assert.rejects(api.createPost({ content: 'hello' }, md), (err) => {
      const d = detailsOf(err);
      assert.equal(d.code, Code.UNAUTHENTICATED);
      assert.ok(d.reason && d.reason !== 'INTERNAL_ERROR', `reason ${d.reason}`);
      assert.equal(d.metadata.auth_signal, 'RELOGIN_REQUIRED');
      return true;
    });
  });

  it('when member-svc cannot be reached, then the write fails UNAVAILABLE / MEMBER_API_CONNECTION_ERROR', async () => {
    const lonely = await startService(contentConfig('127.0.0.1:1', { OUTBOX_RELAY_INTERVAL_MS: '0' }), silentLog);
    const client = new ContentServiceClient(`127.0.0.1:${lonely.grpcPort}`, credentials.createInsecure());
    try {
      await assert.rejects(contentApi(client).createPost({ content: 'hello' }, alice.md()), failsWith(Code.UNAVAILABLE, 'MEMBER_API_CONNECTION_ERROR'));
    } finally {
      client.close();
      await lonely.stop();
    }
  });

  it('when content is blank or longer than 5000 characters, then VALIDATION_FAILED names the field `content`', async () => {
    await assert.rejects(api.createPost({ content: '   ' }, alice.md()), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', ['content']));
    await assert.rejects(api.createPost({ content: 'x'.repeat(5001) }, alice.md()), (err) => {
      failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', ['content'])(err);
      assert.equal(detailsOf(err).metadata.rule, 'max_length');
      return true;
    });
    await assert.rejects(api.updatePost({ postId: '0', content: '' }, alice.md()), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', ['postId', 'content']));
    await assert.rejects(api.likePost('-5', alice.md()), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', ['postId']));
  });

  it('when content is exactly 5000 code points (astral characters included), then the post is created with the caller as author', async () => {
    const content = '😀'.repeat(5000);
    const { post } = await api.createPost({ content, title: 'ignored' }, alice.md());
    assert.ok(post);
    assert.equal(post.content, content);
    assert.equal(post.title, '');
    assert.equal(post.authorId, alice.id);
    assert.equal(post.authorHandle, alice.handle);
    assert.equal(post.likeCount, '0');
    assert.equal(post.commentCount, '0');
    assert.equal(post.liked, false);
    assert.ok(post.createdAt instanceof Date);
    assert.equal(post.updatedAt, undefined);
    assert.deepEqual(await outboxKeys(`%:POST_CREATE###${post.id}###%`), [`member_activity:kafka_event:POST_CREATE###${post.id}###${alice.id}`]);
  });

  it("when another member edits or deletes a post, then PERMISSION_DENIED and the post is unchanged with no event", async () => {
    const { post } = await api.createPost({ content: 'mine' }, alice.md());
    const id = post?.id ?? '';
    await assert.rejects(api.updatePost({ postId: id, content: 'hijacked' }, bob.md()), failsWith(Code.PERMISSION_DENIED, 'POST_UPDATE_FORBIDDEN'));
    await assert.rejects(api.deletePost(id, bob.md()), failsWith(Code.PERMISSION_DENIED, 'POST_DELETE_FORBIDDEN'));
    const row = await postRow(id);
    assert.equal(row?.content, 'mine');
    assert.equal(row?.is_deleted, false);
    assert.equal(row?.updated_at, null);
    assert.deepEqual(await outboxKeys(`%###${id}###${bob.id}%`), []);
  });

  it('when the author edits a post, then the content and updatedAt change and POST_UPDATE carries the new text and a timestamped key', async () => {
    const { post } = await api.createPost({ content: 'draft' }, alice.md());
    const id = post?.id ?? '';
    const updated = (await api.updatePost({ postId: id, content: 'final' }, alice.md())).post;
    assert.equal(updated?.content, 'final');
    assert.ok(updated?.updatedAt instanceof Date);
    const rows = await stack.sql<{ message_key: string; topic: string; payload: Buffer }>(
      `select message_key, topic, payload from content.outbox where message_key like ?`,
      [`%:POST_UPDATE###${id}###${alice.id}###%`],
    );
    assert.equal(rows.length, 1);
    const [prefix, ts] = rows[0]?.message_key.split(`###${alice.id}###`) ?? [];
    assert.equal(prefix, `member_activity:kafka_event:POST_UPDATE###${id}`);
    assert.match(ts ?? '', TS);
    const event = MemberActivityEvent.decode(rows[0]?.payload ?? Buffer.alloc(0));
    assert.equal(event.type, MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_UPDATE);
    assert.equal(event.memberId, alice.id);
    assert.equal(event.content, 'final');
    assert.equal(event.messageKey, rows[0]?.message_key);
    assert.match(rows[0]?.topic ?? '', /^member-activity-\d{8}$/);
  });

  it('when a post is deleted, then it answers true once, POST_ALREADY_DELETED after, and POST_NOT_FOUND for edits, likes and comments', async () => {
    const { post } = await api.createPost({ content: 'short-lived' }, alice.md());
    const id = post?.id ?? '';
    assert.deepEqual(await api.deletePost(id, alice.md()), { value: true });
    assert.equal((await postRow(id))?.is_deleted, true);
    await assert.rejects(api.deletePost(id, alice.md()), failsWith(Code.NOT_FOUND, 'POST_ALREADY_DELETED'));
    await assert.rejects(api.updatePost({ postId: id, content: 'again' }, alice.md()), failsWith(Code.NOT_FOUND, 'POST_NOT_FOUND'));
    await assert.rejects(api.likePost(id, bob.md()), failsWith(Code.NOT_FOUND, 'POST_NOT_FOUND'));
    await assert.rejects(api.createComment({ postId: id, content: 'late' }, bob.md()), failsWith(Code.NOT_FOUND, 'POST_NOT_FOUND'));
    await assert.rejects(api.deletePost('999999999999', alice.md()), failsWith(Code.NOT_FOUND, 'POST_NOT_FOUND'));
  });
});
