// The follow feed's read path: fan-out on write with pull-and-merge for heavy authors.
//
// Why: pulling (a per-author merge inside PostgreSQL over every followed author, posts_author_recent_idx)
// cost 7-11 ms of database CPU per page on the bench data set, which caps the feed near 130
// pages/s on this machine. Instead each member's feed is kept in Redis as a sorted set of post ids
// (feed-store.ts), capped at FEED_CAP (120 by default: six pages of 20, small enough for Redis's compact encoding): the fan-out consumer adds every new post of a normal
// author to their followers' feeds, while authors with FANOUT_HEAVY_FOLLOWERS or more followers
// keep one list of their own that readers merge in (a post of theirs would otherwise cost
// thousands of writes). A page is then one Redis round trip for ids plus one prepared statement
// that reads those rows by primary key with the caller's liked flag.
//
// Correctness:
// - Rows are always read fresh from content's tables, so an edit shows at once; an id whose row
//   is deleted (or whose author is no longer followed) is dropped from the feed right there and
//   the page is refilled, so pages stay full and disjoint.
// - A feed remembers the fingerprint of the following list it was built for. The list comes from
//   member-svc (cached FOLLOWING_CACHE_TTL_MS); any follow or unfollow changes it and the next
//   read rebuilds the feed from PostgreSQL, so a new followee's older posts show too.
// - The fan-out finds the feeds to add a post to in the author's readers list (feed-store.ts),
//   which a rebuild joins right after storing the feed. A rebuild reads a snapshot; a post
//   committed meanwhile whose event was fanned out before the feed joined would be lost, so the
//   rebuild reads the last minute of posts again after joining (fan-out of the same post twice is
//   a no-op).
// - Pages beyond what Redis holds (deep pages past the cap) and any Redis failure are served by
//   the pull query in PostgreSQL: slower, never wrong.
import { FeedStoreUnavailable, type FeedStore, type ListKind, type StoredList } from '../adapters/feed-store.ts';
import type { FollowFeedMetrics } from '../adapters/metrics.ts';
import type { LikedPostRow, PostsReader } from '../adapters/posts-reader.ts';
import { followingFingerprint, mergeNewest, servedFromStore, type FeedEntry } from '../domain/feed.ts';
import type { PageRequest } from '../domain/paging.ts';
import type { PostRow } from '../domain/reads.ts';
import type { ReadLog } from './read-deps.ts';

/** Posts created this long before a rebuild are read again after it (see above). */
const REBUILD_OVERLAP_MS = 60_000;
/** Rounds of "drop the stale ids and read again" before a page is answered short. */
const REFILL_ROUNDS = 3;

export interface FollowFeedDeps {
  readonly posts: PostsReader;
  readonly feeds: FeedStore;
  readonly metrics: FollowFeedMetrics;
  readonly log: ReadLog;
  readonly cap: number;
  readonly now: () => number;
}

/** Rows of one follow-feed page (size+1 at most, newest first), with `liked` when read from the store. */
export type FollowFeedPage = (PostRow & { readonly liked?: boolean })[];

/**
 * One page of a member's follow feed. The following list arrives as a promise so that the stored
 * feed is read from Redis while it is being resolved (one round trip fewer per page).
 */
export type FollowFeed = (memberId: string, followingIds: Promise<readonly string[]>, page: PageRequest) => Promise<FollowFeedPage>;

export function createFollowFeed(deps: FollowFeedDeps): FollowFeed {
  const { posts, feeds, metrics, cap } = deps;
  // A remembered following list is the same array from read to read (adapters/following-cache.ts),
  // so its fingerprint (a sort and a hash of ~100 ids) and its set are computed once per list.
  const derived = new WeakMap<readonly string[], { readonly fp: string; readonly set: ReadonlySet<string> }>();
  const derive = (ids: readonly string[]): { readonly fp: string; readonly set: ReadonlySet<string> } => {
    let d = derived.get(ids);
    if (d === undefined) derived.set(ids, (d = { fp: followingFingerprint(ids), set: new Set(ids) }));
    return d;
  };

  /** Builds a list (a member's feed or a heavy author's posts) from PostgreSQL and stores it. */
  const rebuild = async (kind: ListKind, owner: string, authorIds: readonly string[], fp: string): Promise<StoredList> => {
    const startedAt = deps.now();
    const entries = await posts.feedEntries(authorIds, cap);
    const complete = entries.length < cap;
    await feeds.replace(kind, owner, fp, entries, complete);
    // From here on the fan-out addresses this feed; a post it fanned out just before is read below.
    if (kind === 'feed') await feeds.subscribe(owner, authorIds);
    const recent = await posts.feedEntries(authorIds, cap, new Date(startedAt - REBUILD_OVERLAP_MS));
    await feeds.add(kind, [owner], recent);
    const merged = mergeNewest([entries, recent], cap);
    return { meta: { fp, complete }, size: merged.length, entries: merged };
  };

  /**
   * The ids of entries [offset, end) from the store, or undefined when the store cannot answer
   * them. `loaded` is the member's feed at ranks [0, end), read ahead.
   */
  const idsFromStore = async (memberId: string, followingIds: readonly string[], fp: string, offset: number, end: number, loaded: StoredList | undefined): Promise<string[] | undefined> => {
    let feed = loaded;
    if (feed?.meta === undefined || feed.meta.fp !== fp) {
      metrics.feedCache('follow_feed', 'miss');
      feed = await rebuild('feed', memberId, followingIds, fp);
    } else {
      metrics.feedCache('follow_feed', 'hit');
    }
    if (!servedFromStore({ size: feed.size, complete: feed.meta?.complete ?? false }, end)) return undefined;
    const heavy = await feeds.heavyAuthors();
    const pulled = followingIds.filter((id) => heavy.has(id));
    if (pulled.length === 0) return feed.entries.slice(offset, end).map((e) => e.id);

    const lists: FeedEntry[][] = [feed.entries.slice(0, end)];
    const stored = await feeds.authorLists(pulled);
    for (const [i, list] of stored.entries()) {
      metrics.feedCache('author_list', list.meta === undefined ? 'miss' : 'hit');
      const usable = list.meta === undefined ? await rebuild('author', pulled[i]!, [pulled[i]!], '') : list;
      if (!servedFromStore({ size: usable.size, complete: usable.meta?.complete ?? false }, end)) return undefined;
      lists.push(usable.entries.slice(0, end));
    }
    return mergeNewest(lists, end).slice(offset).map((e) => e.id);
  };

  const fromDatabase = async (followingIds: readonly string[], page: PageRequest): Promise<FollowFeedPage> => {
    metrics.followFeedPage('database');
    return posts.byAuthors(followingIds, page);
  };

  return async (memberId, followingPromise, page) => {
    const end = page.offset + page.limit;
    // Read ahead: the stored feed's top ranks travel with the following-list lookup.
    const readAhead = end > cap ? undefined : feeds.load('feed', [memberId], 0, end - 1);
    readAhead?.catch(() => undefined); // observed below; a failure then means "use the database"
    const followingIds = await followingPromise;
    if (followingIds.length === 0) return [];
    if (end > cap) return fromDatabase(followingIds, page);
    const { fp, set: following } = derive(followingIds);
    try {
      for (let round = 1; ; round += 1) {
        const [loaded] = round === 1 && readAhead ? await readAhead : await feeds.load('feed', [memberId], 0, end - 1);
        const ids = await idsFromStore(memberId, followingIds, fp, page.offset, end, loaded);
        if (ids === undefined) return await fromDatabase(followingIds, page);
        const rows = await posts.pageByIds(ids, memberId);
        const byId = new Map<string, LikedPostRow>();
        for (const row of rows) if (following.has(row.authorId)) byId.set(row.id, row);
        const stale = ids.filter((id) => !byId.has(id));
        if (stale.length === 0 || round === REFILL_ROUNDS) {
          metrics.followFeedPage('store');
          return ids.flatMap((id) => byId.get(id) ?? []);
        }
        // Deleted posts leave the feed and the heavy authors' lists, posts of someone no longer
        // followed leave the feed only; the next round refills the page.
        await feeds.remove('feed', [memberId], stale);
        const deleted = stale.filter((id) => !rows.some((r) => r.id === id));
        const heavy = await feeds.heavyAuthors();
        await feeds.remove('author', followingIds.filter((id) => heavy.has(id)), deleted);
      }
    } catch (err: unknown) {
      if (!(err instanceof FeedStoreUnavailable)) throw err;
      metrics.feedCache('follow_feed', 'error');
      deps.log.warn({ err }, 'follow feed store unavailable; reading from the database');
      return fromDatabase(followingIds, page);
    }
  };
}
