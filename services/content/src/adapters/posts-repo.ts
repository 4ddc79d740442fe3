// Posts and post likes in the `content` schema. Every function runs inside the caller's
// transaction; counters change in the same statement sequence as the rows they count, and the
// post row is always locked first (likes, comments, deletes), so concurrent writes never deadlock.
import { postErrors, type OwnedRow } from '../domain/write-rules.ts';
import type { Alongside } from './outbox-repo.ts';
import { asDate, asDateOrNull, query, queryOne, type Db } from './sql.ts';

export interface PostRow {
  readonly id: string;
  readonly authorId: string;
  readonly content: string;
  readonly viewCount: string;
  readonly likeCount: string;
  readonly commentCount: string;
  readonly createdAt: Date;
  readonly updatedAt: Date | null;
}

type RawPost = Omit<PostRow, 'createdAt' | 'updatedAt'> & { createdAt: Date | string; updatedAt: Date | string | null };
const fromRaw = (raw: RawPost): PostRow => ({ ...raw, createdAt: asDate(raw.createdAt), updatedAt: asDateOrNull(raw.updatedAt) });

const POST_COLUMNS = `id, author_id as "authorId", content, view_count as "viewCount", like_count as "likeCount",
  comment_count as "commentCount", created_at as "createdAt", updated_at as "updatedAt"`;

/**
 * A new post as one statement that reads nothing (a blind write, write-runner.ts): its id comes
 * from the identity sequence ahead of time (id-blocks.ts) and its creation time from the write.
 * The row it returns is what PostgreSQL will hold: the counters start at their defaults.
 */
export function newPost(id: string, authorId: string, content: string, at: Date): { row: PostRow; statement: Alongside } {
  return {
    row: { id, authorId, content, viewCount: '0', likeCount: '0', commentCount: '0', createdAt: at, updatedAt: null },
    statement: { sql: `insert into content.posts (id, author_id, content, created_at) overriding system value values (?, ?, ?, ?)`, bindings: [id, authorId, content, at] },
  };
}

/** Locks the post row for the rest of the transaction. */
export function lockPost(db: Db, id: string): Promise<OwnedRow | undefined> {
  return queryOne<OwnedRow>(db, `select author_id as "authorId", is_deleted as "isDeleted" from content.posts where id = ? for update`, [id]);
}

export async function updatePostContent(db: Db, id: string, content: string): Promise<PostRow> {
  const row = await queryOne<RawPost>(db, `update content.posts set content = ?, updated_at = now() where id = ? returning ${POST_COLUMNS}`, [
    content,
    id,
  ]);
  if (!row) throw postErrors.notFound(id);
  return fromRaw(row);
}

export async function markPostDeleted(db: Db, id: string): Promise<void> {
  await query(db, `update content.posts set is_deleted = true, deleted_at = now() where id = ?`, [id]);
}

export async function isPostLiked(db: Db, postId: string, memberId: string): Promise<boolean> {
  const row = await queryOne(db, `select 1 from content.post_likes where post_id = ? and member_id = ?`, [postId, memberId]);
  return row !== undefined;
}

/** Adds the like and returns the post's like count; the primary key makes a second like fail. */
export async function likePost(db: Db, postId: string, memberId: string): Promise<string> {
  const post = await queryOne<{ likeCount: string }>(
    db,
    `update content.posts set like_count = like_count + 1 where id = ? and not is_deleted returning like_count as "likeCount"`,
    [postId],
  );
  if (!post) throw postErrors.notFound(postId);
  const inserted = await queryOne(
    db,
    `insert into content.post_likes (post_id, member_id) values (?, ?) on conflict do nothing returning post_id`,
    [postId, memberId],
  );
  if (!inserted) throw postErrors.likeExists();
  return post.likeCount;
}

export async function unlikePost(db: Db, postId: string, memberId: string): Promise<string> {
  const post = await queryOne<{ likeCount: string }>(
    db,
    `update content.posts set like_count = like_count - 1 where id = ? and not is_deleted returning like_count as "likeCount"`,
    [postId],
  );
  if (!post) throw postErrors.notFound(postId);
  const removed = await queryOne(db, `delete from content.post_likes where post_id = ? and member_id = ? returning post_id`, [postId, memberId]);
  if (!removed) throw postErrors.likeMissing();
  return post.likeCount;
}

/** +1/-n on the visible comment count; returns false when the post is missing or deleted. */
export async function addCommentCount(db: Db, postId: string, delta: number, visibleOnly: boolean): Promise<boolean> {
  const row = await queryOne(
    db,
    `update content.posts set comment_count = greatest(comment_count + ?, 0) where id = ?${visibleOnly ? ' and not is_deleted' : ''} returning id`,
    [delta, postId],
  );
  return row !== undefined;
}
