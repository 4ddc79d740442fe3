// What one member-activity event does to the search index. Pure: decoding happens in the
// consumer, the SQL in adapters/search-index.ts.
import { MemberActivityType as T, type MemberActivityEvent } from '@dailyfeed/gen/events/v1/member_activity';

export type IndexChange =
  // `at` is the event time that orders writes to one document; `createdAt` (reindex only) is the
  // document's creation time when it differs from `at` (an edited post), else `at` is used.
  | { readonly kind: 'upsert-post'; readonly postId: string; readonly authorId: string; readonly content: string; readonly at: Date; readonly createdAt?: Date }
  | { readonly kind: 'delete-post'; readonly postId: string; readonly at: Date }
  | {
      readonly kind: 'upsert-comment';
      readonly commentId: string;
      readonly postId: string;
      readonly parentId: string | undefined;
      readonly authorId: string;
      readonly content: string;
      readonly at: Date;
      readonly createdAt?: Date;
    }
  | { readonly kind: 'delete-comment'; readonly commentId: string; readonly postId: string; readonly at: Date }
  | { readonly kind: 'comment-like'; readonly commentId: string; readonly memberId: string; readonly liked: boolean; readonly at: Date }
  | { readonly kind: 'ignore' };

const IGNORE: IndexChange = { kind: 'ignore' };

export type PostUpsert = Extract<IndexChange, { kind: 'upsert-post' }>;

/**
 * A run of post upserts as one write per post, leaving what applying them one by one would: the
 * text, author and time of the newest event (the later one on a tie, as `<=` lets it win), and
 * the earliest creation time among them, for a post the run creates.
 */
export function mergePostUpserts(changes: readonly PostUpsert[]): PostUpsert[] {
  const byPost = new Map<string, PostUpsert>();
  for (const change of changes) {
    const seen = byPost.get(change.postId);
    if (seen === undefined) {
      byPost.set(change.postId, change);
      continue;
    }
    const newest = change.at.getTime() >= seen.at.getTime() ? change : seen;
    const created = Math.min((seen.createdAt ?? seen.at).getTime(), (change.createdAt ?? change.at).getTime());
    byPost.set(change.postId, { ...newest, createdAt: new Date(created) });
  }
  return [...byPost.values()];
}

export function indexChangeOf(event: MemberActivityEvent): IndexChange {
  const at = event.createdAt ?? new Date(0);
  const { postId, memberId, commentId, content } = event;
  switch (event.type) {
    case T.MEMBER_ACTIVITY_TYPE_POST_CREATE:
    case T.MEMBER_ACTIVITY_TYPE_POST_UPDATE:
      // An event without text cannot be indexed (the contract says content is always set here).
      return content === undefined ? IGNORE : { kind: 'upsert-post', postId, authorId: memberId, content, at };
    case T.MEMBER_ACTIVITY_TYPE_POST_DELETE:
      return { kind: 'delete-post', postId, at };
    case T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE:
    case T.MEMBER_ACTIVITY_TYPE_COMMENT_UPDATE:
      if (commentId === undefined || content === undefined) return IGNORE;
      return { kind: 'upsert-comment', commentId, postId, parentId: event.parentCommentId, authorId: memberId, content, at };
    case T.MEMBER_ACTIVITY_TYPE_COMMENT_DELETE:
      return commentId === undefined ? IGNORE : { kind: 'delete-comment', commentId, postId, at };
    case T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT:
    case T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT_CANCEL:
      if (commentId === undefined) return IGNORE;
      return { kind: 'comment-like', commentId, memberId, liked: event.type === T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT, at };
    default:
      return IGNORE;
  }
}

/** `%` and `_` (and the escape itself) matched literally in an ILIKE pattern. */
export function likePattern(keyword: string): string {
  return `%${keyword.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
