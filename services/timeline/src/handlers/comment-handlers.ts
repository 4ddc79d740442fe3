// Comment reads: my comments, a member's comments (caller optional), a post's top-level comments
// (oldest first), one comment (with COMMENT_READ) and the direct replies of a comment (oldest
// first, each with its own post_id: the original put the parent id there, a QUIRK not kept).
import type { TimelineServiceServer } from '@dailyfeed/gen/timeline/v1/timeline';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import { DomainError } from '../domain/errors.ts';
import { positiveId } from '../domain/ids.ts';
import { pageRequestOrThrow, toScrollPage } from '../domain/paging.ts';
import type { CommentRow } from '../domain/reads.ts';
import { callerOrThrow, forwardedOf, optionalCaller } from './caller.ts';
import { enrichComments } from './enrich.ts';
import type { ReadDeps } from './read-deps.ts';

type CommentHandlers = Pick<
  HandlersOf<TimelineServiceServer>,
  'listMyComments' | 'listMemberComments' | 'listPostComments' | 'getComment' | 'listCommentReplies'
>;

export function createCommentHandlers(deps: ReadDeps): CommentHandlers {
  const commentOrThrow = async (rawId: string): Promise<CommentRow> => {
    const id = positiveId(rawId);
    const row = id === undefined ? undefined : await deps.comments.byId(id);
    if (!row) throw new DomainError('not-found', 'COMMENT_NOT_FOUND', `comment ${rawId} does not exist`);
    return row;
  };

  return {
    async listMyComments(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 20);
      const caller = await callerOrThrow(ctx, deps.members);
      const rows = toScrollPage(await deps.comments.byAuthor(caller.memberId, page), page);
      return { ...rows, content: await enrichComments(rows.content, caller.memberId, caller.fwd, deps) };
    },
    async listMemberComments(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 10);
      const caller = await optionalCaller(ctx, deps.members);
      const memberId = positiveId(req.memberId);
      const rows = toScrollPage(memberId === undefined ? [] : await deps.comments.byAuthor(memberId, page), page);
      const content = await enrichComments(rows.content, caller?.memberId, caller?.fwd ?? forwardedOf(ctx), deps);
      return { ...rows, content };
    },
    async listPostComments(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 10);
      const caller = await callerOrThrow(ctx, deps.members);
      const postId = positiveId(req.postId);
      const [exists, found] = postId === undefined ? [false, []] : await Promise.all([deps.posts.exists(postId), deps.comments.topLevelOfPost(postId, page)]);
      if (!exists) throw new DomainError('not-found', 'POST_NOT_FOUND', `post ${req.postId} does not exist`);
      const rows = toScrollPage(found, page);
      return { ...rows, content: await enrichComments(rows.content, caller.memberId, caller.fwd, deps) };
    },
    async getComment(req, ctx) {
      const caller = await callerOrThrow(ctx, deps.members);
      const row = await commentOrThrow(req.commentId);
      deps.activity.publish({ code: 'COMMENT_READ', memberId: caller.memberId, postId: row.postId, commentId: row.id });
      const [comment] = await enrichComments([row], caller.memberId, caller.fwd, deps);
      return { comment };
    },
    async listCommentReplies(req, ctx) {
      const page = pageRequestOrThrow(req.page, req.size, 10);
      const caller = await callerOrThrow(ctx, deps.members);
      const parent = await commentOrThrow(req.commentId);
      const rows = toScrollPage(await deps.comments.repliesOf(parent.id, page), page);
      return { ...rows, content: await enrichComments(rows.content, caller.memberId, caller.fwd, deps) };
    },
  };
}
