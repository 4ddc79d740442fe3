// Test support: rows written straight into content's tables with the superuser pool, as
// content-svc would leave them (maintained counters set explicitly), and removed afterwards so
// no far-future or huge-counter row lingers in the shared test database.
import type pg from 'pg';

export interface PostSpec {
  readonly authorId: string;
  readonly content?: string;
  readonly createdAt?: Date;
  readonly updatedAt?: Date;
  readonly viewCount?: number;
  readonly likeCount?: number;
  readonly commentCount?: number;
  readonly deleted?: boolean;
}

export interface CommentSpec {
  readonly postId: string;
  readonly authorId: string;
  readonly parentId?: string;
  readonly depth?: number;
  readonly content?: string;
  readonly createdAt?: Date;
  readonly likeCount?: number;
  readonly replyCount?: number;
  readonly deleted?: boolean;
}

export interface Fixtures {
  post(spec: PostSpec): Promise<string>;
  comment(spec: CommentSpec): Promise<string>;
  likePost(postId: string, memberId: string): Promise<void>;
  likeComment(commentId: string, memberId: string): Promise<void>;
  /** Ids of the posts created so far. */
  postIds(): readonly string[];
  /** Removes every row this fixture set created. */
  cleanup(): Promise<void>;
}

/** Seconds after a base instant: distinct, ordered creation times. */
export const at = (base: Date, seconds: number): Date => new Date(base.getTime() + seconds * 1000);

/**
 * With `announce`, each visible post is also announced as content-svc would (its POST_CREATE
 * event), so the fan-out consumer adds it to the stored feeds.
 */
export function createFixtures(db: pg.Pool, announce?: (postId: string, authorId: string) => Promise<void>): Fixtures {
  const posts: string[] = [];
  const comments: string[] = [];
  return {
    async post(spec) {
      const { rows } = await db.query<{ id: string }>(
        `insert into content.posts (author_id, content, created_at, updated_at, view_count, like_count, comment_count, is_deleted, deleted_at)
         values ($1, $2, coalesce($3, now()), $4, $5, $6, $7, $8, case when $8 then now() end) returning id`,
        [spec.authorId, spec.content ?? 'post', spec.createdAt ?? null, spec.updatedAt ?? null, spec.viewCount ?? 0, spec.likeCount ?? 0, spec.commentCount ?? 0, spec.deleted ?? false],
      );
      const id = rows[0]!.id;
      posts.push(id);
      if (announce && !spec.deleted) await announce(id, spec.authorId);
      return id;
    },
    async comment(spec) {
      const { rows } = await db.query<{ id: string }>(
        `insert into content.comments (post_id, parent_id, author_id, content, depth, created_at, like_count, reply_count, is_deleted, deleted_at)
         values ($1, $2, $3, $4, $5, coalesce($6, now()), $7, $8, $9, case when $9 then now() end) returning id`,
        [spec.postId, spec.parentId ?? null, spec.authorId, spec.content ?? 'comment', spec.depth ?? (spec.parentId ? 1 : 0), spec.createdAt ?? null, spec.likeCount ?? 0, spec.replyCount ?? 0, spec.deleted ?? false],
      );
      const id = rows[0]!.id;
      comments.push(id);
      return id;
    },
    async likePost(postId, memberId) {
      await db.query('insert into content.post_likes (post_id, member_id) values ($1, $2)', [postId, memberId]);
      await db.query('update content.posts set like_count = like_count + 1 where id = $1', [postId]);
    },
    async likeComment(commentId, memberId) {
      await db.query('insert into content.comment_likes (comment_id, member_id) values ($1, $2)', [commentId, memberId]);
      await db.query('update content.comments set like_count = like_count + 1 where id = $1', [commentId]);
    },
    postIds: () => [...posts],
    async cleanup() {
      await db.query('delete from content.comment_likes where comment_id = any($1::bigint[])', [comments]);
      // Replies before their parents (foreign key on parent_id).
      await db.query('delete from content.comments where id = any($1::bigint[]) and depth = 2', [comments]);
      await db.query('delete from content.comments where id = any($1::bigint[]) and depth = 1', [comments]);
      await db.query('delete from content.comments where id = any($1::bigint[])', [comments]);
      await db.query('delete from content.post_likes where post_id = any($1::bigint[])', [posts]);
      await db.query('delete from content.posts where id = any($1::bigint[])', [posts]);
    },
  };
}
