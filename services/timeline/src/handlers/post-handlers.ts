// One post in detail (with view counting and POST_READ), posts by ids, and post statistics.
// A view is counted in Redis (adapters/view-counter.ts), never written to the primary on the read
// path; the response shows column + not-yet-flushed views so the reader sees their own view.
import type { TimelineServiceServer } from '@dailyfeed/gen/timeline/v1/timeline';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import { DomainError, validationError } from '../domain/errors.ts';
import { distinctPositiveIds, positiveId } from '../domain/ids.ts';
import { visibleViewCount, type PostRow } from '../domain/reads.ts';
import { viewOutcome } from '../domain/view-rules.ts';
import { callerOrThrow } from './caller.ts';
import { enrichPosts } from './enrich.ts';
import type { ReadDeps } from './read-deps.ts';

type PostHandlers = Pick<HandlersOf<TimelineServiceServer>, 'getPost' | 'batchGetPosts' | 'getPostStatistics'>;

const MAX_BATCH_IDS = 1000;

export function createPostHandlers(deps: ReadDeps): PostHandlers {
  const postOrThrow = async (rawId: string): Promise<PostRow> => {
    const id = positiveId(rawId);
    const row = id === undefined ? undefined : await deps.posts.byId(id);
    if (!row) throw new DomainError('not-found', 'POST_NOT_FOUND', `post ${rawId} does not exist`);
    return row;
  };

  /** Counts the view when the reader is not the author; answers the views not yet flushed. */
  const countView = async (row: PostRow, readerId: string): Promise<string | null> => {
    const outcome = viewOutcome(readerId, row.authorId);
    try {
      if (outcome === 'own-post') {
        deps.metrics.viewCount('own_post');
        return await deps.views.pending(row.id);
      }
      const pending = await deps.views.count(row.id);
      deps.metrics.viewCount('counted');
      deps.activity.publish({ code: 'POST_READ', memberId: readerId, postId: row.id });
      return pending;
    } catch (err: unknown) {
      // Redis down: the read still answers; this view is lost, and that is logged and counted.
      deps.metrics.viewCount('failed');
      deps.log.warn({ err, postId: row.id }, 'view not counted');
      return null;
    }
  };

  return {
    async getPost(req, ctx) {
      const caller = await callerOrThrow(ctx, deps.members);
      const row = await postOrThrow(req.postId);
      const [pending, [post]] = await Promise.all([countView(row, caller.memberId), enrichPosts([row], caller.memberId, caller.fwd, deps)]);
      if (!post) throw new Error('enrichment lost the post');
      return { post: { ...post, viewCount: visibleViewCount(row.viewCount, pending) } };
    },
    async batchGetPosts(req, ctx) {
      if (req.ids.length > MAX_BATCH_IDS) throw validationError([{ field: 'ids', rule: 'max', message: `at most ${MAX_BATCH_IDS} ids` }]);
      const caller = await callerOrThrow(ctx, deps.members);
      const rows = await deps.posts.byIds(distinctPositiveIds(req.ids));
      return { posts: await enrichPosts(rows, caller.memberId, caller.fwd, deps) };
    },
    async getPostStatistics(req) {
      const row = await postOrThrow(req.postId);
      return { commentCount: row.commentCount, likeCount: row.likeCount };
    },
  };
}
