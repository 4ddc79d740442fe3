// Rows -> contract messages with their authors, counts and the caller's `liked` flag, without
// N+1: one GetSummariesByIds call per page and one likes query per page, run in parallel. Counts
// come from content's maintained columns (like_count, comment_count, reply_count).
import type { Comment, Post } from '@dailyfeed/gen/timeline/v1/timeline';
import type { Forwarded } from '../adapters/member-client.ts';
import { authorIdsOf, authorOf, type CommentRow, type PostRow } from '../domain/reads.ts';
import type { ReadDeps } from './read-deps.ts';

export async function enrichPosts(
  rows: readonly (PostRow & { readonly liked?: boolean })[],
  callerId: string | undefined,
  fwd: Forwarded,
  deps: Pick<ReadDeps, 'members' | 'posts'>,
): Promise<Post[]> {
  if (rows.length === 0) return [];
  // Rows of the stored follow feed bring their liked flag along (read in the same statement).
  const likedKnown = rows.every((r) => r.liked !== undefined);
  const [authors, liked] = await Promise.all([
    deps.members.summariesByIds(authorIdsOf(rows), fwd),
    callerId === undefined || likedKnown ? undefined : deps.posts.likedBy(callerId, rows.map((r) => r.id)),
  ]);
  return rows.map((row) => {
    const author = authorOf(authors, row.authorId);
    return {
      id: row.id,
      title: '',
      content: row.content,
      authorId: row.authorId,
      authorName: author.name,
      authorHandle: author.handle,
      authorAvatarUrl: author.avatarUrl,
      viewCount: row.viewCount,
      likeCount: row.likeCount,
      commentCount: row.commentCount,
      liked: callerId === undefined ? undefined : (row.liked ?? liked?.has(row.id)),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt ?? undefined,
    };
  });
}

export async function enrichComments(
  rows: readonly CommentRow[],
  callerId: string | undefined,
  fwd: Forwarded,
  deps: Pick<ReadDeps, 'members' | 'comments'>,
): Promise<Comment[]> {
  if (rows.length === 0) return [];
  const [authors, liked] = await Promise.all([
    deps.members.summariesByIds(authorIdsOf(rows), fwd),
    callerId === undefined ? undefined : deps.comments.likedBy(callerId, rows.map((r) => r.id)),
  ]);
  return rows.map((row) => {
    const author = authorOf(authors, row.authorId);
    return {
      id: row.id,
      content: row.content,
      authorId: row.authorId,
      authorName: author.name,
      authorHandle: author.handle,
      authorAvatarUrl: author.avatarUrl,
      postId: row.postId,
      parentId: row.parentId ?? undefined,
      depth: row.depth,
      likeCount: row.likeCount,
      replyCount: row.replyCount,
      liked: liked?.has(row.id),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt ?? undefined,
    };
  });
}
