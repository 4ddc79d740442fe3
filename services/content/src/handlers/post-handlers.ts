// Post writes: validate -> authenticate -> one transaction (change, counters, outbox, idempotency);
// creating a post reads nothing, so it is one statement (write-runner.ts, blind writes).
import {
  CreatePostRequest,
  CreatePostResponse,
  DeletePostRequest,
  DeletePostResponse,
  LikePostRequest,
  LikePostResponse,
  UnlikePostRequest,
  UnlikePostResponse,
  UpdatePostRequest,
  UpdatePostResponse,
  type ContentServiceServer,
} from '@dailyfeed/gen/content/v1/content';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import { isPostLiked, likePost, lockPost, markPostDeleted, newPost, unlikePost, updatePostContent } from '../adapters/posts-repo.ts';
import { assertValid, idViolation, contentViolation, POST_CONTENT_MAX, validatePostContent, validateTargetId } from '../domain/content-rules.ts';
import { assertPostDeletable, assertPostEditable } from '../domain/write-rules.ts';
import { callerOf, type HandlerDeps } from './deps.ts';
import { toPost } from './mappers.ts';

type PostHandlers = Pick<HandlersOf<ContentServiceServer>, 'createPost' | 'updatePost' | 'deletePost' | 'likePost' | 'unlikePost'>;

export function createPostHandlers(deps: HandlerDeps): PostHandlers {
  return {
    async createPost(request, ctx) {
      const caller = await callerOf(deps, ctx, true);
      validatePostContent(request.content);
      const id = await deps.postIds.next();
      return deps.writes.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'CreatePost',
        request,
        requestCodec: CreatePostRequest,
        responseCodec: CreatePostResponse,
        blind: (at) => {
          const { row, statement } = newPost(id, caller.memberId, request.content, at);
          return {
            statements: [statement],
            response: { post: toPost(row, caller, false) },
            activities: [{ action: 'POST_CREATE', memberId: caller.memberId, postId: row.id, content: row.content }],
          };
        },
      });
    },

    async updatePost(request, ctx) {
      const caller = await callerOf(deps, ctx, true);
      assertValid(idViolation('postId', request.postId), contentViolation('content', request.content, POST_CONTENT_MAX));
      return deps.writes.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'UpdatePost',
        request,
        requestCodec: UpdatePostRequest,
        responseCodec: UpdatePostResponse,
        body: async (trx) => {
          assertPostEditable(request.postId, await lockPost(trx, request.postId), caller.memberId);
          const row = await updatePostContent(trx, request.postId, request.content);
          const liked = await isPostLiked(trx, row.id, caller.memberId);
          return {
            response: { post: toPost(row, caller, liked) },
            activities: [{ action: 'POST_UPDATE', memberId: caller.memberId, postId: row.id, content: row.content }],
          };
        },
      });
    },

    async deletePost(request, ctx) {
      const caller = await callerOf(deps, ctx, false);
      validateTargetId('postId', request.postId);
      return deps.writes.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'DeletePost',
        request,
        requestCodec: DeletePostRequest,
        responseCodec: DeletePostResponse,
        body: async (trx) => {
          assertPostDeletable(request.postId, await lockPost(trx, request.postId), caller.memberId);
          await markPostDeleted(trx, request.postId);
          return { response: { value: true }, activities: [{ action: 'POST_DELETE', memberId: caller.memberId, postId: request.postId }] };
        },
      });
    },

    async likePost(request, ctx) {
      const caller = await callerOf(deps, ctx, false);
      validateTargetId('postId', request.postId);
      return deps.writes.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'LikePost',
        request,
        requestCodec: LikePostRequest,
        responseCodec: LikePostResponse,
        body: async (trx) => {
          const likeCount = await likePost(trx, request.postId, caller.memberId);
          return { response: { likeCount }, activities: [{ action: 'LIKE_POST', memberId: caller.memberId, postId: request.postId }] };
        },
      });
    },

    async unlikePost(request, ctx) {
      const caller = await callerOf(deps, ctx, false);
      validateTargetId('postId', request.postId);
      return deps.writes.run({
        metadata: ctx.metadata,
        memberId: caller.memberId,
        method: 'UnlikePost',
        request,
        requestCodec: UnlikePostRequest,
        responseCodec: UnlikePostResponse,
        body: async (trx) => {
          const likeCount = await unlikePost(trx, request.postId, caller.memberId);
          return { response: { likeCount }, activities: [{ action: 'LIKE_POST_CANCEL', memberId: caller.memberId, postId: request.postId }] };
        },
      });
    },
  };
}
