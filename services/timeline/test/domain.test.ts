// Pure domain rules: paging, id comparison, view rules, the activity key and topic formats.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activityTopic, keyTimestamp, readEventKey } from '../src/domain/activity-event.ts';
import { DomainError } from '../src/domain/errors.ts';
import { distinctPositiveIds, positiveId, sameId } from '../src/domain/ids.ts';
import { pageRequestOrThrow, toScrollPage } from '../src/domain/paging.ts';
import { authorOf, DELETED_AUTHOR, visibleViewCount } from '../src/domain/reads.ts';
import { viewOutcome } from '../src/domain/view-rules.ts';
import { followingFingerprint, idOf, memberOf, mergeNewest, servedFromStore } from '../src/domain/feed.ts';

describe('timeline domain', () => {
  it('when size is 0, then the RPC default is used and one extra row is fetched for has_next', () => {
    assert.deepEqual(pageRequestOrThrow(2, 0, 20), { page: 2, size: 20, offset: 40, limit: 21 });
    assert.deepEqual(toScrollPage([1, 2, 3], pageRequestOrThrow(0, 2, 20)), { content: [1, 2], page: 0, size: 2, hasNext: true });
    assert.deepEqual(toScrollPage([1, 2], pageRequestOrThrow(0, 2, 20)), { content: [1, 2], page: 0, size: 2, hasNext: false });
  });

  it('when size or page is out of range, then VALIDATION_FAILED names the field', () => {
    assert.throws(() => pageRequestOrThrow(0, 101, 20), (e: unknown) => e instanceof DomainError && e.reason === 'VALIDATION_FAILED' && e.metadata.field === 'size');
    assert.throws(() => pageRequestOrThrow(-1, 10, 20), (e: unknown) => e instanceof DomainError && e.metadata.field === 'page');
    assert.throws(() => pageRequestOrThrow(0, -5, 20), (e: unknown) => e instanceof DomainError && e.metadata.field === 'size');
  });

  it('when ids are compared, then they compare as 64-bit integers, beyond 2^53 too', () => {
    assert.equal(sameId('9007199254740993', '9007199254740993'), true);
    assert.equal(sameId('9007199254740993', '9007199254740992'), false);
    assert.equal(sameId('007', '7'), true);
    assert.equal(positiveId('0'), undefined);
    assert.equal(positiveId('-3'), undefined);
    assert.deepEqual(distinctPositiveIds(['3', '03', '0', '4']), ['3', '4']);
  });

  it('when the reader is the author, then the view is not counted', () => {
    assert.equal(viewOutcome('12', '12'), 'own-post');
    assert.equal(viewOutcome('12', '13'), 'counted');
  });

  it('when views wait in Redis, then the visible count adds them to the column', () => {
    assert.equal(visibleViewCount('9223372036854775000', '7'), '9223372036854775007');
    assert.equal(visibleViewCount('5', null), '5');
  });

  it('when an author is missing, then the deleted-user summary stands in', () => {
    assert.equal(authorOf(new Map(), '1'), DELETED_AUTHOR);
    assert.equal(DELETED_AUTHOR.name, '탈퇴한 사용자');
  });

  it('when a read event is keyed, then it follows the original format with a nanosecond UTC timestamp', () => {
    const nanos = BigInt(Date.UTC(2025, 10, 2, 9, 15, 0, 123)) * 1_000_000n + 456_789n;
    assert.equal(keyTimestamp(nanos), '2025-11-02 09:15:00.123456789');
    assert.equal(readEventKey('POST_READ', '10', '20', nanos), 'member_activity:kafka_event:POST_READ###10###20###2025-11-02 09:15:00.123456789');
    assert.equal(activityTopic(new Date(Date.UTC(2025, 0, 9, 23, 59))), 'member-activity-20250109');
  });
});

describe('follow feed rules (domain/feed.ts)', () => {
  const e = (id: string, micros: number) => ({ id, micros });

  it('when lists are merged, then the result is newest first, ties by larger id, without repeats, cut at the count', () => {
    const feed = [e('30', 300), e('9', 200), e('20', 100)];
    const heavy = [e('31', 250), e('10', 200), e('9', 200), e('5', 50)];
    assert.deepEqual(
      mergeNewest([feed, heavy], 10).map((x) => x.id),
      ['30', '31', '10', '9', '20', '5'],
    );
    assert.deepEqual(mergeNewest([feed, heavy], 3).map((x) => x.id), ['30', '31', '10']);
    assert.deepEqual(mergeNewest([[], []], 5), []);
  });

  it('when ids are stored as sorted-set members, then padding keeps numeric order and round-trips', () => {
    assert.ok(memberOf('10') > memberOf('9'));
    assert.equal(idOf(memberOf('1234567')), '1234567');
    assert.equal(idOf(memberOf('0')), '0');
  });

  it('when two following lists hold the same ids in another order, then their fingerprints match; any change differs', () => {
    assert.equal(followingFingerprint(['1', '2', '3']), followingFingerprint(['3', '1', '2']));
    assert.notEqual(followingFingerprint(['1', '2', '3']), followingFingerprint(['1', '2']));
    assert.notEqual(followingFingerprint(['12', '3']), followingFingerprint(['1', '23']));
  });

  it('when a page ends past an incomplete feed, then the store cannot answer it; a complete feed answers every page', () => {
    assert.equal(servedFromStore({ size: 800, complete: false }, 800), true);
    assert.equal(servedFromStore({ size: 795, complete: false }, 800), false);
    assert.equal(servedFromStore({ size: 10, complete: true }, 500), true);
  });
});
