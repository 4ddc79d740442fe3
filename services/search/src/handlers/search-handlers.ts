// SearchService handlers: proto message -> index / downstream calls -> proto message. The index
// gives which posts and comments match; timeline-svc (posts) and member-svc (comment authors,
// follower totals) give the current values shown, as the contract's file comment requires.
import type { Metadata } from '@grpc/grpc-js';
import type { MemberSummary } from '@dailyfeed/gen/member/v1/member';
import type { CommentResult, PostResult, SearchServiceServer } from '@dailyfeed/gen/search/v1/search';
import type { Post } from '@dailyfeed/gen/timeline/v1/timeline';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import type { MemberDirectory } from '../adapters/member-client.ts';
import type { IndexedComment, IndexedPost, SearchIndex } from '../domain/search-engine.ts';
import type { PostReader, PostStats } from '../adapters/timeline-client.ts';
import { idsOrThrow, keywordQueryOrThrow, pageRequestOrThrow, toFullPage } from '../domain/paging.ts';

export interface SearchHandlerDeps {
  readonly index: SearchIndex;
  readonly posts: PostReader;
  readonly members: MemberDirectory;
}

export function createSearchHandlers({ index, posts, members }: SearchHandlerDeps): HandlersOf<SearchServiceServer> {
  const authorsOf = async (rows: readonly { authorId: string }[], md: Metadata): Promise<Map<string, MemberSummary>> => {
    const authors = new Map<string, MemberSummary>();
    for (const s of await members.summariesByIds([...new Set(rows.map((r) => r.authorId))], md)) authors.set(s.memberId, s);
    return authors;
  };

  const commentResults = async (rows: readonly IndexedComment[], md: Metadata): Promise<CommentResult[]> => {
    const authors = await authorsOf(rows, md);
    return rows.map((r) => toCommentResult(r, authors.get(r.authorId)));
  };

  return {
    async searchPosts(req, ctx) {
      const { keyword, paging } = keywordQueryOrThrow(req.keyword, req.page, req.size);
      // A token is optional; a token that is sent must be valid (it only fills `liked`).
      const found = await index.searchPosts(keyword, paging.size, paging.offset);
      const ids = found.rows.map((p) => p.postId);
      // Posts timeline no longer returns (deleted since they were indexed) are dropped.
      if (ctx.metadata.get('authorization').length > 0) {
        const caller = await members.authenticate(ctx.metadata);
        if (caller.refreshNeeded) ctx.trailers.set('x-token-refresh-needed', 'true');
        const byId = new Map((await posts.batchGetPosts(ids, ctx.metadata)).map((p) => [p.id, p]));
        const content = ids.flatMap((id) => {
          const post = byId.get(id);
          return post ? [toPostResult(post)] : [];
        });
        return toFullPage(content, found.total, paging);
      }
      // Anonymous: timeline's post bulk read needs a caller, so the text and dates come from the
      // index, counts from the public statistics and the author from member-svc.
      const [stats, authors] = await Promise.all([posts.stats(ids, ctx.metadata), authorsOf(found.rows, ctx.metadata)]);
      const content = found.rows.flatMap((row) => {
        const counts = stats.get(row.postId);
        return counts ? [toAnonymousPostResult(row, counts, authors.get(row.authorId))] : [];
      });
      return toFullPage(content, found.total, paging);
    },

    async searchComments(req, ctx) {
      const { keyword, paging } = keywordQueryOrThrow(req.keyword, req.page, req.size);
      const found = await index.searchComments(keyword, paging.size, paging.offset);
      return toFullPage(await commentResults(found.rows, ctx.metadata), found.total, paging);
    },

    async listPostComments(req, ctx) {
      const paging = pageRequestOrThrow(req.page, req.size);
      const found = await index.postComments(req.postId, paging.size, paging.offset);
      return toFullPage(await commentResults(found.rows, ctx.metadata), found.total, paging);
    },

    async countPostLikes(req, ctx) {
      const ids = idsOrThrow(req.postIds, 'post_ids');
      const stats = await posts.stats(ids, ctx.metadata);
      return { counts: ids.map((postId) => ({ postId, likeCount: stats.get(postId)?.likeCount ?? '0' })) };
    },

    async countPostComments(req, ctx) {
      const ids = idsOrThrow(req.postIds, 'post_ids');
      const stats = await posts.stats(ids, ctx.metadata);
      return { counts: ids.map((postId) => ({ postId, commentCount: stats.get(postId)?.commentCount ?? '0' })) };
    },

    async countCommentLikes(req) {
      const ids = idsOrThrow(req.commentIds, 'comment_ids');
      const counts = await index.commentLikeCounts(ids);
      return { counts: ids.map((commentId) => ({ commentId, likeCount: String(counts.get(commentId) ?? 0) })) };
    },

    async countFollowers(req, ctx) {
      const ids = idsOrThrow(req.toMemberIds, 'to_member_ids');
      const counts = await members.followerCounts(ids, ctx.metadata);
      return { counts: ids.map((toMemberId) => ({ toMemberId, followingCount: String(counts.get(toMemberId) ?? 0) })) };
    },
  };
}

function toPostResult(post: Post): PostResult {
  return {
    id: post.id,
    content: post.content,
    authorId: post.authorId,
    authorName: post.authorName,
    authorHandle: post.authorHandle,
    authorAvatarUrl: post.authorAvatarUrl,
    viewCount: post.viewCount,
    likeCount: post.likeCount,
    commentCount: post.commentCount,
    liked: post.liked,
    createdAt: post.createdAt,
    updatedAt: post.updatedAt,
  };
}

function toAnonymousPostResult(row: IndexedPost, counts: PostStats, author: MemberSummary | undefined): PostResult {
  return {
    id: row.postId,
    content: row.content,
    authorId: row.authorId,
    ...authorFields(author),
    // Views are only in timeline's caller-bound post read; an anonymous search reports 0.
    viewCount: '0',
    likeCount: counts.likeCount,
    commentCount: counts.commentCount,
    liked: undefined,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function authorFields(author: MemberSummary | undefined): { authorName: string; authorHandle: string; authorAvatarUrl: string } {
  return {
    authorName: author ? (author.displayName !== '' ? author.displayName : author.memberName) : '',
    authorHandle: author?.memberHandle ?? '',
    authorAvatarUrl: author?.avatarUrl ?? '',
  };
}

function toCommentResult(row: IndexedComment, author: MemberSummary | undefined): CommentResult {
  return {
    id: row.commentId,
    postId: row.postId,
    parentId: row.parentId ?? undefined,
    content: row.content,
    authorId: row.authorId,
    ...authorFields(author),
    depth: row.depth,
    replyCount: String(row.replyCount),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}
