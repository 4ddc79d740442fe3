// Component tests of the global reads: most popular (all time and windowed), most commented,
// newest posts, posts by ids, posts by date range and post statistics. The test database is
// shared, so this file's posts stand out by construction: counters far above anything real, and
// creation times in a private far-future range, removed afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PopularityWindow, type Post } from '@dailyfeed/gen/timeline/v1/timeline';
import { Code } from '../../../test/support/grpc.ts';
import { startHarness, type Harness, type TestMember } from './support/harness.ts';
import { at, createFixtures, type Fixtures } from './support/fixtures.ts';
import { bearer, failsWith, rpc } from './support/rpc.ts';

const ids = (posts: readonly Post[]): string[] => posts.map((p) => p.id);
const HUGE = 1_000_000_000_000;
const GHOST_AUTHOR = '987654321987654';

describe('timeline-svc rankings and global reads', () => {
  let h: Harness;
  let fx: Fixtures;
  let me: TestMember;
  let author: TestMember;
  const now = Date.now();
  // A private instant range far in the future: nothing else in the shared database sorts above it.
  const future = new Date(Date.UTC(2900, 0, 1) + Math.floor(Math.random() * 1e6) * 60_000);

  before(async () => {
    h = await startHarness();
    fx = createFixtures(h.db);
    [me, author] = await Promise.all([h.newMember(), h.newMember()]);
  });
  after(async () => {
    await fx.cleanup();
    await h.stop();
  });

  it('when most popular is read, then posts rank by views + 2 x likes, newest first among equals, deleted ones left out', async () => {
    const base = new Date(now - 3 * 86_400_000);
    const top = await fx.post({ authorId: author.id, viewCount: HUGE + 10, likeCount: 5, createdAt: at(base, 1) }); // HUGE + 20
    const tieOld = await fx.post({ authorId: author.id, viewCount: HUGE, likeCount: 5, createdAt: at(base, 2) }); // HUGE + 10
    const tieNew = await fx.post({ authorId: author.id, viewCount: HUGE + 10, likeCount: 0, createdAt: at(base, 3) }); // HUGE + 10
    await fx.post({ authorId: author.id, viewCount: HUGE * 2, createdAt: at(base, 4), deleted: true });
    await fx.post({ authorId: author.id, viewCount: HUGE, createdAt: at(base, 5) }); // the next page
    const page = await rpc(h.timeline.listMostPopularPosts.bind(h.timeline), { page: 0, size: 3, window: 0 }, bearer(me.token));
    assert.deepEqual(ids(page.content), [top, tieNew, tieOld]);
    assert.equal(page.hasNext, true);
  });

  it('when most popular is read with a DAY or WEEK window, then only posts created in that window rank', async () => {
    const recent = await fx.post({ authorId: author.id, viewCount: HUGE * 3, createdAt: new Date(now - 3600_000) });
    const threeDays = await fx.post({ authorId: author.id, viewCount: HUGE * 4, createdAt: new Date(now - 3 * 86_400_000) });
    const old = await fx.post({ authorId: author.id, viewCount: HUGE * 5, createdAt: new Date(now - 30 * 86_400_000) });
    const call = (window: PopularityWindow) => rpc(h.timeline.listMostPopularPosts.bind(h.timeline), { page: 0, size: 1, window }, bearer(me.token));
    assert.deepEqual(ids((await call(PopularityWindow.POPULARITY_WINDOW_DAY)).content), [recent]);
    assert.deepEqual(ids((await call(PopularityWindow.POPULARITY_WINDOW_WEEK)).content), [threeDays]);
    assert.deepEqual(ids((await call(PopularityWindow.POPULARITY_WINDOW_UNSPECIFIED)).content), [old]);
  });

  it('when most commented is read, then posts rank by comment count, newest first among equals, deleted ones left out', async () => {
    const base = new Date(now - 86_400_000);
    const most = await fx.post({ authorId: author.id, commentCount: HUGE + 2, createdAt: at(base, 1) });
    const tieOld = await fx.post({ authorId: author.id, commentCount: HUGE + 1, createdAt: at(base, 2) });
    const tieNew = await fx.post({ authorId: author.id, commentCount: HUGE + 1, createdAt: at(base, 3) });
    await fx.post({ authorId: author.id, commentCount: HUGE * 9, deleted: true });
    const page = await rpc(h.timeline.listMostCommentedPosts.bind(h.timeline), { page: 0, size: 3 }, bearer(me.token));
    assert.deepEqual(ids(page.content), [most, tieNew, tieOld]);
    assert.equal(page.content[0]?.commentCount, String(HUGE + 2));
  });

  it('when the newest posts are read, then they come newest first with deleted ones left out', async () => {
    const a = await fx.post({ authorId: author.id, createdAt: at(future, 1) });
    await fx.post({ authorId: author.id, createdAt: at(future, 2), deleted: true });
    const b = await fx.post({ authorId: author.id, createdAt: at(future, 3) });
    const page = await rpc(h.timeline.listRecentActivityPosts.bind(h.timeline), { page: 0, size: 2 }, bearer(me.token));
    assert.deepEqual(ids(page.content), [b, a]);
    assert.equal(page.hasNext, true);
  });

  it('when posts are read by ids, then unknown, deleted and repeated ids are skipped and the rest come newest first', async () => {
    const x = await fx.post({ authorId: author.id, createdAt: at(future, 10) });
    const y = await fx.post({ authorId: author.id, createdAt: at(future, 11) });
    const gone = await fx.post({ authorId: author.id, createdAt: at(future, 12), deleted: true });
    const res = await rpc(h.timeline.batchGetPosts.bind(h.timeline), { ids: [x, y, x, gone, '999999999999', '0'] }, bearer(me.token));
    assert.deepEqual(ids(res.posts), [y, x]);
    const empty = await rpc(h.timeline.batchGetPosts.bind(h.timeline), { ids: [] }, bearer(me.token));
    assert.deepEqual(empty.posts, []);
  });

  it('when more than 1000 ids are asked for, then the call fails with VALIDATION_FAILED naming ids', async () => {
    const tooMany = Array.from({ length: 1001 }, (_, i) => String(i + 1));
    await assert.rejects(rpc(h.timeline.batchGetPosts.bind(h.timeline), { ids: tooMany }, bearer(me.token)), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', { field: 'ids' }));
  });

  it('when a post\'s author no longer exists, then it shows as a deleted user with empty handle and avatar', async () => {
    const orphan = await fx.post({ authorId: GHOST_AUTHOR, content: 'orphan', createdAt: at(future, 20) });
    const [post] = (await rpc(h.timeline.batchGetPosts.bind(h.timeline), { ids: [orphan] }, bearer(me.token))).posts;
    assert.deepEqual([post?.authorId, post?.authorName, post?.authorHandle, post?.authorAvatarUrl], [GHOST_AUTHOR, '탈퇴한 사용자', '', '']);
  });

  it('when posts are read by date range, then the full page has totals and only posts created in the range', async () => {
    const start = at(future, 100);
    const inRange = [await fx.post({ authorId: author.id, createdAt: at(future, 100) }), await fx.post({ authorId: author.id, createdAt: at(future, 101) }), await fx.post({ authorId: author.id, createdAt: at(future, 102) })];
    await fx.post({ authorId: author.id, createdAt: at(future, 103) });
    const res = await rpc(h.timeline.listPostsByDateRange.bind(h.timeline), { startDate: start, endDate: at(future, 102), page: 1, size: 2 }, bearer(me.token));
    assert.deepEqual(ids(res.content), [inRange[0]]);
    assert.deepEqual([res.totalElements, res.totalPages, res.first, res.last, res.hasNext, res.hasPrevious], ['3', 2, false, true, false, true]);
    await assert.rejects(
      rpc(h.timeline.listPostsByDateRange.bind(h.timeline), { startDate: start, endDate: undefined, page: 0, size: 0 }, bearer(me.token)),
      failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', { field: 'end_date' }),
    );
  });

  it('when post statistics are asked without a token, then the maintained counts answer; a deleted post is POST_NOT_FOUND', async () => {
    const post = await fx.post({ authorId: author.id, likeCount: 4, commentCount: 7 });
    const stats = await rpc(h.timeline.getPostStatistics.bind(h.timeline), { postId: post });
    assert.deepEqual(stats, { commentCount: '7', likeCount: '4' });
    const gone = await fx.post({ authorId: author.id, deleted: true });
    await assert.rejects(rpc(h.timeline.getPostStatistics.bind(h.timeline), { postId: gone }), failsWith(Code.NOT_FOUND, 'POST_NOT_FOUND'));
  });
});
