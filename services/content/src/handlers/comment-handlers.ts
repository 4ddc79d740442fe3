// Comment and reply writes. Lock order: post row first, then comment rows (see posts-repo.ts).
import {
  CreateCommentRequest,
  CreateCommentResponse,
  CreateReplyRequest,
  CreateReplyResponse,
  DeleteCommentRequest,
  DeleteCommentResponse,
  LikeCommentRequest,
  LikeCommentResponse,
  UnlikeCommentRequest,
  UnlikeCommentResponse,
  UpdateCommentRequest,
  UpdateCommentResponse,
  type ContentServiceServer,
} from '@dailyfeed/gen/content/v1/content';
import {
  addReplyCount,
  deleteCommentSubtree,
  insertComment,
  isCommentLiked,
  likeComment,
  lockComment,
  postIdOfComment,
  unlikeComment,
  updateCommentContent,
} from '../adapters/comments-repo.ts';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import type { Caller } from '../adapters/member-client.ts';
import { addCommentCount, lockPost } from '../adapters/posts-repo.ts';
import type { Db } from '../adapters/sql.ts';
import { assertValid, COMMENT_CONTENT_MAX, contentViolation, idViolation, validateComment, validateTargetId } from '../domain/content-rules.ts';
import type { WriteActivity } from '../domain/activity-event.ts';
import { assertCommentDeletable, assertCommentEditable, commentErrors, postErrors, replyDepthOrThrow } from '../domain/write-rules.ts';
import { callerOf, type HandlerDeps } from './deps.ts';
import { toComment } from './mappers.ts';

type CommentHandlers = Pick<
  HandlersOf<ContentServiceServer>,
  'createComment' | 'createReply' | 'updateComment' | 'deleteComment' | 'likeComment' | 'unlikeComment'
>;

interface NewCommentInput {
  readonly content: string;
  readonly postId: string;
  readonly parentId?: string | undefined;
}

/** Inserts a comment (parentId unset) or reply, moving the post's and parent's counters. */
async function addComment(trx: Db, caller: Caller, input: NewCommentInput) {
  if (!(await addCommentCount(trx, input.postId, 1, true))) throw postErrors.notFound(input.postId);
  let depth = 0;
  if (input.parentId !== undefined) {
    depth = replyDepthOrThrow(input.parentId, await lockComment(trx, input.parentId), input.postId);
    await addReplyCount(trx, input.parentId, 1);
  }
  const row = await insertComment(trx, { postId: input.postId, parentId: input.parentId ?? null, authorId: caller.memberId, content: input.content, depth });
  const activity: WriteActivity = {
    action: 'COMMENT_CREATE',
    memberId: caller.memberId,
    postId: row.postId,
    commentId: row.id,
    content: row.content,
    parentCommentId: row.parentId ?? undefined,
  };
  return { response: { comment: toComment(row, caller, false) }, activities: [activity] };
}

export function createCommentHandlers(deps: HandlerDeps): CommentHandlers {
  const write = deps.writes;
  return {
    async createComment(request, ctx) {
      const caller = await callerOf(deps, ctx, true);
      validateComment(request, false);
      return write.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'CreateComment',
        request,
        requestCodec: CreateCommentRequest,
        responseCodec: CreateCommentResponse,
        body: (trx) => addComment(trx, caller, request),
      });
    },

    async createReply(request, ctx) {
      const caller = await callerOf(deps, ctx, true);
      validateComment(request, true);
      return write.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'CreateReply',
        request,
        requestCodec: CreateReplyRequest,
        responseCodec: CreateReplyResponse,
        body: (trx) => addComment(trx, caller, request),
      });
    },

    async updateComment(request, ctx) {
      const caller = await callerOf(deps, ctx, true);
      assertValid(idViolation('commentId', request.commentId), contentViolation('content', request.content, COMMENT_CONTENT_MAX));
      return write.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'UpdateComment',
        request,
        requestCodec: UpdateCommentRequest,
        responseCodec: UpdateCommentResponse,
        body: async (trx) => {
          assertCommentEditable(request.commentId, await lockComment(trx, request.commentId), caller.memberId);
          const row = await updateCommentContent(trx, request.commentId, request.content);
          const liked = await isCommentLiked(trx, row.id, caller.memberId);
          const activity: WriteActivity = { action: 'COMMENT_UPDATE', memberId: caller.memberId, postId: row.postId, commentId: row.id, content: row.content };
          return { response: { comment: toComment(row, caller, liked) }, activities: [activity] };
        },
      });
    },

    async deleteComment(request, ctx) {
      const caller = await callerOf(deps, ctx, false);
      validateTargetId('commentId', request.commentId);
      return write.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'DeleteComment',
        request,
        requestCodec: DeleteCommentRequest,
        responseCodec: DeleteCommentResponse,
        body: async (trx) => {
          const postId = await postIdOfComment(trx, request.commentId);
          if (postId === undefined) throw commentErrors.notFound(request.commentId);
          await lockPost(trx, postId); // the post lock first, as every write that moves its counters
          const comment = await lockComment(trx, request.commentId);
          assertCommentDeletable(request.commentId, comment, caller.memberId);
          const hidden = await deleteCommentSubtree(trx, request.commentId);
          await addCommentCount(trx, postId, -hidden, false);
          if (comment?.parentId) await addReplyCount(trx, comment.parentId, -1);
          const activity: WriteActivity = { action: 'COMMENT_DELETE', memberId: caller.memberId, postId, commentId: request.commentId };
          return { response: { value: true }, activities: [activity] };
        },
      });
    },

    async likeComment(request, ctx) {
      const caller = await callerOf(deps, ctx, false);
      validateTargetId('commentId', request.commentId);
      return write.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'LikeComment',
        request,
        requestCodec: LikeCommentRequest,
        responseCodec: LikeCommentResponse,
        body: async (trx) => {
          const { likeCount, postId } = await likeComment(trx, request.commentId, caller.memberId);
          const activity: WriteActivity = { action: 'LIKE_COMMENT', memberId: caller.memberId, postId, commentId: request.commentId };
          return { response: { likeCount }, activities: [activity] };
        },
      });
    },

    async unlikeComment(request, ctx) {
      const caller = await callerOf(deps, ctx, false);
      validateTargetId('commentId', request.commentId);
      return write.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'UnlikeComment',
        request,
        requestCodec: UnlikeCommentRequest,
        responseCodec: UnlikeCommentResponse,
        body: async (trx) => {
          const { likeCount, postId } = await unlikeComment(trx, request.commentId, caller.memberId);
          const activity: WriteActivity = { action: 'LIKE_COMMENT_CANCEL', memberId: caller.memberId, postId, commentId: request.commentId };
          return { response: { likeCount }, activities: [activity] };
        },
      });
    },
  };
}
