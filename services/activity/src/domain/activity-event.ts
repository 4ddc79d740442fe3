// Turns one Kafka record of a member-activity topic into the activity to store, or says why it
// cannot ever be stored (a poison message: undecodable bytes or an event that breaks the
// contract). Poison is permanent — retrying the same bytes gives the same answer — so the
// listener dead-letters it at once instead of retrying.
import { MemberActivityEvent } from '@dailyfeed/gen/events/v1/member_activity';
import { isCommentType, isKnownType } from './activity-types.ts';

export interface ActivityRecord {
  readonly memberId: string;
  readonly postId: string;
  readonly commentId: string | null;
  /** MemberActivityType number (1..12); ActivityType uses the same numbers. */
  readonly type: number;
  readonly messageKey: string;
  readonly eventTime: Date;
}

export type ParsedEvent = { readonly kind: 'activity'; readonly record: ActivityRecord } | { readonly kind: 'poison'; readonly error: string };

/** Redis key of the dedup hint for one event (original-system §4). */
export function dedupKey(messageKey: string): string {
  return `member_activity:kafka_key:${messageKey}`;
}

const POSITIVE_ID = /^[1-9]\d{0,18}$/;

/**
 * recordKey is the Kafka record key; it must equal the event's message_key when both are set
 * (content-svc writes the same value to both). fallbackTime (the record timestamp) stands in
 * for an event without created_at.
 */
export function parseActivityEvent(value: Buffer | null, recordKey: string | undefined, fallbackTime: Date): ParsedEvent {
  if (!value || value.length === 0) return poison('empty record value');
  let event: MemberActivityEvent;
  try {
    event = MemberActivityEvent.decode(value);
  } catch (err: unknown) {
    return poison(`undecodable MemberActivityEvent: ${err instanceof Error ? err.message : String(err)}`);
  }
  const messageKey = event.messageKey || recordKey || '';
  if (messageKey.length === 0) return poison('message_key missing');
  if (recordKey && event.messageKey && recordKey !== event.messageKey) return poison('record key differs from message_key');
  if (!isKnownType(event.type)) return poison(`UNDEFINED_ACTIVITY_EVENT_TYPE: ${event.type}`);
  if (!POSITIVE_ID.test(event.memberId)) return poison(`member_id invalid: ${event.memberId}`);
  if (!POSITIVE_ID.test(event.postId)) return poison(`post_id invalid: ${event.postId}`);
  const commentId = event.commentId ?? null;
  if (isCommentType(event.type) && (commentId === null || !POSITIVE_ID.test(commentId))) {
    return poison(`comment_id required for type ${event.type}`);
  }
  const eventTime = event.createdAt && !Number.isNaN(event.createdAt.getTime()) ? event.createdAt : fallbackTime;
  return {
    kind: 'activity',
    record: {
      memberId: event.memberId,
      postId: event.postId,
      commentId: isCommentType(event.type) ? commentId : null,
      type: event.type,
      messageKey,
      eventTime,
    },
  };
}

function poison(error: string): ParsedEvent {
  return { kind: 'poison', error };
}
