// Queries on content.posts through the read-only connection. Every list is ordered with a unique
// tie-breaker (id) so pages never overlap or skip, and each one matches a partial index of
// content's migration (`where not is_deleted`): posts_recent_idx, posts_author_recent_idx,
// posts_popular_idx, posts_most_commented_idx.
import DataLoader from 'dataloader';
import type { FeedEntry } from '../domain/feed.ts';
import type { PageRequest } from '../domain/paging.ts';
import type { PostRow } from '../domain/reads.ts';
import type { ReadDb } from './read-db.ts';

const COLUMNS = `p.id, p.author_id as "authorId", p.content, p.view_count as "viewCount", p.like_count as "likeCount",
  p.comment_count as "commentCount", p.created_at as "createdAt", p.updated_at as "updatedAt"`;
const NEWEST_FIRST = 'p.created_at desc, p.id desc';
// created_at in microseconds since the epoch, exact (extract returns numeric): a feed's score.
const MICROS = '(extract(epoch from $T.created_at) * 1000000)::bigint::text';
const microsOf = (alias: string): string => MICROS.replace('$T', alias);

type RawEntry = { id: string; micros: string };
const toEntry = (r: RawEntry): FeedEntry => ({ id: r.id, micros: Number(r.micros) });

/** A post of the follow feed with the caller's liked flag, read in the same statement. */
export type LikedPostRow = PostRow & { readonly liked: boolean };

export interface PostsReader {
  byId(id: string): Promise<PostRow | undefined>;
  /** Visible posts among the ids, newest first. */
  byIds(ids: readonly string[]): Promise<PostRow[]>;
  recent(page: PageRequest): Promise<PostRow[]>;
  /** An author's posts, each with whether the viewer likes it (read in the same statement). */
  byAuthor(authorId: string, page: PageRequest, viewerId: string): Promise<LikedPostRow[]>;
  /** Posts of any of the authors, newest first (the follow feed). */
  byAuthors(authorIds: readonly string[], page: PageRequest): Promise<PostRow[]>;
  /**
   * Feed entries of the authors, newest first: the first `limit` over all of them, and with
   * `since` only posts created after it. Builds follow feeds and heavy authors' lists.
   */
  feedEntries(authorIds: readonly string[], limit: number, since?: Date): Promise<FeedEntry[]>;
  /** Visible posts among `ids` as feed entries with their authors (fan-out of POST_CREATE). */
  entriesByIds(ids: readonly string[]): Promise<(FeedEntry & { readonly authorId: string })[]>;
  /**
   * Visible posts among `ids` with the member's liked flag, in no particular order. The pages of
   * every reader asking in the same turn of the event loop are read by one statement.
   */
  pageByIds(ids: readonly string[], memberId: string): Promise<LikedPostRow[]>;
  mostPopular(since: Date | undefined, page: PageRequest): Promise<PostRow[]>;
  mostCommented(page: PageRequest): Promise<PostRow[]>;
  createdBetween(start: Date, end: Date, page: PageRequest): Promise<{ rows: PostRow[]; total: number }>;
  /** Ids among `ids` that the member likes. */
  likedBy(memberId: string, ids: readonly string[]): Promise<Set<string>>;
  exists(id: string): Promise<boolean>;
}

interface PageKey {
  readonly ids: readonly string[];
  readonly memberId: string;
}

interface AuthorPageKey {
  readonly authorId: string;
  readonly viewerId: string;
  readonly page: PageRequest;
}

/** Both loaders: pages asked for until setImmediate, at most 32 per statement (20 ids each on the follow feed), nothing cached. */
const BATCHING = { cache: false, maxBatchSize: 32, batchScheduleFn: (run: () => void) => setImmediate(run) } as const;

/** A batched statement's rows, each tagged with the index of its page, back to `count` pages. */
function byPage(count: number, rows: readonly (LikedPostRow & { page: number })[]): LikedPostRow[][] {
  const out = Array.from({ length: count }, (): LikedPostRow[] => []);
  for (const { page, ...row } of rows) out[page]?.push(row);
  return out;
}

export function createPostsReader(db: ReadDb): PostsReader {
  // Follow-feed pages: under load many readers reach this point in the same turn of the event
  // loop, and each statement cost a PostgreSQL round trip (bench/mixed at saturation: PostgreSQL
  // CPU per follow-feed read 0.16-0.18 ms with one statement each, 0.06-0.09 batched). dataloader
  // gathers the pages asked for until setImmediate, and one statement reads them all, each row
  // tagged with the page it belongs to.
  const pages = new DataLoader<PageKey, LikedPostRow[]>(
    async (keys) => {
      const postIds: string[] = [];
      const memberIds: string[] = [];
      const pageOf: string[] = [];
      keys.forEach((key, i) => {
        for (const id of key.ids) {
          postIds.push(id);
          memberIds.push(key.memberId);
          pageOf.push(String(i));
        }
      });
      const rows = await db.query<LikedPostRow & { page: number }>(
        `select r.page, ${COLUMNS}, exists (select 1 from content.post_likes l where l.post_id = p.id and l.member_id = r.member_id) as liked
         from unnest($1::bigint[], $2::bigint[], $3::int[]) as r(post_id, member_id, page)
         join content.posts p on p.id = r.post_id
         where not p.is_deleted`,
        [postIds, memberIds, pageOf],
        'timeline_pages_by_ids',
      );
      return byPage(keys.length, rows);
    },
    BATCHING,
  );
  // An author's posts with the viewer's liked flags (my feed, a member's posts), gathered the same
  // way: one walk of posts_author_recent_idx per page, inside one statement.
  const authorPages = new DataLoader<AuthorPageKey, LikedPostRow[]>(
    async (keys) => {
      const rows = await db.query<LikedPostRow & { page: number }>(
        `select r.page, x.*
         from unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::int[]) as r(author_id, viewer_id, lim, off, page)
         cross join lateral (
           select ${COLUMNS}, exists (select 1 from content.post_likes l where l.post_id = p.id and l.member_id = r.viewer_id) as liked
           from content.posts p where not p.is_deleted and p.author_id = r.author_id
           order by ${NEWEST_FIRST} limit r.lim offset r.off
         ) x
         order by r.page, x."createdAt" desc, x.id desc`,
        [keys.map((k) => k.authorId), keys.map((k) => k.viewerId), keys.map((k) => String(k.page.limit)), keys.map((k) => String(k.page.offset)), keys.map((_, i) => String(i))],
        'timeline_author_pages',
      );
      return byPage(keys.length, rows);
    },
    BATCHING,
  );

  const list = (where: string, order: string, params: readonly (string | Date)[], page: PageRequest): Promise<PostRow[]> => {
    const n = params.length;
    return db.query<PostRow>(
      `select ${COLUMNS} from content.posts p where not p.is_deleted ${where} order by ${order} limit $${n + 1} offset $${n + 2}`,
      [...params, String(page.limit), String(page.offset)],
    );
  };

  return {
    async byId(id) {
      const [row] = await db.query<PostRow>(`select ${COLUMNS} from content.posts p where p.id = $1 and not p.is_deleted`, [id]);
      return row;
    },
    async byIds(ids) {
      if (ids.length === 0) return [];
      return db.query<PostRow>(`select ${COLUMNS} from content.posts p where p.id = any($1::bigint[]) and not p.is_deleted order by ${NEWEST_FIRST}`, [ids]);
    },
    recent: (page) => list('', NEWEST_FIRST, [], page),
    byAuthor: (authorId, page, viewerId) => authorPages.load({ authorId, viewerId, page }),
    async byAuthors(authorIds, page) {
      if (authorIds.length === 0) return [];
      // A k-way merge inside PostgreSQL: for each followed author, an index-only walk of
      // posts_author_recent_idx (author_id, created_at desc, id desc) yields at most offset+limit
      // keys, the union is cut to the page, and only the page's rows are fetched from the heap.
      // Cost ~ followings x (offset+limit) index entries, independent of how many posts exist;
      // `author_id = any(...) order by created_at` would instead read every post of every author.
      return db.query<PostRow>(
        `with page as (
           select f.id, f.created_at
           from unnest($1::bigint[]) as a(author_id)
           cross join lateral (
             select q.id, q.created_at from content.posts q
             where q.author_id = a.author_id and not q.is_deleted
             order by q.created_at desc, q.id desc
             limit $2
           ) f
           order by f.created_at desc, f.id desc
           limit $3 offset $4
         )
         select ${COLUMNS} from page join content.posts p on p.id = page.id
         order by ${NEWEST_FIRST}`,
        [authorIds, String(page.offset + page.limit), String(page.limit), String(page.offset)],
      );
    },
    async feedEntries(authorIds, limit, since) {
      if (authorIds.length === 0) return [];
      // The same per-author index walk as byAuthors, keys only (index-only scans): no heap rows.
      const rows = await db.query<RawEntry>(
        `select f.id, ${microsOf('f')} as micros
         from unnest($1::bigint[]) as a(author_id)
         cross join lateral (
           select q.id, q.created_at from content.posts q
           where q.author_id = a.author_id and not q.is_deleted and q.created_at > $3
           order by q.created_at desc, q.id desc
           limit $2
         ) f
         order by f.created_at desc, f.id desc
         limit $2`,
        [authorIds, String(limit), since ?? new Date(0)],
        'timeline_feed_entries',
      );
      return rows.map(toEntry);
    },
    async entriesByIds(ids) {
      if (ids.length === 0) return [];
      const rows = await db.query<RawEntry & { authorId: string }>(
        `select p.id, p.author_id as "authorId", ${microsOf('p')} as micros from content.posts p where p.id = any($1::bigint[]) and not p.is_deleted`,
        [ids],
        'timeline_entries_by_ids',
      );
      return rows.map((r) => ({ ...toEntry(r), authorId: r.authorId }));
    },
    async pageByIds(ids, memberId) {
      if (ids.length === 0) return [];
      return pages.load({ ids, memberId });
    },
    mostPopular(since, page) {
      // The expression matches posts_popular_idx exactly, so the all-time ranking is an index walk.
      const order = '(p.view_count + 2 * p.like_count) desc, p.created_at desc, p.id desc';
      return since === undefined ? list('', order, [], page) : list('and p.created_at >= $1', order, [since], page);
    },
    mostCommented: (page) => list('and p.comment_count > 0', 'p.comment_count desc, p.created_at desc, p.id desc', [], page),
    async createdBetween(start, end, page) {
      const [rows, counted] = await Promise.all([
        list('and p.created_at between $1 and $2', NEWEST_FIRST, [start, end], page),
        db.query<{ total: string }>('select count(*) as total from content.posts p where not p.is_deleted and p.created_at between $1 and $2', [start, end]),
      ]);
      return { rows, total: Number(counted[0]?.total ?? 0) };
    },
    async likedBy(memberId, ids) {
      if (ids.length === 0) return new Set();
      const rows = await db.query<{ id: string }>(
        'select post_id as id from content.post_likes where member_id = $1 and post_id = any($2::bigint[])',
        [memberId, ids],
      );
      return new Set(rows.map((r) => r.id));
    },
    async exists(id) {
      const rows = await db.query<{ one: number }>('select 1 as one from content.posts where id = $1 and not is_deleted', [id]);
      return rows.length > 0;
    },
  };
}
