// Reindex from content-svc's tables (`node src/main.ts reindex`): every post, then every comment,
// in id order (a reply's id is always above its parent's), written through the configured engine
// as the same changes events make. The event time of a row is its last change (deleted_at,
// updated_at or created_at), so a reindex never overwrites a newer event already indexed and a
// deleted row becomes a delete (tombstone; a deleted comment hides its replies). Idempotent: run
// it again, or resume it from the last ids it logged (`afterPostId`, `afterCommentId`).
import type { IndexChange } from '../domain/index-event.ts';
import type { SearchIndex } from '../domain/search-engine.ts';
import type { Sql } from './sql.ts';

const BATCH = 500;

export interface ReindexOptions {
  readonly afterPostId?: string;
  readonly afterCommentId?: string;
  readonly progress?: (done: { posts: number; comments: number; lastPostId: string; lastCommentId: string }) => void;
}

interface ContentRow {
  id: string;
  post_id: string;
  parent_id: string | null;
  author_id: string;
  content: string;
  is_deleted: boolean;
  created_at: Date;
  updated_at: Date | null;
  deleted_at: Date | null;
}

const lastChange = (r: ContentRow): Date => new Date(r.deleted_at ?? r.updated_at ?? r.created_at);

function postChange(r: ContentRow): IndexChange {
  const at = lastChange(r);
  if (r.is_deleted) return { kind: 'delete-post', postId: String(r.id), at };
  return { kind: 'upsert-post', postId: String(r.id), authorId: String(r.author_id), content: r.content, at, createdAt: new Date(r.created_at) };
}

function commentChange(r: ContentRow): IndexChange {
  const at = lastChange(r);
  if (r.is_deleted) return { kind: 'delete-comment', commentId: String(r.id), postId: String(r.post_id), at };
  return {
    kind: 'upsert-comment',
    commentId: String(r.id),
    postId: String(r.post_id),
    parentId: r.parent_id === null ? undefined : String(r.parent_id),
    authorId: String(r.author_id),
    content: r.content,
    at,
    createdAt: new Date(r.created_at),
  };
}

export async function reindexFromContent(content: Sql, index: SearchIndex, options: ReindexOptions = {}): Promise<{ posts: number; comments: number }> {
  const done = { posts: 0, comments: 0, lastPostId: options.afterPostId ?? '0', lastCommentId: options.afterCommentId ?? '0' };
  for (;;) {
    const rows = await content.query<ContentRow>(
      `select id, id as post_id, null as parent_id, author_id, content, is_deleted, created_at, updated_at, deleted_at
       from content.posts where id > ?::bigint order by id limit ?`,
      [done.lastPostId, BATCH],
    );
    if (rows.length === 0) break;
    await index.applyMany(rows.map(postChange));
    done.posts += rows.length;
    done.lastPostId = String(rows[rows.length - 1]!.id);
    options.progress?.(done);
  }
  for (;;) {
    const rows = await content.query<ContentRow>(
      `select id, post_id, parent_id, author_id, content, is_deleted, created_at, updated_at, deleted_at
       from content.comments where id > ?::bigint order by id limit ?`,
      [done.lastCommentId, BATCH],
    );
    if (rows.length === 0) break;
    await index.applyMany(rows.map(commentChange));
    done.comments += rows.length;
    done.lastCommentId = String(rows[rows.length - 1]!.id);
    options.progress?.(done);
  }
  return { posts: done.posts, comments: done.comments };
}
