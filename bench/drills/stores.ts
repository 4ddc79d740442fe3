// The loss ledger of one drill: which writes PostgreSQL holds (acknowledged or not — a write that
// timed out may still have committed, and then its events are due too), and, for every committed
// write, whether each derived store holds it exactly once: the activity log, the search index,
// the followers' stored follow feeds (Redis) and the posts' like/comment counters.
import type { Redis } from 'ioredis';
import type pg from 'pg';
import { call, type Cast, type Tally } from './load.ts';
import { DRILL_FEED_CAP } from './stack.ts';

export interface StoreCount {
  readonly expected: number;
  readonly stored: number;
  readonly lost: number;
  readonly duplicated: number;
}

export interface Ledger {
  /** Acknowledged writes PostgreSQL does not hold, and writes held more than once. */
  readonly writes: { readonly acknowledged: number; readonly committed: number; readonly lost: number; readonly duplicated: number; readonly committedUnacknowledged: number };
  readonly stores: Record<'activity' | 'search' | 'follow feeds' | 'counters', StoreCount>;
  /** Followers whose stored feed was gone (Redis lost it) and was rebuilt by reading it. */
  readonly feedsRebuilt: number;
}

const ACTIVITY = { POST_CREATE: 1, LIKE_POST: 5, COMMENT_CREATE: 9 } as const;

function countKeys(expected: readonly string[], stored: ReadonlyMap<string, number>): StoreCount {
  let storedN = 0;
  let lost = 0;
  let duplicated = 0;
  for (const key of expected) {
    const n = stored.get(key) ?? 0;
    if (n === 0) lost++;
    else storedN++;
    if (n > 1) duplicated += n - 1;
  }
  return { expected: expected.length, stored: storedN, lost, duplicated };
}

export async function ledger(db: pg.Pool, redis: Redis, edge: string, c: Cast, tally: Tally): Promise<Ledger> {
  const pattern = `${tally.marker} w%`;
  const posts = (await db.query<{ id: string; content: string }>('select id, content from content.posts where content like $1', [pattern])).rows;
  const comments = (await db.query<{ id: string; post_id: string; content: string }>('select id, post_id, content from content.comments where content like $1', [pattern])).rows;
  const postIds = posts.map((p) => Number(p.id));
  const commentIds = comments.map((p) => Number(p.id));
  const likers = c.followers.map((m) => m.id);
  const likes = (await db.query<{ post_id: string; member_id: string }>('select post_id, member_id from content.post_likes where post_id = any($1) and member_id = any($2)', [postIds, likers])).rows;

  // Writes: a marker stored twice is a duplicated write; an acknowledged id missing is a lost one.
  const markers = new Map<string, number>();
  for (const row of [...posts, ...comments]) markers.set(row.content, (markers.get(row.content) ?? 0) + 1);
  const held = new Set([...postIds.map((id) => `p${id}`), ...commentIds.map((id) => `c${id}`), ...likes.map((l) => `l${l.post_id}:${l.member_id}`)]);
  const acked = [...tally.posts.map((id) => `p${id}`), ...tally.comments.map((id) => `c${id}`), ...tally.likes.map((l) => `l${l.postId}:${l.memberId}`)];
  const ackedSet = new Set(acked);
  const writes = {
    acknowledged: acked.length,
    committed: held.size,
    lost: acked.filter((k) => !held.has(k)).length,
    duplicated: [...markers.values()].reduce((sum, n) => sum + (n - 1), 0),
    committedUnacknowledged: [...held].filter((k) => !ackedSet.has(k)).length,
  };

  // Activity log: one row per committed write.
  const activityRows = (
    await db.query<{ type: number; post_id: string; comment_id: string | null; member_id: string; n: string }>(
      `select type, post_id, comment_id, member_id, count(*) as n from activity.activities
        where post_id = any($1) and type = any($2) group by type, post_id, comment_id, member_id`,
      [postIds, Object.values(ACTIVITY)],
    )
  ).rows;
  const activityKey = (type: number, postId: string | number, commentId: string | number | null, memberId: string | number): string =>
    type === ACTIVITY.POST_CREATE ? `${type}:${postId}` : type === ACTIVITY.COMMENT_CREATE ? `${type}:${commentId}` : `${type}:${postId}:${memberId}`;
  const activityStored = new Map<string, number>();
  for (const r of activityRows) {
    const key = activityKey(r.type, r.post_id, r.comment_id, r.member_id);
    activityStored.set(key, (activityStored.get(key) ?? 0) + Number(r.n));
  }
  const activityExpected = [
    ...postIds.map((id) => activityKey(ACTIVITY.POST_CREATE, id, null, 0)),
    ...commentIds.map((id) => activityKey(ACTIVITY.COMMENT_CREATE, 0, id, 0)),
    ...likes.map((l) => activityKey(ACTIVITY.LIKE_POST, l.post_id, null, l.member_id)),
  ];

  // Search index: every post and comment, once (primary keys: a second copy cannot exist, a missing one can).
  const searchStored = new Map<string, number>();
  for (const r of (await db.query<{ post_id: string }>('select post_id from search.posts where post_id = any($1) and not is_deleted', [postIds])).rows) searchStored.set(`p${r.post_id}`, 1);
  for (const r of (await db.query<{ comment_id: string }>('select comment_id from search.comments where comment_id = any($1) and not is_deleted', [commentIds])).rows) searchStored.set(`c${r.comment_id}`, 1);
  const searchExpected = [...postIds.map((id) => `p${id}`), ...commentIds.map((id) => `c${id}`)];

  // Stored follow feeds: every follower follows every author, so every post belongs in every feed.
  // A feed Redis lost is rebuilt by the reader's next read, as the frontend's next page view would.
  let feedsRebuilt = 0;
  const feedStored = new Map<string, number>();
  for (const follower of c.followers) {
    if ((await redis.exists(`timeline:feedmeta:{${follower.id}}`)) === 0) {
      feedsRebuilt++;
      await call(edge, 'GET', '/api/timeline/posts/followings?page=0&size=20', { token: follower.token });
    }
    const ids = await redis.zrange(`timeline:feed:{${follower.id}}`, 0, -1);
    for (const id of ids) feedStored.set(`${follower.id}:${Number(id)}`, 1);
  }
  // A stored feed keeps the newest FEED_CAP posts of the authors it follows (older pages come
  // from PostgreSQL): each feed must hold this drill's posts that are still among those.
  const authorIds = c.authors.map((a) => a.id);
  const capped = new Set(
    (
      await db.query<{ id: string }>('select id from content.posts where author_id = any($1) and not is_deleted order by created_at desc, id desc limit $2', [authorIds, DRILL_FEED_CAP])
    ).rows.map((r) => Number(r.id)),
  );
  const newest = postIds.filter((id) => capped.has(id));
  const feedExpected = c.followers.flatMap((f) => newest.map((id) => `${f.id}:${id}`));

  // Counters: each post's like_count and comment_count against the rows they count.
  const counters = (
    await db.query<{ like_count: string; comment_count: string; likes: string; comments: string }>(
      `select p.like_count, p.comment_count,
              (select count(*) from content.post_likes l where l.post_id = p.id) as likes,
              (select count(*) from content.comments c where c.post_id = p.id and not c.is_deleted) as comments
         from content.posts p where p.id = any($1)`,
      [postIds],
    )
  ).rows;
  let counterLost = 0;
  let counterDuplicated = 0;
  for (const r of counters) {
    for (const [counted, actual] of [[Number(r.like_count), Number(r.likes)], [Number(r.comment_count), Number(r.comments)]] as const) {
      if (counted < actual) counterLost += actual - counted;
      if (counted > actual) counterDuplicated += counted - actual;
    }
  }
  const counterExpected = likes.length + commentIds.length;

  return {
    writes,
    stores: {
      activity: countKeys(activityExpected, activityStored),
      search: countKeys(searchExpected, searchStored),
      'follow feeds': countKeys(feedExpected, feedStored),
      counters: { expected: counterExpected, stored: counterExpected - counterLost, lost: counterLost, duplicated: counterDuplicated },
    },
    feedsRebuilt,
  };
}

export const complete = (l: Ledger): boolean => l.writes.lost === 0 && Object.values(l.stores).every((s) => s.lost === 0);
