// What the read side works with: rows as the read model stores them (ids and counters as decimal
// strings, exactly as PostgreSQL's bigint arrives) and the author summary from member-svc.
// Enrichment joins them into the contract's shape; a missing author is a deleted member.

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

export interface AuthorSummary {
  readonly name: string;
  readonly handle: string;
  readonly avatarUrl: string;
}

/** Shown for an author member-svc no longer knows (deactivated or deleted). */
export const DELETED_AUTHOR: AuthorSummary = { name: '탈퇴한 사용자', handle: '', avatarUrl: '' };

export function authorOf(summaries: ReadonlyMap<string, AuthorSummary>, authorId: string): AuthorSummary {
  return summaries.get(authorId) ?? DELETED_AUTHOR;
}

/** Distinct author ids of a page, for one batched summary call. */
export function authorIdsOf(rows: readonly { authorId: string }[]): string[] {
  return [...new Set(rows.map((r) => r.authorId))];
}

/**
 * The view count a reader sees: the stored column plus the views counted in Redis and not yet
 * flushed by content-svc, so a reader sees their own view right away.
 */
export function visibleViewCount(column: string, pending: string | null): string {
  const extra = pending !== null && /^\d+$/.test(pending) ? BigInt(pending) : 0n;
  return (BigInt(column) + extra).toString();
}
