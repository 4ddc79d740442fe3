// Component tests of the stored follow feed (fan-out on write, pull-and-merge for heavy authors):
// real Kafka events fanned out into Redis, heavy authors merged at read, the cap with deep pages
// from PostgreSQL, stale ids repaired on read, ties ordered as the database orders them,
// redelivered events, and Redis out of reach. FEED_CAP is 40 and FANOUT_HEAVY_FOLLOWERS 3 here.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Post } from '@dailyfeed/gen/timeline/v1/timeline';
import { startHarness, startTimeline, type Harness, type TestMember } from './support/harness.ts';
import { at, createFixtures, type Fixtures } from './support/fixtures.ts';
import { bearer, rpc } from './support/rpc.ts';

const ids = (posts: readonly Post[]): string[] => posts.map((p) => p.id);
const padded = (id: string): string => id.padStart(19, '0');

describe('timeline-svc stored follow feed', () => {
  let h: Harness;
  let fx: Fixtures;
  const base = new Date(Date.now() - 7200_000);

  const feed = (who: TestMember, page = 0, size = 0) => rpc(h.timeline.listFollowingPosts.bind(h.timeline), { page, size }, bearer(who.token));
  const until = async (what: string, check: () => Promise<boolean>): Promise<void> => {
    const deadline = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what}: not within 15 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const metric = async (name: string, labels: string): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${h.service.metricsPort}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return line === undefined ? 0 : Number(line.split(' ').pop());
  };

  before(async () => {
    h = await startHarness({ FEED_CAP: '40', FANOUT_HEAVY_FOLLOWERS: '3' });
    fx = createFixtures(h.db, (id, author) => h.publish('POST_CREATE', id, author));
  });
  after(async () => {
    await fx.cleanup();
    await h.stop();
  });

  it('when a followed author posts, then the post is added to the stored feeds of their followers only, once even if the event comes twice', async () => {
    const [reader, other, author] = await Promise.all([h.newMember(), h.newMember(), h.newMember()]);
    await h.follow(reader, author);
    const old = await fx.post({ authorId: author.id, createdAt: at(base, 1) });
    assert.equal((await feed(reader)).content.length, 1, 'first read builds the feed from PostgreSQL');
    assert.deepEqual((await feed(other)).content, []);
    const fresh = await fx.post({ authorId: author.id, content: 'fanned out' });
    await until('fanned out', async () => (await h.redis.zscore(`timeline:feed:{${reader.id}}`, padded(fresh))) !== null);
    assert.equal(await h.redis.zscore(`timeline:feed:{${other.id}}`, padded(fresh)), null);
    await h.publish('POST_CREATE', fresh, author.id);
    await h.publish('POST_CREATE', fresh, author.id);
    const page = await feed(reader);
    assert.deepEqual(ids(page.content), [fresh, old]);
    assert.equal(await h.redis.zcard(`timeline:feed:{${reader.id}}`), 2, 'redelivered events add nothing');
  });

  it('when a member follows an author after their feed was stored, then the next read joins the author\'s readers and later posts are fanned out to it', async () => {
    const [reader, first, later] = await Promise.all([h.newMember(), h.newMember(), h.newMember()]);
    await h.follow(reader, first);
    const p1 = await fx.post({ authorId: first.id, createdAt: at(base, 1) });
    assert.deepEqual(ids((await feed(reader)).content), [p1]);
    assert.equal(await h.redis.zscore(`timeline:readers:{${later.id}}`, reader.id), null, 'not a reader of an author not followed');
    await h.follow(reader, later);
    const p2 = await fx.post({ authorId: later.id, createdAt: at(base, 2) });
    await until('rebuilt with the new following list', async () => ids((await feed(reader)).content).length === 2);
    assert.notEqual(await h.redis.zscore(`timeline:readers:{${later.id}}`, reader.id), null, 'the rebuild joined the readers');
    const p3 = await fx.post({ authorId: later.id, content: 'after the follow' });
    await until('fanned out', async () => (await h.redis.zscore(`timeline:feed:{${reader.id}}`, padded(p3))) !== null);
    assert.deepEqual(ids((await feed(reader)).content), [p3, p2, p1]);
  });

  it('when an author posts, then only followers with a stored feed are written to: a follower who never read gets no list', async () => {
    const [reader, idle, author] = await Promise.all([h.newMember(), h.newMember(), h.newMember()]);
    await h.follow(reader, author);
    await h.follow(idle, author);
    assert.deepEqual((await feed(reader)).content, []);
    const p = await fx.post({ authorId: author.id, content: 'to readers' });
    await until('fanned out', async () => (await h.redis.zscore(`timeline:feed:{${reader.id}}`, padded(p))) !== null);
    assert.deepEqual(await h.redis.zrange(`timeline:readers:{${author.id}}`, 0, -1), [reader.id]);
    assert.equal(await h.redis.exists(`timeline:feed:{${idle.id}}`), 0);
    assert.deepEqual(ids((await feed(idle)).content), [p], 'the idle follower\'s first read builds the feed from PostgreSQL');
  });

  it('when an author deletes a post, then POST_DELETE removes it from the stored feeds', async () => {
    const [reader, author] = await Promise.all([h.newMember(), h.newMember()]);
    await h.follow(reader, author);
    const kept = await fx.post({ authorId: author.id, createdAt: at(base, 1) });
    const gone = await fx.post({ authorId: author.id, createdAt: at(base, 2) });
    assert.deepEqual(ids((await feed(reader)).content), [gone, kept]);
    await h.db.query('update content.posts set is_deleted = true, deleted_at = now() where id = $1', [gone]);
    await h.publish('POST_DELETE', gone, author.id);
    await until('removed', async () => (await h.redis.zscore(`timeline:feed:{${reader.id}}`, padded(gone))) === null);
    assert.deepEqual(ids((await feed(reader)).content), [kept]);
  });

  it('when a post is deleted without its event having arrived, then the page drops it, refills to full size and the stored feed forgets it', async () => {
    const [reader, author] = await Promise.all([h.newMember(), h.newMember()]);
    await h.follow(reader, author);
    const posted: string[] = [];
    for (let i = 0; i < 6; i += 1) posted.unshift(await fx.post({ authorId: author.id, createdAt: at(base, 10 + i) }));
    assert.deepEqual(ids((await feed(reader, 0, 3)).content), posted.slice(0, 3));
    await h.db.query('update content.posts set is_deleted = true, deleted_at = now() where id = any($1::bigint[])', [[posted[0], posted[2]]]);
    const page = await feed(reader, 0, 3);
    assert.deepEqual([ids(page.content), page.hasNext], [[posted[1], posted[3], posted[4]], true]);
    assert.equal(await h.redis.zscore(`timeline:feed:{${reader.id}}`, padded(posted[0]!)), null);
    assert.equal(await h.redis.zcard(`timeline:feed:{${reader.id}}`), 4);
  });

  it('when the feed holds the cap, then deeper pages come from PostgreSQL and all pages stay disjoint and complete', async () => {
    const [reader, author] = await Promise.all([h.newMember(), h.newMember()]);
    await h.follow(reader, author);
    const posted: string[] = [];
    for (let i = 0; i < 50; i += 1) posted.unshift(await fx.post({ authorId: author.id, createdAt: at(base, 100 + i) }));
    const fromDatabase = await metric('dailyfeed_follow_feed_pages_total', 'source="database"');
    const pages = [];
    for (let p = 0; p < 6; p += 1) pages.push(await feed(reader, p, 10));
    assert.deepEqual(
      pages.map((p) => ids(p.content)),
      [0, 10, 20, 30, 40, 50].map((from) => posted.slice(from, from + 10)),
    );
    assert.deepEqual(pages.map((p) => p.hasNext), [true, true, true, true, false, false]);
    assert.equal(await h.redis.zcard(`timeline:feed:{${reader.id}}`), 40, 'the stored feed keeps the newest 40 only');
    assert.equal(await metric('dailyfeed_follow_feed_pages_total', 'source="database"'), fromDatabase + 3, 'pages ending past the cap use the pull query');
  });

  it('when two posts share a creation instant, then the stored feed orders them by id as the database does', async () => {
    const [reader, a, b] = await Promise.all([h.newMember(), h.newMember(), h.newMember()]);
    await h.follow(reader, a);
    await h.follow(reader, b);
    const instant = new Date('2026-01-02T03:04:05.123Z');
    const first = await fx.post({ authorId: a.id, createdAt: instant });
    const second = await fx.post({ authorId: b.id, createdAt: instant });
    const stored = ids((await feed(reader, 0, 5)).content);
    const pulled = await feed(reader, 0, 50); // page end 51 > cap: database
    assert.deepEqual(stored, [second, first]);
    assert.deepEqual(ids(pulled.content), [second, first]);
  });

  it('when an author has FANOUT_HEAVY_FOLLOWERS readers, then their posts are kept in their own list and merged into followers\' pages in order', async () => {
    const [reader, f2, f3, heavy, normal] = await Promise.all([h.newMember(), h.newMember(), h.newMember(), h.newMember(), h.newMember()]);
    for (const follower of [reader, f2, f3]) await h.follow(follower, heavy);
    await h.follow(reader, normal);
    const n1 = await fx.post({ authorId: normal.id, createdAt: at(base, 1) });
    const h1 = await fx.post({ authorId: heavy.id, createdAt: at(base, 2) });
    assert.deepEqual(ids((await feed(reader)).content), [h1, n1]);
    for (const follower of [f2, f3]) assert.deepEqual(ids((await feed(follower)).content), [h1], 'a read stores the feed: its owner becomes a reader');
    const h2 = await fx.post({ authorId: heavy.id, content: 'pulled' });
    await until('marked heavy', async () => (await h.redis.sismember('timeline:heavy-authors', heavy.id)) === 1);
    const n2 = await fx.post({ authorId: normal.id, content: 'pushed' });
    await until('both shown', async () => ids((await feed(reader)).content).length === 4);
    assert.deepEqual(ids((await feed(reader)).content), [n2, h2, h1, n1]);
    assert.equal(await h.redis.zscore(`timeline:feed:{${reader.id}}`, padded(h2)), null, 'not fanned out');
    assert.notEqual(await h.redis.zscore(`timeline:author:{${heavy.id}}`, padded(h2)), null, "in the author's own list");
    assert.deepEqual(ids((await feed(reader, 1, 2)).content), [h1, n1], 'merged pages stay disjoint');
  });

  it('when Redis is out of reach, then the follow feed is answered from PostgreSQL, correct and complete', async () => {
    const [reader, author] = await Promise.all([h.newMember(), h.newMember()]);
    await h.follow(reader, author);
    const p1 = await fx.post({ authorId: author.id, createdAt: at(base, 1) });
    const p2 = await fx.post({ authorId: author.id, createdAt: at(base, 2) });
    const { service, client } = await startTimeline(h.member.address, { REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const page = await rpc(client.listFollowingPosts.bind(client), { page: 0, size: 0 }, bearer(reader.token));
      assert.deepEqual(ids(page.content), [p2, p1]);
    } finally {
      client.close();
      await service.stop();
    }
  });
});
