// Comments, replies and comment likes. Lock order is post row, then comment rows (see
// posts-repo.ts). Deleting a comment hides its whole reply subtree in one recursive statement and
// moves the maintained counters by exactly the number of rows it hid.
import { commentErrors, type OwnedRow, type ParentRow } from '../domain/write-rules.ts';
import { asDate, asDateOrNull, query, queryOne, type Db } from './sql.ts';

export interface CommentRow {
  readonly id: string;
  readonly postId: string;
  readonly parentId: string | null;
  readonly authorId: string;
  readonly content: string;
  readonly depth: number;
  readonly likeCount: string;
  readonly replyCount: string;
  readonly createdAt: Date;
  readonly updatedAt: Date | null;
}

type RawComment = Omit<CommentRow, 'createdAt' | 'updatedAt'> & { createdAt: Date | string; updatedAt: Date | string | null };
const fromRaw = (raw: RawComment): CommentRow => ({ ...raw, createdAt: asDate(raw.createdAt), updatedAt: asDateOrNull(raw.updatedAt) });

const COMMENT_COLUMNS = `id, post_id as "postId", parent_id as "parentId", author_id as "authorId", content, depth,
  like_count as "likeCount", reply_count as "replyCount", created_at as "createdAt", updated_at as "updatedAt"`;

export interface NewComment {
  readonly postId: string;
  readonly parentId: string | null;
  readonly authorId: string;
  readonly content: string;
  readonly depth: number;
}

export async function insertComment(db: Db, c: NewComment): Promise<CommentRow> {
  const row = await queryOne<RawComment>(
    db,
    `insert into content.comments (post_id, parent_id, author_id, content, depth) values (?, ?, ?, ?, ?) returning ${COMMENT_COLUMNS}`,
    [c.postId, c.parentId, c.authorId, c.content, c.depth],
  );
  if (!row) throw new Error('insert into comments returned no row');
  return fromRaw(row);
}

/** The post a comment belongs to (unlocked), to take the post lock first. */
export async function postIdOfComment(db: Db, id: string): Promise<string | undefined> {
  const row = await queryOne<{ postId: string }>(db, `select post_id as "postId" from content.comments where id = ?`, [id]);
  return row?.postId;
}

export function lockComment(db: Db, id: string): Promise<(OwnedRow & ParentRow & { parentId: string | null }) | undefined> {
  return queryOne(
    db,
    `select author_id as "authorId", is_deleted as "isDeleted", post_id as "postId", depth, parent_id as "parentId"
       from content.comments where id = ? for update`,
    [id],
  );
}

export async function addReplyCount(db: Db, id: string, delta: number): Promise<void> {
  await query(db, `update content.comments set reply_count = greatest(reply_count + ?, 0) where id = ?`, [delta, id]);
}

export async function updateCommentContent(db: Db, id: string, content: string): Promise<CommentRow> {
  const row = await queryOne<RawComment>(
    db,
    `update content.comments set content = ?, updated_at = now() where id = ? returning ${COMMENT_COLUMNS}`,
    [content, id],
  );
  if (!row) throw commentErrors.notFound(id);
  return fromRaw(row);
}

/** Soft-deletes the comment and every visible reply beneath it; returns how many rows it hid. */
export async function deleteCommentSubtree(db: Db, id: string): Promise<number> {
  const rows = await query(
    db,
    `with recursive subtree(id) as (
       select id from content.comments where id = ? and not is_deleted
       union all
       select c.id from content.comments c join subtree s on c.parent_id = s.id where not c.is_deleted
     )
     update content.comments set is_deleted = true, deleted_at = now()
      where id in (select id from subtree) and not is_deleted
     returning id`,
    [id],
  );
  return rows.length;
}

export async function isCommentLiked(db: Db, commentId: string, memberId: string): Promise<boolean> {
  const row = await queryOne(db, `select 1 from content.comment_likes where comment_id = ? and member_id = ?`, [commentId, memberId]);
  return row !== undefined;
}

export interface CommentLikeResult {
  readonly likeCount: string;
  readonly postId: string;
}

export async function likeComment(db: Db, commentId: string, memberId: string): Promise<CommentLikeResult> {
  const row = await queryOne<CommentLikeResult>(
    db,
    `update content.comments set like_count = like_count + 1 where id = ? and not is_deleted returning like_count as "likeCount", post_id as "postId"`,
    [commentId],
  );
  if (!row) throw commentErrors.notFound(commentId);
  const inserted = await queryOne(
    db,
    `insert into content.comment_likes (comment_id, member_id) values (?, ?) on conflict do nothing returning comment_id`,
    [commentId, memberId],
  );
  if (!inserted) throw commentErrors.likeExists();
  return row;
}

export async function unlikeComment(db: Db, commentId: string, memberId: string): Promise<CommentLikeResult> {
  const row = await queryOne<CommentLikeResult>(
    db,
    `update content.comments set like_count = like_count - 1 where id = ? and not is_deleted returning like_count as "likeCount", post_id as "postId"`,
    [commentId],
  );
  if (!row) throw commentErrors.notFound(commentId);
  const removed = await queryOne(db, `delete from content.comment_likes where comment_id = ? and member_id = ? returning comment_id`, [
    commentId,
    memberId,
  ]);
  if (!removed) throw commentErrors.likeMissing();
  return row;
}
