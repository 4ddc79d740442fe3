// Queries on content.comments through the read-only connection, each matching a partial index of
// content's migration: comments_post_top_idx (top level, oldest first), comments_parent_idx
// (replies, oldest first), comments_author_recent_idx (a member's, newest first).
import type { PageRequest } from '../domain/paging.ts';
import type { CommentRow } from '../domain/reads.ts';
import type { ReadDb } from './read-db.ts';

const COLUMNS = `c.id, c.post_id as "postId", c.parent_id as "parentId", c.author_id as "authorId", c.content, c.depth,
  c.like_count as "likeCount", c.reply_count as "replyCount", c.created_at as "createdAt", c.updated_at as "updatedAt"`;
const OLDEST_FIRST = 'c.created_at, c.id';
const NEWEST_FIRST = 'c.created_at desc, c.id desc';

export interface CommentsReader {
  byId(id: string): Promise<CommentRow | undefined>;
  topLevelOfPost(postId: string, page: PageRequest): Promise<CommentRow[]>;
  repliesOf(commentId: string, page: PageRequest): Promise<CommentRow[]>;
  byAuthor(authorId: string, page: PageRequest): Promise<CommentRow[]>;
  /** Ids among `ids` that the member likes. */
  likedBy(memberId: string, ids: readonly string[]): Promise<Set<string>>;
}

export function createCommentsReader(db: ReadDb): CommentsReader {
  const list = (where: string, order: string, param: string, page: PageRequest): Promise<CommentRow[]> =>
    db.query<CommentRow>(
      `select ${COLUMNS} from content.comments c where not c.is_deleted and ${where} order by ${order} limit $2 offset $3`,
      [param, String(page.limit), String(page.offset)],
    );
  return {
    async byId(id) {
      const [row] = await db.query<CommentRow>(`select ${COLUMNS} from content.comments c where c.id = $1 and not c.is_deleted`, [id]);
      return row;
    },
    topLevelOfPost: (postId, page) => list('c.post_id = $1 and c.parent_id is null', OLDEST_FIRST, postId, page),
    repliesOf: (commentId, page) => list('c.parent_id = $1', OLDEST_FIRST, commentId, page),
    byAuthor: (authorId, page) => list('c.author_id = $1', NEWEST_FIRST, authorId, page),
    async likedBy(memberId, ids) {
      if (ids.length === 0) return new Set();
      const rows = await db.query<{ id: string }>(
        'select comment_id as id from content.comment_likes where member_id = $1 and comment_id = any($2::bigint[])',
        [memberId, ids],
      );
      return new Set(rows.map((r) => r.id));
    },
  };
}
