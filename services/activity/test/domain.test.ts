// Pure rules of the listener: day topics and retention, event validation (poison or not),
// backoff and the PARKED limit, paging.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemberActivityEvent, MemberActivityType as T } from '@dailyfeed/gen/events/v1/member_activity';
import { DomainError } from '../src/domain/errors.ts';
import { parseActivityEvent } from '../src/domain/activity-event.ts';
import { backoffMs } from '../src/domain/backoff.ts';
import { afterFailure } from '../src/domain/dead-letter-rules.ts';
import { pageRequestOrThrow } from '../src/domain/paging.ts';
import { dayTopic, msUntilAfterMidnight, topicDay, topicsToConsume } from '../src/domain/topics.ts';

const P = 'member-activity-';
const encode = (e: Partial<MemberActivityEvent>) => Buffer.from(MemberActivityEvent.encode(MemberActivityEvent.fromPartial(e)).finish());

describe('day topics', () => {
  it('when a name is prefix + a real UTC date, then it is a day topic; otherwise not', () => {
    assert.equal(topicDay('member-activity-20261124', P), Date.UTC(2026, 10, 24));
    assert.equal(topicDay('member-activity-20261332', P), undefined);
    assert.equal(topicDay('member-activity-2026112', P), undefined);
    assert.equal(topicDay('other-20261124', P), undefined);
    assert.equal(dayTopic(P, new Date('2026-11-24T23:59:59Z')), 'member-activity-20261124');
  });

  it('when topics are listed, then those inside retention (and future ones) are consumed, sorted', () => {
    const now = new Date('2026-11-24T10:00:00Z');
    const names = ['member-activity-20261125', 'member-activity-20261117', 'member-activity-20261116', 'member-activity-20261124', '__consumer_offsets', 'x'];
    assert.deepEqual(topicsToConsume(names, P, now, 7), ['member-activity-20261117', 'member-activity-20261124', 'member-activity-20261125']);
  });

  it('when it is 23:59:50 UTC, then the midnight refresh fires 5 s after midnight', () => {
    assert.equal(msUntilAfterMidnight(new Date('2026-11-24T23:59:50Z'), 5000), 15_000);
  });
});

describe('event validation', () => {
  const at = new Date('2026-11-24T00:00:00Z');
  const good = { messageKey: 'member_activity:kafka_event:POST_CREATE###7###3', type: T.MEMBER_ACTIVITY_TYPE_POST_CREATE, memberId: '3', postId: '7', createdAt: at };

  it('when the event is valid, then it becomes an activity with the event time', () => {
    const parsed = parseActivityEvent(encode(good), good.messageKey, new Date());
    assert.deepEqual(parsed, { kind: 'activity', record: { memberId: '3', postId: '7', commentId: null, type: 1, messageKey: good.messageKey, eventTime: at } });
  });

  const poison: [string, Buffer | null, string | undefined][] = [
    ['the value is empty', null, 'k'],
    ['the bytes are not protobuf', Buffer.from([0xff, 0xff, 0xff]), 'k'],
    ['the type is unknown', encode({ ...good, type: 42 as T }), good.messageKey],
    ['the type is unspecified', encode({ ...good, type: T.MEMBER_ACTIVITY_TYPE_UNSPECIFIED }), good.messageKey],
    ['a comment event has no comment id', encode({ ...good, type: T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE }), good.messageKey],
    ['the record key differs from message_key', encode(good), 'another-key'],
    ['member_id is 0', encode({ ...good, memberId: '0' }), good.messageKey],
  ];
  for (const [why, value, key] of poison) {
    it(`when ${why}, then it is poison`, () => {
      assert.equal(parseActivityEvent(value, key, at).kind, 'poison');
    });
  }
});

describe('backoff and parking', () => {
  it('when attempts grow, then the delay doubles within its jitter band and stops at the cap', () => {
    assert.equal(backoffMs(1, 100, 10_000, () => 0), 50);
    assert.equal(backoffMs(1, 100, 10_000, () => 1), 100);
    assert.equal(backoffMs(4, 100, 10_000, () => 1), 800);
    assert.equal(backoffMs(20, 100, 10_000, () => 1), 10_000);
  });

  it('when the attempt limit is reached, then the letter is PARKED; before it, PENDING later', () => {
    const policy = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 60_000 };
    const now = new Date(0);
    assert.deepEqual(afterFailure(2, policy, now, () => 1), { state: 'PENDING', attempts: 2, nextAttemptAt: new Date(2000) });
    assert.equal(afterFailure(3, policy, now).state, 'PARKED');
  });
});

describe('paging', () => {
  const limits = { defaultSize: 20, maxSize: 100 };
  it('when size is 0, then the default applies', () => {
    assert.deepEqual(pageRequestOrThrow(2, 0, limits), { page: 2, size: 20, offset: 40 });
  });
  it('when size is over the maximum or page negative, then VALIDATION_FAILED names the field', () => {
    assert.throws(() => pageRequestOrThrow(0, 101, limits), (err: unknown) => err instanceof DomainError && err.reason === 'VALIDATION_FAILED' && err.metadata.field === 'size');
    assert.throws(() => pageRequestOrThrow(-1, 10, limits), (err: unknown) => err instanceof DomainError && err.metadata.field === 'page');
  });
});
