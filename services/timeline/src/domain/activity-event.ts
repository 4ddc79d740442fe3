// The read events timeline publishes (POST_READ, COMMENT_READ): topic per UTC day and the dedup
// key of the original, `member_activity:kafka_event:{CODE}###{targetId}###{memberId}###{TS}` with
// TS = `yyyy-MM-dd HH:mm:ss.SSSSSSSSS` (UTC); a read can repeat, so the key carries the time.

export type ReadEventCode = 'POST_READ' | 'COMMENT_READ';

const KEY_PREFIX = 'member_activity:kafka_event:';
const TOPIC_PREFIX = 'member-activity-';

const pad = (n: number | bigint, width: number): string => n.toString().padStart(width, '0');

/** `member-activity-yyyyMMdd` of the UTC day of the instant. */
export function activityTopic(at: Date): string {
  return `${TOPIC_PREFIX}${pad(at.getUTCFullYear(), 4)}${pad(at.getUTCMonth() + 1, 2)}${pad(at.getUTCDate(), 2)}`;
}

/** `yyyy-MM-dd HH:mm:ss.SSSSSSSSS` in UTC from nanoseconds since the epoch. */
export function keyTimestamp(epochNanos: bigint): string {
  const at = new Date(Number(epochNanos / 1_000_000n));
  const nanosOfSecond = epochNanos % 1_000_000_000n;
  const date = `${pad(at.getUTCFullYear(), 4)}-${pad(at.getUTCMonth() + 1, 2)}-${pad(at.getUTCDate(), 2)}`;
  const time = `${pad(at.getUTCHours(), 2)}:${pad(at.getUTCMinutes(), 2)}:${pad(at.getUTCSeconds(), 2)}`;
  return `${date} ${time}.${pad(nanosOfSecond, 9)}`;
}

export function readEventKey(code: ReadEventCode, targetId: string, memberId: string, epochNanos: bigint): string {
  return `${KEY_PREFIX}${code}###${targetId}###${memberId}###${keyTimestamp(epochNanos)}`;
}
