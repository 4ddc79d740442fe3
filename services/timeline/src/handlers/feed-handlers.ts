// The post feeds: follow feed, rankings, newest, my posts, an author's posts, a date range.
// Each resolves the caller, reads one page (size+1 rows), enriches it and is timed per feed.
//
// The follow feed is served from stored per-member feeds (fan-out on write, pull-and-merge for
// heavy authors): design and correctness rules in follow-feed.ts.
import type { TimelineServiceServer } from '@dailyfeed/gen/timeline/v1/timeline';
import { PopularityWindow } from '@dailyfeed/gen/timeline/v1/timeline';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import type { Feed } from '../adapters/metrics.ts';
import { DomainError, validationError } from '../domain/errors.ts';
import { positiveId } from '../domain/ids.ts';
import { pageRequestOrThrow, toScrollPage, type PageRequest } from '../domain/paging.ts';
import type { PostRow } from '../domain/reads.ts';
import { callerOrThrow, type Caller } from './caller.ts';
import { enrichPosts } from './enrich.ts';
import type { ReadDeps } from './read-deps.ts';

type Handlers = HandlersOf<TimelineServiceServer>;
type FeedHandlers = Pick<
  Handlers,
  | 'listFollowingPosts'
  | 'listMostCommentedPosts'
  | 'listMostPopularPosts'
  | 'listRecentActivityPosts'
  | 'listMyPosts'
  | 'listAuthorPosts'
  | 'listPostsByDateRange'
>;

const DAY_MS = 24 * 60 * 60 * 1000;

export function createFeedHandlers(deps: ReadDeps): FeedHandlers {
  /** One scroll page of a feed: caller, paging, rows, enrichment, timing. */
  const feedPage = async (
    feed: Feed,
    caller: Caller,
    page: PageRequest,
    load: (caller: Caller) => Promise<PostRow[]>,
  ) => {
    const done = deps.metrics.startFeed(feed);
    const rows = toScrollPage(await load(caller), page);
    const content = await enrichPosts(rows.content, caller.memberId, caller.fwd, deps);
    done();
    return { ...rows, content };
  };

  return {
    async listFollowingPosts(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 20);
      const caller = await callerOrThrow(ctx, deps.members);
      return feedPage('following', caller, page, (c) => deps.followFeed(c.memberId, deps.followingIds(c.memberId, c.fwd), page));
    },
    async listMostCommentedPosts(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 20);
      const caller = await callerOrThrow(ctx, deps.members);
      return feedPage('most_commented', caller, page, () => deps.posts.mostCommented(page));
    },
    async listMostPopularPosts(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 20);
      const since = windowStart(req.window, deps.clock());
      const caller = await callerOrThrow(ctx, deps.members);
      return feedPage('most_popular', caller, page, () => deps.posts.mostPopular(since, page));
    },
    async listRecentActivityPosts(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 20);
      const caller = await callerOrThrow(ctx, deps.members);
      return feedPage('recent', caller, page, () => deps.posts.recent(page));
    },
    async listMyPosts(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 10);
      const caller = await callerOrThrow(ctx, deps.members);
      return feedPage('my_posts', caller, page, (c) => deps.posts.byAuthor(c.memberId, page, c.memberId));
    },
    async listAuthorPosts(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 10);
      const caller = await callerOrThrow(ctx, deps.members);
      const authorId = positiveId(req.authorId);
      const notFound = () => new DomainError('not-found', 'MEMBER_NOT_FOUND', `member ${req.authorId} does not exist`);
      if (authorId === undefined) throw notFound();
      return feedPage('author_posts', caller, page, async (c) => {
        const [exists, rows] = await Promise.all([deps.members.exists(authorId, c.fwd), deps.posts.byAuthor(authorId, page, c.memberId)]);
        if (!exists) throw notFound();
        return rows;
      });
    },
    async listPostsByDateRange(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 20);
      const { start, end } = rangeOrThrow(req.startDate, req.endDate);
      const caller = await callerOrThrow(ctx, deps.members);
      const done = deps.metrics.startFeed('date_range');
      const { rows, total } = await deps.posts.createdBetween(start, end, page);
      const scroll = toScrollPage(rows, page);
      const content = await enrichPosts(scroll.content, caller.memberId, caller.fwd, deps);
      done();
      const totalPages = Math.ceil(total / page.size);
      return {
        content,
        page: page.page,
        size: page.size,
        hasNext: scroll.hasNext,
        totalElements: String(total),
        totalPages,
        first: page.page === 0,
        last: page.page >= totalPages - 1,
        hasPrevious: page.page > 0,
      };
    },
  };
}

function windowStart(window: PopularityWindow, now: Date): Date | undefined {
  switch (window) {
    case PopularityWindow.POPULARITY_WINDOW_DAY:
      return new Date(now.getTime() - DAY_MS);
    case PopularityWindow.POPULARITY_WINDOW_WEEK:
      return new Date(now.getTime() - 7 * DAY_MS);
    case PopularityWindow.POPULARITY_WINDOW_UNSPECIFIED:
      return undefined;
    default:
      throw validationError([{ field: 'window', rule: 'enum', message: 'must be DAY or WEEK (or absent for all time)' }]);
  }
}

function rangeOrThrow(start: Date | undefined, end: Date | undefined): { start: Date; end: Date } {
  if (start === undefined || end === undefined) {
    throw validationError([
      ...(start === undefined ? [{ field: 'start_date', rule: 'required', message: 'is required' }] : []),
      ...(end === undefined ? [{ field: 'end_date', rule: 'required', message: 'is required' }] : []),
    ]);
  }
  if (end.getTime() < start.getTime()) throw validationError([{ field: 'end_date', rule: 'order', message: 'must not be before start_date' }]);
  return { start, end };
}
