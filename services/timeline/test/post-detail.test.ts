// Component tests of post and comment detail: a read by anyone but the author counts one view in
// Redis (never a synchronous write of the primary), the reader sees their view at once, the
// author's own read counts nothing, content's batch flush makes the column converge, POST_READ
// and COMMENT_READ reach Kafka with the original's key, and a Kafka outage never fails a read.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import { Code } from '../../../test/support/grpc.ts';
import { activityTopic } from '../src/domain/activity-event.ts';
import { PENDING_VIEWS_KEY } from '../src/adapters/view-counter.ts';
import { startHarness, startTimeline, timelineConfig, type Harness, type TestMember } from './support/harness.ts';
import { createFixtures, type Fixtures } from './support/fixtures.ts';
import { waitForEvent } from './support/kafka-events.ts';
import { bearer, failsWith, rpc } from './support/rpc.ts';

describe('timeline-svc post and comment detail', () => {
  let h: Harness;
  let fx: Fixtures;
  let author: TestMember;
  let reader: TestMember;

  const getPost = (who: TestMember, postId: string) => rpc(h.timeline.getPost.bind(h.timeline), { postId }, bearer(who.token));
  const column = async (postId: string): Promise<string> =>
    (await h.db.query<{ v: string }>('select view_count as v from content.posts where id = $1', [postId])).rows[0]!.v;
  const pending = (postId: string) => h.redis.hget(PENDING_VIEWS_KEY, postId);
  /** content-svc's flush, for these posts only (the hash is shared with other test runs). */
  const flush = async (postIds: readonly string[]): Promise<void> => {
    for (const id of postIds) {
      const n = Number((await pending(id)) ?? 0);
      if (n === 0) continue;
      await h.db.query('update content.posts set view_count = view_count + $2 where id = $1', [id, n]);
      if ((await h.redis.hincrby(PENDING_VIEWS_KEY, id, -n)) === 0) await h.redis.hdel(PENDING_VIEWS_KEY, id);
    }
  };

  before(async () => {
    h = await startHarness();
    fx = createFixtures(h.db);
    [author, reader] = await Promise.all([h.newMember(), h.newMember()]);
  });
  after(async () => {
    // Views of removed posts must not wait in the shared hash for content's flusher.
    if (fx.postIds().length > 0) await h.redis.hdel(PENDING_VIEWS_KEY, ...fx.postIds());
    await fx.cleanup();
    await h.stop();
  });

  it('when another member reads a post, then one view is counted in Redis, shown at once, and the column is not written', async () => {
    const post = await fx.post({ authorId: author.id, viewCount: 5, likeCount: 2 });
    await fx.likePost(post, reader.id);
    const first = await getPost(reader, post);
    assert.deepEqual([first.post?.viewCount, first.post?.likeCount, first.post?.liked, first.post?.authorName], ['6', '3', true, author.displayName]);
    const second = await getPost(reader, post);
    assert.equal(second.post?.viewCount, '7');
    assert.equal(await pending(post), '2');
    assert.equal(await column(post), '5', 'a read never writes the primary synchronously');
  });

  it('when the author reads their own post, then no view is counted', async () => {
    const post = await fx.post({ authorId: author.id, viewCount: 1 });
    const own = await getPost(author, post);
    assert.equal(own.post?.viewCount, '1');
    assert.equal(await pending(post), null);
    assert.equal(own.post?.liked, false);
  });

  it('when content-svc flushes the pending views, then the column converges and readers see the same count', async () => {
    const post = await fx.post({ authorId: author.id });
    await getPost(reader, post);
    await getPost(reader, post);
    await getPost(author, post);
    await flush([post]);
    assert.equal(await column(post), '2');
    assert.equal(await pending(post), null);
    assert.equal((await getPost(author, post)).post?.viewCount, '2');
    assert.equal((await getPost(reader, post)).post?.viewCount, '3');
  });

  it('when a post is read by another member, then POST_READ reaches today\'s topic with the original key', async () => {
    const post = await fx.post({ authorId: author.id });
    await getPost(reader, post);
    await h.service.flushEvents();
    const prefix = `member_activity:kafka_event:POST_READ###${post}###${reader.id}###`;
    const seen = await waitForEvent(timelineConfig().KAFKA_BROKERS, activityTopic(new Date()), (key) => key.startsWith(prefix));
    assert.match(seen.key.slice(prefix.length), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{9}$/);
    assert.deepEqual(
      [seen.event.messageKey, seen.event.type, seen.event.memberId, seen.event.postId, seen.event.commentId],
      [seen.key, MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_READ, reader.id, post, undefined],
    );
  });

  it('when a comment is read, then it answers in detail and COMMENT_READ carries the comment and its post', async () => {
    const post = await fx.post({ authorId: author.id });
    const comment = await fx.comment({ postId: post, authorId: author.id, content: 'hello', replyCount: 1, likeCount: 1 });
    await fx.likeComment(comment, reader.id);
    const { comment: shown } = await rpc(h.timeline.getComment.bind(h.timeline), { commentId: comment }, bearer(reader.token));
    assert.deepEqual(
      [shown?.id, shown?.postId, shown?.parentId, shown?.content, shown?.likeCount, shown?.replyCount, shown?.liked, shown?.authorHandle],
      [comment, post, undefined, 'hello', '2', '1', true, author.handle],
    );
    await h.service.flushEvents();
    const prefix = `member_activity:kafka_event:COMMENT_READ###${comment}###${reader.id}###`;
    const seen = await waitForEvent(timelineConfig().KAFKA_BROKERS, activityTopic(new Date()), (key) => key.startsWith(prefix));
    assert.deepEqual([seen.event.type, seen.event.postId, seen.event.commentId], [MemberActivityType.MEMBER_ACTIVITY_TYPE_COMMENT_READ, post, comment]);
  });

  it('when Kafka is down, then post and comment reads still answer and the view is still counted', async () => {
    const { service, client } = await startTimeline(h.member.address, { KAFKA_BROKERS: '127.0.0.1:1' });
    try {
      const post = await fx.post({ authorId: author.id });
      const comment = await fx.comment({ postId: post, authorId: author.id });
      const res = await rpc(client.getPost.bind(client), { postId: post }, bearer(reader.token));
      assert.equal(res.post?.viewCount, '1');
      await rpc(client.getComment.bind(client), { commentId: comment }, bearer(reader.token));
      await service.flushEvents();
      assert.equal(await pending(post), '1');
    } finally {
      client.close();
      await service.stop();
    }
  });

  it('when the post is unknown or deleted, then the read fails with NOT_FOUND / POST_NOT_FOUND and counts nothing', async () => {
    const gone = await fx.post({ authorId: author.id, deleted: true });
    await assert.rejects(getPost(reader, gone), failsWith(Code.NOT_FOUND, 'POST_NOT_FOUND'));
    await assert.rejects(getPost(reader, '999999999999'), failsWith(Code.NOT_FOUND, 'POST_NOT_FOUND'));
    assert.equal(await pending(gone), null);
  });

  it('when the comment is unknown or deleted, then the read fails with NOT_FOUND / COMMENT_NOT_FOUND', async () => {
    const post = await fx.post({ authorId: author.id });
    const gone = await fx.comment({ postId: post, authorId: author.id, deleted: true });
    await assert.rejects(rpc(h.timeline.getComment.bind(h.timeline), { commentId: gone }, bearer(reader.token)), failsWith(Code.NOT_FOUND, 'COMMENT_NOT_FOUND'));
  });
});
