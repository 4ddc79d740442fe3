// The activity event of each write (SPEC "Kafka", original-system §3.2): its type, dedup key and
// daily topic. Keys keep the original format; every repeatable action (update, delete, like,
// like-cancel) carries the timestamp suffix, creations do not (one per post or comment id).
import { MemberActivityType, type MemberActivityEvent } from '@dailyfeed/gen/events/v1/member_activity';
import { formatKeyTimestamp, type EventInstant } from './event-clock.ts';

export const KEY_PREFIX = 'member_activity:kafka_event:';
export const TOPIC_PREFIX = 'member-activity-';

export type WriteAction =
  | 'POST_CREATE'
  | 'POST_UPDATE'
  | 'POST_DELETE'
  | 'LIKE_POST'
  | 'LIKE_POST_CANCEL'
  | 'COMMENT_CREATE'
  | 'COMMENT_UPDATE'
  | 'COMMENT_DELETE'
  | 'LIKE_COMMENT'
  | 'LIKE_COMMENT_CANCEL';

interface ActionSpec {
  readonly type: MemberActivityType;
  /** The code in the key; LIKE_POST_CANCEL keeps the original's "LIKE_CANCEL_POST". */
  readonly code: string;
  readonly repeatable: boolean;
  readonly target: 'post' | 'comment';
}

const T = MemberActivityType;
const ACTIONS: Record<WriteAction, ActionSpec> = {
  POST_CREATE: { type: T.MEMBER_ACTIVITY_TYPE_POST_CREATE, code: 'POST_CREATE', repeatable: false, target: 'post' },
  POST_UPDATE: { type: T.MEMBER_ACTIVITY_TYPE_POST_UPDATE, code: 'POST_UPDATE', repeatable: true, target: 'post' },
  POST_DELETE: { type: T.MEMBER_ACTIVITY_TYPE_POST_DELETE, code: 'POST_DELETE', repeatable: true, target: 'post' },
  LIKE_POST: { type: T.MEMBER_ACTIVITY_TYPE_LIKE_POST, code: 'LIKE_POST', repeatable: true, target: 'post' },
  LIKE_POST_CANCEL: { type: T.MEMBER_ACTIVITY_TYPE_LIKE_POST_CANCEL, code: 'LIKE_CANCEL_POST', repeatable: true, target: 'post' },
  COMMENT_CREATE: { type: T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, code: 'COMMENT_CREATE', repeatable: false, target: 'comment' },
  COMMENT_UPDATE: { type: T.MEMBER_ACTIVITY_TYPE_COMMENT_UPDATE, code: 'COMMENT_UPDATE', repeatable: true, target: 'comment' },
  COMMENT_DELETE: { type: T.MEMBER_ACTIVITY_TYPE_COMMENT_DELETE, code: 'COMMENT_DELETE', repeatable: true, target: 'comment' },
  LIKE_COMMENT: { type: T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT, code: 'LIKE_COMMENT', repeatable: true, target: 'comment' },
  LIKE_COMMENT_CANCEL: { type: T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT_CANCEL, code: 'LIKE_COMMENT_CANCEL', repeatable: true, target: 'comment' },
};

export interface WriteActivity {
  readonly action: WriteAction;
  /** Always the acting member. */
  readonly memberId: string;
  readonly postId: string;
  /** Required for comment actions. */
  readonly commentId?: string;
  /** Text after a *_CREATE or *_UPDATE, for search-svc. */
  readonly content?: string;
  readonly parentCommentId?: string;
}

export interface OutboxMessage {
  readonly topic: string;
  readonly key: string;
  readonly event: MemberActivityEvent;
}

/** `member-activity-yyyyMMdd` of the UTC day of `at`. */
export function topicForDate(at: Date): string {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  return `${TOPIC_PREFIX}${pad(at.getUTCFullYear(), 4)}${pad(at.getUTCMonth() + 1, 2)}${pad(at.getUTCDate(), 2)}`;
}

/** The day a topic name stands for, or undefined when it is not a daily activity topic. */
export function dateOfTopic(topic: string): Date | undefined {
  const match = /^member-activity-(\d{4})(\d{2})(\d{2})$/.exec(topic);
  if (!match) return undefined;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function messageKey(activity: WriteActivity, at: EventInstant): string {
  const spec = ACTIONS[activity.action];
  const target = spec.target === 'post' ? activity.postId : activity.commentId;
  if (target === undefined) throw new Error(`${activity.action} needs a comment id`);
  const base = `${KEY_PREFIX}${spec.code}###${target}###${activity.memberId}`;
  return spec.repeatable ? `${base}###${formatKeyTimestamp(at)}` : base;
}

export function toOutboxMessage(activity: WriteActivity, at: EventInstant): OutboxMessage {
  const key = messageKey(activity, at);
  return {
    topic: topicForDate(at.date),
    key,
    event: {
      messageKey: key,
      type: ACTIONS[activity.action].type,
      memberId: activity.memberId,
      postId: activity.postId,
      commentId: activity.commentId,
      createdAt: at.date,
      content: activity.content,
      parentCommentId: activity.parentCommentId,
    },
  };
}
