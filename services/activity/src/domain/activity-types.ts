// Facts about activity types, by MemberActivityType number (ActivityType mirrors it value for
// value, so one table serves the Kafka payload and the read API).
import { MemberActivityType as T } from '@dailyfeed/gen/events/v1/member_activity';

const COMMENT_TYPES: ReadonlySet<number> = new Set([T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT, T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT_CANCEL, T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, T.MEMBER_ACTIVITY_TYPE_COMMENT_UPDATE, T.MEMBER_ACTIVITY_TYPE_COMMENT_DELETE, T.MEMBER_ACTIVITY_TYPE_COMMENT_READ]);

/** Reads are private to the reader: never shown in other members' banners. */
export const READ_TYPES: readonly number[] = [T.MEMBER_ACTIVITY_TYPE_POST_READ, T.MEMBER_ACTIVITY_TYPE_COMMENT_READ];

export function isKnownType(type: number): boolean {
  return Number.isInteger(type) && type >= T.MEMBER_ACTIVITY_TYPE_POST_CREATE && type <= T.MEMBER_ACTIVITY_TYPE_COMMENT_READ;
}

/** COMMENT_* and LIKE_COMMENT* events carry a comment id. */
export function isCommentType(type: number): boolean {
  return COMMENT_TYPES.has(type);
}
