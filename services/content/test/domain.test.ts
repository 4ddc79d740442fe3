// Pure rules: message keys and topics in the original format, the strictly increasing event
// clock, retry backoff and parking, and the field rules of content.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dateOfTopic, messageKey, toOutboxMessage, topicForDate } from '../src/domain/activity-event.ts';
import { contentViolation, idViolation } from '../src/domain/content-rules.ts';
import { createEventClock, formatKeyTimestamp } from '../src/domain/event-clock.ts';
import { afterFailure, backoffMs } from '../src/domain/retry-policy.ts';

const at = (iso: string, extraNanos = 0n) => {
  const ms = BigInt(Date.parse(iso));
  return { epochNanos: ms * 1_000_000n + extraNanos, date: new Date(Number(ms)) };
};

describe('content-svc domain rules', () => {
  it('when a post is created, then the key has no timestamp; when it is liked, then the key ends with nanoseconds', () => {
    const instant = at('2025-03-04T05:06:07.089Z', 123_456n);
    assert.equal(messageKey({ action: 'POST_CREATE', memberId: '7', postId: '42' }, instant), 'member_activity:kafka_event:POST_CREATE###42###7');
    assert.equal(
      messageKey({ action: 'LIKE_POST_CANCEL', memberId: '7', postId: '42' }, instant),
      'member_activity:kafka_event:LIKE_CANCEL_POST###42###7###2025-03-04 05:06:07.089123456',
    );
    assert.equal(
      messageKey({ action: 'LIKE_COMMENT', memberId: '7', postId: '42', commentId: '9' }, instant),
      'member_activity:kafka_event:LIKE_COMMENT###9###7###2025-03-04 05:06:07.089123456',
    );
    assert.equal(messageKey({ action: 'COMMENT_CREATE', memberId: '7', postId: '42', commentId: '9' }, instant), 'member_activity:kafka_event:COMMENT_CREATE###9###7');
  });

  it('when an event happens just before midnight UTC, then its topic is that UTC day', () => {
    assert.equal(topicForDate(new Date('2025-12-31T23:59:59.999Z')), 'member-activity-20251231');
    assert.equal(toOutboxMessage({ action: 'POST_DELETE', memberId: '1', postId: '2' }, at('2026-01-01T00:00:00.000Z')).topic, 'member-activity-20260101');
    assert.deepEqual(dateOfTopic('member-activity-20260101'), new Date('2026-01-01T00:00:00Z'));
    assert.equal(dateOfTopic('member-activity-x'), undefined);
  });

  it('when the wall clock stalls or steps back, then the event clock still moves forward by at least 1 ns', () => {
    const readings = [5_000_000n, 5_000_000n, 4_000_000n, 6_000_000n];
    const clock = createEventClock(() => readings.shift() ?? 0n);
    assert.deepEqual(
      [clock.now(), clock.now(), clock.now(), clock.now()].map((i) => i.epochNanos),
      [5_000_000n, 5_000_001n, 5_000_002n, 6_000_000n],
    );
    assert.equal(formatKeyTimestamp(at('2025-01-02T03:04:05.000Z', 7n)), '2025-01-02 03:04:05.000000007');
  });

  it('when attempts fail, then the delay doubles from the base up to the cap and the row parks at the limit', () => {
    const policy = { maxAttempts: 5, baseMs: 100, capMs: 500 };
    assert.deepEqual([1, 2, 3, 4].map((n) => backoffMs(n, policy)), [100, 200, 400, 500]);
    assert.deepEqual(afterFailure(4, policy), { state: 'PENDING', delayMs: 500 });
    assert.deepEqual(afterFailure(5, policy), { state: 'PARKED' });
  });

  it('when text or ids break the rules, then the violation names the rule', () => {
    assert.equal(contentViolation('content', '\n\t ', 10)?.rule, 'required');
    assert.equal(contentViolation('content', '😀'.repeat(10), 10), undefined);
    assert.equal(contentViolation('content', '😀'.repeat(11), 10)?.rule, 'max_length');
    assert.equal(idViolation('postId', '0')?.rule, 'required');
    assert.equal(idViolation('postId', '9223372036854775808')?.rule, 'positive_id');
    assert.equal(idViolation('postId', '9223372036854775807'), undefined);
  });
});
