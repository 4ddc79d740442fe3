// member-svc honours the `idempotency-key` metadata (the edge forwards the client's
// Idempotency-Key) on signup, refresh, follow and unfollow: a retry with the same key and request
// gets the first answer back; the same key with another request is IDEMPOTENCY_KEY_REUSED.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { Code } from '../../../test/support/grpc.ts';
import { bearer, failsWith, newMember, rpc, signupRequest, startMemberService, type MemberHarness } from '../../../test/support/member-harness.ts';

function withKey(key: string, md = new Metadata()): Metadata {
  const copy = md.clone();
  copy.set('idempotency-key', key);
  return copy;
}

describe('member-svc idempotency keys', () => {
  let h: MemberHarness;
  before(async () => {
    h = await startMemberService();
  });
  after(() => h.stop());
  const refresh = (refreshToken: string, md?: Metadata) => rpc(h.client.refreshAccessToken.bind(h.client), { refreshToken, client: { deviceInfo: 'ua', ipAddress: '10.0.0.1' } }, md);

  it('when a refresh is retried with the same key, then it returns the same tokens and the session stays valid', async () => {
    const m = await newMember(h.client);
    const key = randomUUID();
    const first = await refresh(m.refreshToken, withKey(key));
    const retried = await refresh(m.refreshToken, withKey(key));
    assert.deepEqual(retried, first);
    // No reuse detection tripped: the new refresh token and access token still work.
    const next = await refresh(first.tokens?.refreshToken ?? '');
    assert.ok(next.tokens?.refreshToken);
    await rpc(h.client.getMyProfile.bind(h.client), {}, bearer(next.tokens?.accessToken ?? ''));
  });

  it('when a refresh is retried without a key, then the old token is reuse and revokes the family (the behaviour keys avoid)', async () => {
    const m = await newMember(h.client);
    await refresh(m.refreshToken);
    await assert.rejects(refresh(m.refreshToken), failsWith(Code.UNAUTHENTICATED, 'REFRESH_TOKEN_REUSED'));
  });

  it('when a signup is retried with the same key, then it returns the same member instead of MEMBER_ALREADY_EXISTS; another request with that key is IDEMPOTENCY_KEY_REUSED', async () => {
    const req = signupRequest();
    const key = randomUUID();
    const first = await rpc(h.client.signup.bind(h.client), req, withKey(key));
    const retried = await rpc(h.client.signup.bind(h.client), req, withKey(key));
    assert.ok(first.member?.id);
    assert.equal(retried.member?.id, first.member?.id);
    await assert.rejects(rpc(h.client.signup.bind(h.client), { ...req, memberName: 'Someone Else' }, withKey(key)), failsWith(Code.INVALID_ARGUMENT, 'IDEMPOTENCY_KEY_REUSED'));
    await assert.rejects(rpc(h.client.signup.bind(h.client), req), failsWith(Code.ALREADY_EXISTS, 'MEMBER_ALREADY_EXISTS'));
  });

  it('when an unfollow is retried with the same key, then the retry gets the first answer instead of FOLLOW_RELATIONSHIP_NOT_FOUND; follow replays the same way', async () => {
    const [a, b] = [await newMember(h.client), await newMember(h.client)];
    const followKey = randomUUID();
    assert.deepEqual(await rpc(h.client.follow.bind(h.client), { memberId: b.id }, withKey(followKey, a.auth)), { value: true });
    assert.deepEqual(await rpc(h.client.follow.bind(h.client), { memberId: b.id }, withKey(followKey, a.auth)), { value: true });
    const unfollowKey = randomUUID();
    assert.deepEqual(await rpc(h.client.unfollow.bind(h.client), { memberId: b.id }, withKey(unfollowKey, a.auth)), { value: true });
    assert.deepEqual(await rpc(h.client.unfollow.bind(h.client), { memberId: b.id }, withKey(unfollowKey, a.auth)), { value: true });
    await assert.rejects(rpc(h.client.unfollow.bind(h.client), { memberId: b.id }, a.auth), failsWith(Code.NOT_FOUND, 'FOLLOW_RELATIONSHIP_NOT_FOUND'));
    // Keys are per caller: b using a's key runs its own request.
    await assert.rejects(rpc(h.client.unfollow.bind(h.client), { memberId: a.id }, withKey(unfollowKey, b.auth)), failsWith(Code.NOT_FOUND, 'FOLLOW_RELATIONSHIP_NOT_FOUND'));
  });
});
