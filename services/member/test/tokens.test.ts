// Component tests: the access-token attack matrix against Authenticate. Every forged or unusable
// token fails with UNAUTHENTICATED, its reason, and the auth signal the edge relies on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AuthenticateView } from '@dailyfeed/gen/member/v1/member';
import { Metadata } from '@grpc/grpc-js';
import { Code } from '../../../test/support/grpc.ts';
import { bearer, call, failsWith, newMember, rpc, startMemberService, type MemberHarness, type TestMember } from '../../../test/support/member-harness.ts';
import {
  forgeToken,
  hs256WithPublicKey,
  headerOf,
  payloadOf,
  primaryKeyOf,
  tamperPayload,
  unsignedToken,
  type StoredKey,
} from '../../../test/support/member-tokens.ts';

describe('member-svc access tokens', () => {
  let h: MemberHarness;
  let m: TestMember;
  let key: StoredKey;
  before(async () => {
    h = await startMemberService();
    m = await newMember(h.client);
    key = await primaryKeyOf();
  });
  after(() => h.stop());

  const authenticate = (md: Metadata, view: AuthenticateView = AuthenticateView.AUTHENTICATE_VIEW_MEMBER) =>
    call(h.client.authenticate.bind(h.client), { view }, md);
  const relogin = (reason = 'INVALID_TOKEN') => failsWith(Code.UNAUTHENTICATED, reason, 'RELOGIN_REQUIRED');

  it('when the token is valid, then Authenticate returns the member and each view', async () => {
    const { response, trailers } = await authenticate(m.auth);
    assert.equal(response.member?.id, m.id);
    assert.equal(response.refreshNeeded, false);
    assert.equal(response.jti, payloadOf(m.accessToken).jti);
    assert.equal(response.summary, undefined);
    assert.deepEqual(trailers.get('x-token-refresh-needed'), []);
    const summary = await authenticate(m.auth, AuthenticateView.AUTHENTICATE_VIEW_SUMMARY);
    assert.equal(summary.response.summary?.handle, m.handle);
    const profile = await authenticate(m.auth, AuthenticateView.AUTHENTICATE_VIEW_PROFILE);
    assert.equal(profile.response.profile?.memberId, m.id);
    assert.equal(profile.response.profile?.followingCount, '0');
  });

  it('when the token header is inspected, then it is ES256 with kid and typ at+jwt, and claims carry iss and aud', () => {
    assert.deepEqual(headerOf(m.accessToken), { alg: 'ES256', typ: 'at+jwt', kid: key.kid });
    const p = payloadOf(m.accessToken);
    assert.equal(p.iss, 'https://dailyfeed.click/member');
    assert.equal(p.aud, 'dailyfeed');
  });

  it('when no authorization is sent or it is not Bearer, then BEARER_TOKEN_MISSING', async () => {
    await assert.rejects(authenticate(new Metadata()), failsWith(Code.UNAUTHENTICATED, 'BEARER_TOKEN_MISSING'));
    const basic = new Metadata();
    basic.set('authorization', 'Basic dXNlcjpwYXNz');
    await assert.rejects(authenticate(basic), failsWith(Code.UNAUTHENTICATED, 'BEARER_TOKEN_MISSING'));
  });

  it('when the token has expired, then JWT_EXPIRED with REFRESH_NEEDED', async () => {
    const past = Math.floor(Date.now() / 1000) - 7200;
    const token = forgeToken({ memberId: m.id, key, claims: { iat: past, exp: past + 3600 } });
    await assert.rejects(authenticate(bearer(token)), failsWith(Code.UNAUTHENTICATED, 'JWT_EXPIRED', 'REFRESH_NEEDED'));
  });

  it('when the payload is tampered with (another member id), then INVALID_TOKEN with RELOGIN_REQUIRED', async () => {
    const other = await newMember(h.client);
    const token = tamperPayload(m.accessToken, { sub: other.id, memberId: Number(other.id) });
    await assert.rejects(authenticate(bearer(token)), relogin());
  });

  it('when the token is unsigned (alg none), then it is refused', async () => {
    const token = unsignedToken({ typ: 'at+jwt', kid: key.kid }, payloadOf(m.accessToken));
    await assert.rejects(authenticate(bearer(token)), relogin());
  });

  it('when the token is HS256-signed with the public key as secret, then it is refused', async () => {
    const token = hs256WithPublicKey(key, payloadOf(m.accessToken));
    await assert.rejects(authenticate(bearer(token)), relogin());
  });

  it('when the kid is unknown, then INVALID_TOKEN with RELOGIN_REQUIRED', async () => {
    const token = forgeToken({ memberId: m.id, key, header: { kid: 'no-such-key' } });
    await assert.rejects(authenticate(bearer(token)), relogin());
  });

  it('when the issuer or audience is wrong, then it is refused', async () => {
    await assert.rejects(authenticate(bearer(forgeToken({ memberId: m.id, key, claims: { iss: 'https://evil.example' } }))), relogin());
    await assert.rejects(authenticate(bearer(forgeToken({ memberId: m.id, key, claims: { aud: 'other-app' } }))), relogin());
  });

  it('when typ is not at+jwt, then it is refused', async () => {
    await assert.rejects(authenticate(bearer(forgeToken({ memberId: m.id, key, header: { typ: 'JWT' } }))), relogin());
  });

  it('when a correctly signed token names an unknown member, then it is refused', async () => {
    await assert.rejects(authenticate(bearer(forgeToken({ memberId: '999999999999', key }))), relogin());
  });

  it('when the token was logged out (jti blacklisted), then it is refused and GetMe too', async () => {
    const n = await newMember(h.client);
    await rpc(h.client.getMe.bind(h.client), {}, n.auth);
    await rpc(h.client.logout.bind(h.client), {}, n.auth);
    await assert.rejects(authenticate(n.auth), relogin());
    await assert.rejects(rpc(h.client.getMe.bind(h.client), {}, n.auth), relogin());
  });

  it('when GetJwks is called, then it publishes the public key of the primary and no private part', async () => {
    const { jwks } = await rpc(h.client.getJwks.bind(h.client), {});
    assert.equal(jwks?.contentType, 'application/jwk-set+json');
    const set = JSON.parse(jwks?.data.toString('utf8') ?? '{}') as { keys: Record<string, string>[] };
    const jwk = set.keys.find((k) => k.kid === key.kid);
    assert.equal(jwk?.kty, 'EC');
    assert.equal(jwk?.crv, 'P-256');
    assert.equal(jwk?.alg, 'ES256');
    assert.ok(set.keys.every((k) => k.d === undefined));
  });
});
