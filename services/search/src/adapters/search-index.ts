// The PostgreSQL full-text index: idempotent writes from events (ON CONFLICT, newest event wins,
// deletes are final) and the queries behind the RPCs. A keyword matches a document when its
// words match (`simple` config: case-insensitive, no stemming) or when it is a substring of the
// text (ILIKE, served by the trigram index) — the original matched unanchored substrings.
import type { IndexChange, PostUpsert } from '../domain/index-event.ts';
import { likePattern, mergePostUpserts } from '../domain/index-event.ts';
import type { IndexedComment, SearchIndex } from '../domain/search-engine.ts';
import type { Sql } from './sql.ts';

const POST_MATCH = `not p.is_deleted and (p.tsv @@ plainto_tsquery('simple', ?) or p.content ilike ? escape '\\')`;
// Comments of a deleted post never match, whichever event arrived first.
const COMMENT_VISIBLE = `not c.is_deleted and not exists (select 1 from search.posts p where p.post_id = c.post_id and p.is_deleted)`;
const COMMENT_MATCH = `${COMMENT_VISIBLE} and (c.tsv @@ plainto_tsquery('simple', ?) or c.content ilike ? escape '\\')`;
const COMMENT_COLUMNS = `c.comment_id, c.post_id, c.parent_id, c.author_id, c.content, c.depth, c.created_at, c.updated_at,
  (select count(*) from search.comments r where r.parent_id = c.comment_id and not r.is_deleted) as reply_count`;

interface CommentRow {
  comment_id: string;
  post_id: string;
  parent_id: string | null;
  author_id: string;
  content: string;
  depth: number;
  reply_count: string;
  created_at: Date;
  updated_at: Date;
  total: string;
}

function toComment(row: CommentRow): IndexedComment {
  return {
    commentId: String(row.comment_id),
    postId: String(row.post_id),
    parentId: row.parent_id === null ? null : String(row.parent_id),
    authorId: String(row.author_id),
    content: row.content,
    depth: Number(row.depth),
    replyCount: Number(row.reply_count),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/**
 * Runs a page's count and rows in one read-only REPEATABLE READ transaction: both see the same
 * snapshot, so a write the indexer commits between them cannot make the total disagree with the
 * rows (a page showing a post with total 0). Typesense answers both in one response.
 */
function inSnapshot<T>(sql: Sql, fn: (tx: Sql) => Promise<T>): Promise<T> {
  return sql.tx(async (tx) => {
    await tx.run('set transaction isolation level repeatable read, read only');
    return fn(tx);
  });
}

export function createSearchIndex(sql: Sql): SearchIndex {
  const commentPage = (where: string, order: string, params: (string | number)[], limit: number, offset: number) =>
    inSnapshot(sql, async (tx) => {
      const [count] = await tx.query<{ total: string }>(`select count(*) as total from search.comments c where ${where}`, params);
      const rows = await tx.query<CommentRow>(
        `select ${COMMENT_COLUMNS} from search.comments c where ${where} order by ${order} limit ? offset ?`,
        [...params, limit, offset],
      );
      return { rows: rows.map(toComment), total: Number(count?.total ?? 0) };
    });

  // One statement for any number of posts (newest event wins, a deleted post stays deleted); the
  // rows travel as one JSON parameter. At most one row per post: mergePostUpserts.
  const upsertPosts = (sql: Sql, posts: readonly PostUpsert[]): Promise<number> =>
    sql.run(
      `insert into search.posts (post_id, author_id, content, created_at, updated_at, event_at)
       select r.post_id, r.author_id, r.content, r.created_at, r.at, r.at
       from json_to_recordset(?::json) as r(post_id bigint, author_id bigint, content text, created_at timestamptz, at timestamptz)
       on conflict (post_id) do update set content = excluded.content, author_id = excluded.author_id,
         updated_at = greatest(search.posts.updated_at, excluded.updated_at), event_at = excluded.event_at
       where not search.posts.is_deleted and search.posts.event_at <= excluded.event_at`,
      [JSON.stringify(posts.map((p) => ({ post_id: p.postId, author_id: p.authorId, content: p.content, created_at: p.createdAt ?? p.at, at: p.at })))],
    );

  const apply = async (sql: Sql, change: IndexChange): Promise<void> => {
    switch (change.kind) {
      case 'upsert-post':
        await upsertPosts(sql, [change]);
        return;
      case 'delete-post':
        // Its comments stop matching through COMMENT_VISIBLE; they are also marked so counts agree.
        await sql.tx(async (tx) => {
          await tx.run(
            `insert into search.posts (post_id, created_at, updated_at, event_at, is_deleted) values (?, ?, ?, ?, true)
             on conflict (post_id) do update set is_deleted = true`,
            [change.postId, change.at, change.at, change.at],
          );
          await tx.run(`update search.comments set is_deleted = true where post_id = ? and not is_deleted`, [change.postId]);
        });
        return;
      case 'upsert-comment':
        await sql.run(
          // A reply whose parent is already deleted arrives hidden (the delete came first).
          `insert into search.comments (comment_id, post_id, parent_id, author_id, content, depth, created_at, updated_at, event_at, is_deleted)
           values (?, ?, ?::bigint, ?, ?,
             case when ?::bigint is null then 0
               else least(2, coalesce((select p.depth + 1 from search.comments p where p.comment_id = ?::bigint), 1)) end,
             ?, ?, ?,
             coalesce((select p.is_deleted from search.comments p where p.comment_id = ?::bigint), false))
           on conflict (comment_id) do update set content = excluded.content,
             updated_at = greatest(search.comments.updated_at, excluded.updated_at), event_at = excluded.event_at
           where not search.comments.is_deleted and search.comments.event_at <= excluded.event_at`,
          [
            change.commentId, change.postId, change.parentId ?? null, change.authorId, change.content,
            change.parentId ?? null, change.parentId ?? null, change.createdAt ?? change.at, change.at, change.at, change.parentId ?? null,
          ],
        );
        return;
      case 'delete-comment':
        // content-svc hides a deleted comment's replies too but publishes one COMMENT_DELETE:
        // the subtree is hidden here. Invariant: a deleted comment's replies are deleted, so
        // the walk stops at deleted rows (and the partial parent index serves it).
        await sql.tx(async (tx) => {
          await tx.run(
            `insert into search.comments (comment_id, post_id, created_at, updated_at, event_at, is_deleted) values (?, ?, ?, ?, ?, true)
             on conflict (comment_id) do update set is_deleted = true`,
            [change.commentId, change.postId, change.at, change.at, change.at],
          );
          await tx.run(
            `with recursive subtree(comment_id) as (
               select c.comment_id from search.comments c where c.parent_id = ? and not c.is_deleted
               union all
               select c.comment_id from search.comments c join subtree s on c.parent_id = s.comment_id where not c.is_deleted
             )
             update search.comments set is_deleted = true where comment_id in (select comment_id from subtree)`,
            [change.commentId],
          );
        });
        return;
      case 'comment-like':
        await sql.run(
          `insert into search.comment_likes (comment_id, member_id, liked, event_at) values (?, ?, ?, ?)
           on conflict (comment_id, member_id) do update set liked = excluded.liked, event_at = excluded.event_at
           where search.comment_likes.event_at <= excluded.event_at`,
          [change.commentId, change.memberId, change.liked, change.at],
        );
        return;
      case 'ignore':
        return;
    }
  };

  return {
    async applyMany(changes) {
      const effective = changes.filter((c) => c.kind !== 'ignore');
      if (effective.length === 0) return;
      if (effective.length === 1) return apply(sql, effective[0]!);
      await sql.tx(async (tx) => {
        // A run of post upserts (the usual batch: new posts) is one statement; other changes keep
        // their place between runs, so a delete still orders against the upserts around it.
        for (let i = 0; i < effective.length; ) {
          let end = i;
          while (effective[end]?.kind === 'upsert-post') end++;
          if (end === i) await apply(tx, effective[i++]!);
          else {
            await upsertPosts(tx, mergePostUpserts(effective.slice(i, end) as PostUpsert[]));
            i = end;
          }
        }
      });
    },

    async searchPosts(keyword, limit, offset) {
      const params = [keyword, likePattern(keyword)];
      const { count, rows } = await inSnapshot(sql, async (tx) => ({
        count: (await tx.query<{ total: string }>(`select count(*) as total from search.posts p where ${POST_MATCH}`, params))[0],
        rows: await tx.query<{ post_id: string; author_id: string; content: string; created_at: Date; updated_at: Date }>(
          `select p.post_id, p.author_id, p.content, p.created_at, p.updated_at from search.posts p where ${POST_MATCH}
           order by p.created_at desc, p.post_id desc limit ? offset ?`,
          [...params, limit, offset],
        ),
      }));
      const posts = rows.map((r) => ({
        postId: String(r.post_id),
        authorId: String(r.author_id),
        content: r.content,
        createdAt: new Date(r.created_at),
        updatedAt: new Date(r.updated_at),
      }));
      return { rows: posts, total: Number(count?.total ?? 0) };
    },

    searchComments: (keyword, limit, offset) =>
      commentPage(COMMENT_MATCH, 'c.created_at desc, c.comment_id desc', [keyword, likePattern(keyword)], limit, offset),

    postComments: (postId, limit, offset) =>
      commentPage(`c.post_id = ? and ${COMMENT_VISIBLE}`, 'c.created_at asc, c.comment_id asc', [postId], limit, offset),

    async commentLikeCounts(ids) {
      if (ids.length === 0) return new Map();
      // Likes of deleted comments do not count (0 for unknown or deleted comments).
      const rows = await sql.query<{ comment_id: string; n: string }>(
        `select l.comment_id, count(*) as n from search.comment_likes l
         where l.comment_id = any(?::bigint[]) and l.liked
           and not exists (select 1 from search.comments c where c.comment_id = l.comment_id and c.is_deleted)
         group by l.comment_id`,
        [`{${ids.join(',')}}`],
      );
      return new Map(rows.map((r) => [String(r.comment_id), Number(r.n)]));
    },

    async ping() {
      await sql.query('select 1');
    },
  };
}
