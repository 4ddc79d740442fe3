// Component tests of the follow feed and the member-scoped feeds (my posts, an author's posts):
// ordering, filtering of deleted posts, page boundaries and has_next, the liked flag, follows
// and unfollows reflected, edits never stale, and the authentication failures.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Post } from '@dailyfeed/gen/timeline/v1/timeline';
import { Code } from '../../../test/support/grpc.ts';
import { startHarness, startTimeline, type Harness, type TestMember } from './support/harness.ts';
import { at, createFixtures, type Fixtures } from './support/fixtures.ts';
import { bearer, failsWith, rpc } from './support/rpc.ts';

const ids = (posts: readonly Post[]): string[] => posts.map((p) => p.id);

describe('timeline-svc follow feed and member feeds', () => {
  let h: Harness;
  let fx: Fixtures;
  let reader: TestMember;
  let bob: TestMember;
  let carol: TestMember;
  let dave: TestMember;
  const base = new Date(Date.now() - 3600_000);
  const posts = {} as Record<'b1' | 'c1' | 'b2' | 'bDeleted' | 'c2' | 'd1' | 'own', string>;

  const feed = (who: TestMember, page = 0, size = 0) => rpc(h.timeline.listFollowingPosts.bind(h.timeline), { page, size }, bearer(who.token));
  const until = async (check: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + 5000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('condition not met within 5 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  before(async () => {
    h = await startHarness();
    fx = createFixtures(h.db, (id, author) => h.publish('POST_CREATE', id, author));
    [reader, bob, carol, dave] = await Promise.all([h.newMember(), h.newMember(), h.newMember(), h.newMember()]);
    await h.follow(reader, bob);
    await h.follow(reader, carol);
    posts.b1 = await fx.post({ authorId: bob.id, content: 'b1', createdAt: at(base, 1) });
    posts.c1 = await fx.post({ authorId: carol.id, content: 'c1', createdAt: at(base, 2) });
    posts.b2 = await fx.post({ authorId: bob.id, content: 'b2', createdAt: at(base, 3) });
    posts.bDeleted = await fx.post({ authorId: bob.id, content: 'gone', createdAt: at(base, 4), deleted: true });
    posts.c2 = await fx.post({ authorId: carol.id, content: 'c2', createdAt: at(base, 5), commentCount: 3 });
    posts.d1 = await fx.post({ authorId: dave.id, content: 'd1', createdAt: at(base, 6) });
    posts.own = await fx.post({ authorId: reader.id, content: 'mine', createdAt: at(base, 7) });
    await fx.likePost(posts.c1, reader.id);
    await fx.likePost(posts.b2, dave.id);
  });
  after(async () => {
    await fx.cleanup();
    await h.stop();
  });

  it('when a member reads the follow feed, then it has the visible posts of the followed members only, newest first', async () => {
    const page = await feed(reader);
    assert.deepEqual(ids(page.content), [posts.c2, posts.b2, posts.c1, posts.b1]);
    assert.equal(page.size, 20);
    assert.equal(page.hasNext, false);
  });

  it('when a page of the follow feed is shown, then each post carries its author, counts and the caller\'s liked flag', async () => {
    const [c2, b2, c1] = (await feed(reader)).content;
    assert.equal(c2?.authorName, carol.displayName);
    assert.equal(c2?.authorHandle, carol.handle);
    assert.equal(c2?.commentCount, '3');
    assert.equal(b2?.likeCount, '1');
    assert.equal(b2?.liked, false, 'liked by someone else, not by the caller');
    assert.equal(c1?.liked, true);
    assert.equal(c1?.content, 'c1');
    assert.equal(c1?.updatedAt, undefined);
  });

  it('when the follow feed is paged, then pages are disjoint, cover everything and has_next is exact', async () => {
    const p0 = await feed(reader, 0, 3);
    const p1 = await feed(reader, 1, 3);
    const p2 = await feed(reader, 2, 3);
    assert.deepEqual([ids(p0.content), p0.hasNext], [[posts.c2, posts.b2, posts.c1], true]);
    assert.deepEqual([ids(p1.content), p1.hasNext], [[posts.b1], false]);
    assert.deepEqual([ids(p2.content), p2.hasNext], [[], false]);
    const exact = await feed(reader, 0, 4);
    assert.equal(exact.hasNext, false, 'a page that ends exactly at the last post has no next');
  });

  it('when a followed member posts, edits or deletes, then the follow feed shows the post (fanned out), the edit and the deletion', async () => {
    const edited = await fx.post({ authorId: bob.id, content: 'before', createdAt: at(base, 8) });
    await until(async () => (await feed(reader)).content[0]?.id === edited);
    assert.equal((await feed(reader)).content[0]?.content, 'before');
    await h.db.query(`update content.posts set content = 'after', updated_at = now() where id = $1`, [edited]);
    const [first] = (await feed(reader)).content;
    assert.equal(first?.content, 'after');
    assert.ok(first?.updatedAt instanceof Date);
    await h.db.query('update content.posts set is_deleted = true, deleted_at = now() where id = $1', [edited]);
    assert.equal((await feed(reader)).content[0]?.id, posts.c2);
  });

  it('when the member follows someone new, then that member\'s posts join the feed; after unfollowing, they leave it', async () => {
    await h.follow(reader, dave);
    await until(async () => ids((await feed(reader)).content).includes(posts.d1));
    assert.deepEqual(ids((await feed(reader)).content), [posts.d1, posts.c2, posts.b2, posts.c1, posts.b1]);
    await h.unfollow(reader, dave);
    await until(async () => !ids((await feed(reader)).content).includes(posts.d1));
  });

  it('when a member follows nobody, then the follow feed is empty', async () => {
    const loner = await h.newMember();
    const page = await feed(loner);
    assert.deepEqual([page.content, page.hasNext], [[], false]);
  });

  it('when a member reads my feed, then it has only their own visible posts, newest first, 10 by default', async () => {
    const author = await h.newMember();
    const mine: string[] = [];
    for (let i = 0; i < 11; i += 1) mine.unshift(await fx.post({ authorId: author.id, content: `m${i}`, createdAt: at(base, 100 + i) }));
    await fx.post({ authorId: author.id, createdAt: at(base, 200), deleted: true });
    const p0 = await rpc(h.timeline.listMyPosts.bind(h.timeline), { page: 0, size: 0 }, bearer(author.token));
    assert.deepEqual([ids(p0.content), p0.size, p0.hasNext], [mine.slice(0, 10), 10, true]);
    const p1 = await rpc(h.timeline.listMyPosts.bind(h.timeline), { page: 1, size: 0 }, bearer(author.token));
    assert.deepEqual([ids(p1.content), p1.hasNext], [mine.slice(10), false]);
  });

  it('when a member reads an author\'s posts, then they come newest first; an unknown author is MEMBER_NOT_FOUND', async () => {
    const page = await rpc(h.timeline.listAuthorPosts.bind(h.timeline), { authorId: bob.id, page: 0, size: 0 }, bearer(reader.token));
    assert.deepEqual(ids(page.content), [posts.b2, posts.b1]);
    await assert.rejects(
      rpc(h.timeline.listAuthorPosts.bind(h.timeline), { authorId: '999999999999', page: 0, size: 0 }, bearer(reader.token)),
      failsWith(Code.NOT_FOUND, 'MEMBER_NOT_FOUND'),
    );
  });

  it("when a member reads an author's posts, then each carries the reader's own liked flag (read with the page)", async () => {
    const byCarol = await rpc(h.timeline.listAuthorPosts.bind(h.timeline), { authorId: carol.id, page: 0, size: 0 }, bearer(reader.token));
    assert.deepEqual(byCarol.content.map((p) => [p.id, p.liked]), [[posts.c2, false], [posts.c1, true]]);
    const byBob = await rpc(h.timeline.listAuthorPosts.bind(h.timeline), { authorId: bob.id, page: 0, size: 0 }, bearer(dave.token));
    assert.deepEqual(byBob.content.map((p) => [p.id, p.liked]), [[posts.b2, true], [posts.b1, false]]);
  });

  it('when size is above 100 or page is negative, then the call fails with VALIDATION_FAILED naming the field', async () => {
    await assert.rejects(feed(reader, 0, 101), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', { field: 'size' }));
    await assert.rejects(feed(reader, -1, 10), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', { field: 'page' }));
    const max = await feed(reader, 0, 100);
    assert.equal(max.size, 100);
  });

  it('when no token is sent, then the call fails with UNAUTHENTICATED / BEARER_TOKEN_MISSING', async () => {
    await assert.rejects(rpc(h.timeline.listFollowingPosts.bind(h.timeline), { page: 0, size: 0 }), failsWith(Code.UNAUTHENTICATED, 'BEARER_TOKEN_MISSING'));
  });

  it('when member-svc refuses the token, then its reason and auth signal pass through', async () => {
    await assert.rejects(feed({ ...reader, token: 'not.a.jwt' }), (err: unknown) => {
      failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN', { auth_signal: 'RELOGIN_REQUIRED' })(err);
      return true;
    });
  });

  it('when a member logs out, then the token no longer reads the feed within 1 s (remembered answers are dropped by the push), and a bad token is refused', async () => {
    const member = await h.newMember();
    await feed(member);
    await feed(member); // remembered
    const loggedOutAt = Date.now();
    await rpc(h.members.logout.bind(h.members), {}, bearer(member.token));
    await until(async () => feed(member).then(() => false, () => true));
    const window = Date.now() - loggedOutAt;
    assert.ok(window <= 1000, `revoked within 1 s (took ${window} ms)`);
    await assert.rejects(feed(member), failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN'));
    await assert.rejects(feed({ ...member, token: 'not.a.jwt' }), failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN'));
  });

  it('when member-svc is out of reach, then the call fails with UNAVAILABLE / MEMBER_API_CONNECTION_ERROR', async () => {
    const { service, client } = await startTimeline('127.0.0.1:1', { MEMBER_DEADLINE_MS: '500' });
    try {
      await assert.rejects(
        rpc(client.listFollowingPosts.bind(client), { page: 0, size: 0 }, bearer(reader.token)),
        failsWith(Code.UNAVAILABLE, 'MEMBER_API_CONNECTION_ERROR'),
      );
    } finally {
      client.close();
      await service.stop();
    }
  });
});
