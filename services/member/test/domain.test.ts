// Pure domain tests (no I/O): key rotation planning, refresh-token verdicts, paging, signup rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '../src/domain/errors.ts';
import { keyUsability, planRotation, type KeyState } from '../src/domain/key-rotation.ts';
import { resolvePageOrThrow, toScrollPage } from '../src/domain/paging.ts';
import { judgeRefreshToken } from '../src/domain/refresh-rules.ts';
import { validateSignupOrThrow } from '../src/domain/signup-rules.ts';

const H = 3_600_000;
const now = new Date('2030-01-02T00:00:00Z');
const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * H);

describe('key rotation plan', () => {
  it('when there is no key, then a primary is created', () => {
    assert.deepEqual(planRotation([], now, 24 * H, 48 * H), { createPrimary: true, demote: [], retire: [] });
  });
  it('when the primary is younger than the period, then nothing happens', () => {
    const plan = planRotation([{ kid: 'a', isPrimary: true, createdAt: at(23), retireAt: null }], now, 24 * H, 48 * H);
    assert.deepEqual(plan, { createPrimary: false, demote: [], retire: [] });
  });
  it('when the primary is due, then a new one is created and the old verifies for the grace period', () => {
    const plan = planRotation([{ kid: 'a', isPrimary: true, createdAt: at(24), retireAt: null }], now, 24 * H, 48 * H);
    assert.equal(plan.createPrimary, true);
    assert.deepEqual(plan.demote, [{ kid: 'a', retireAt: new Date(now.getTime() + 48 * H) }]);
  });
  it('when a demoted key is past its grace, then it is retired, and duplicate primaries keep only the newest', () => {
    const keys: KeyState[] = [
      { kid: 'old', isPrimary: false, createdAt: at(80), retireAt: at(1) },
      { kid: 'dup', isPrimary: true, createdAt: at(5), retireAt: null },
      { kid: 'new', isPrimary: true, createdAt: at(1), retireAt: null },
    ];
    const plan = planRotation(keys, now, 24 * H, 48 * H);
    assert.equal(plan.createPrimary, false);
    assert.deepEqual(plan.demote.map((d) => d.kid), ['dup']);
    assert.deepEqual(plan.retire, ['old']);
  });
  it('when a key is judged, then primary, grace and retired are told apart', () => {
    assert.equal(keyUsability({ kid: 'p', isPrimary: true, createdAt: at(1), retireAt: null }, now), 'primary');
    assert.equal(keyUsability({ kid: 'g', isPrimary: false, createdAt: at(30), retireAt: at(-1) }, now), 'grace');
    assert.equal(keyUsability({ kid: 'r', isPrimary: false, createdAt: at(80), retireAt: at(0) }, now), 'retired');
  });
});

describe('refresh-token verdicts', () => {
  const token = { id: '1', familyId: 'f', memberId: '2', expiresAt: at(-1), rotatedAt: null, revokedAt: null };
  it('when the token is fresh, then usable; rotated, then reused; revoked, expired or unknown, then invalid', () => {
    assert.equal(judgeRefreshToken(token, now), 'usable');
    assert.equal(judgeRefreshToken({ ...token, rotatedAt: at(1), revokedAt: at(1) }, now), 'reused');
    assert.equal(judgeRefreshToken({ ...token, revokedAt: at(1) }, now), 'invalid');
    assert.equal(judgeRefreshToken({ ...token, expiresAt: at(0) }, now), 'invalid');
    assert.equal(judgeRefreshToken(undefined, now), 'invalid');
  });
});

describe('paging', () => {
  it('when size is 0, then the default applies and size+1 rows are read', () => {
    assert.deepEqual(resolvePageOrThrow(2, 0), { page: 2, size: 10, offset: 20, limit: 11 });
  });
  it('when size is over 100, then VALIDATION_FAILED names size', () => {
    assert.throws(() => resolvePageOrThrow(0, 101), (err: unknown) => err instanceof DomainError && err.violations[0]?.field === 'size');
  });
  it('when the extra row was read, then hasNext is true and it is dropped', () => {
    const page = toScrollPage([1, 2, 3], resolvePageOrThrow(0, 2));
    assert.deepEqual(page, { content: [1, 2], page: 0, size: 2, hasNext: true });
  });
});

describe('signup rules', () => {
  const valid = { email: 'a@b.co', password: 'Passw0rd!', memberName: 'Ann', handle: 'ann_1', gender: 'OTHER', countryCode: 'KR' };
  it('when optional fields are empty strings, then they are absent and defaults apply', () => {
    const m = validateSignupOrThrow({ ...valid, bio: '', birthDate: '', websiteUrl: '', languageCode: '' }, now);
    assert.equal(m.bio, null);
    assert.equal(m.birthDate, null);
    assert.equal(m.languageCode, 'en');
    assert.equal(m.avatarUrl, 'no-image');
    assert.equal(m.privacyLevel, 'PUBLIC');
  });
  it('when the birth date is today, then it is not in the past', () => {
    assert.throws(() => validateSignupOrThrow({ ...valid, birthDate: '2030-01-02' }, now), (err: unknown) => err instanceof DomainError && err.violations[0]?.rule === 'past');
  });
});
