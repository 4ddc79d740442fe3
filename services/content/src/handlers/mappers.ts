// Rows -> the Post and Comment messages the write RPCs return. The author fields come from the
// caller's summary: every RPC that returns a post or comment is one only its author may call.
import type { Comment, Post } from '@dailyfeed/gen/content/v1/content';
import type { CommentRow } from '../adapters/comments-repo.ts';
import type { Caller } from '../adapters/member-client.ts';
import type { PostRow } from '../adapters/posts-repo.ts';

export function toPost(row: PostRow, author: Caller, liked: boolean): Post {
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
    liked,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt ?? undefined,
  };
}

export function toComment(row: CommentRow, author: Caller, liked: boolean): Comment {
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
    liked,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt ?? undefined,
  };
}
