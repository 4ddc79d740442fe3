// Component tests: refresh-token rotation and reuse detection, logout, logout-all, cleanup.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { Code } from '../../../test/support/grpc.ts';
import { bearer, failsWith, newMember, rpc, startMemberService, TEST_PASSWORD, type MemberHarness } from '../../../test/support/member-harness.ts';
import { payloadOf, withDb } from '../../../test/support/member-tokens.ts';

describe('member-svc sessions', () => {
  let h: MemberHarness;
  before(async () => {
    h = await startMemberService();
  });
  after(() => h.stop());
  const refresh = (refreshToken: string) => rpc(h.client.refreshAccessToken.bind(h.client), { refreshToken, client: { deviceInfo: 'ua', ipAddress: '10.0.0.1' } });
  const refreshSession = (refreshToken: string) => rpc(h.client.refreshSession.bind(h.client), { refreshToken, client: undefined });
  const getMe = (token: string) => rpc(h.client.getMe.bind(h.client), {}, bearer(token));
  const relogin = (reason: string) => failsWith(Code.UNAUTHENTICATED, reason, 'RELOGIN_REQUIRED');

  it('when a refresh token is used, then a new pair is issued and the old refresh token is spent', async () => {
    const m = await newMember(h.client);
    const res = await refresh(m.refreshToken);
    assert.equal(res.token?.expiresIn, '3600');
    assert.equal(res.token?.accessToken, res.tokens?.accessToken);
    assert.notEqual(res.tokens?.refreshToken, m.refreshToken);
    assert.notEqual(payloadOf(res.tokens?.accessToken ?? '').jti, payloadOf(m.accessToken).jti);
    assert.equal((await getMe(res.tokens?.accessToken ?? '')).member?.id, m.id);
    const next = await refreshSession(res.tokens?.refreshToken ?? '');
    assert.equal(next.value, true);
    assert.ok(next.tokens?.accessToken);
  });

  it('when a rotated refresh token is presented again, then REFRESH_TOKEN_REUSED and the whole family is revoked', async () => {
    const m = await newMember(h.client);
    const first = await refresh(m.refreshToken);
    await assert.rejects(refresh(m.refreshToken), relogin('REFRESH_TOKEN_REUSED'));
    // The legitimate newest token of the family is revoked too: the thief and the owner both relogin.
    await assert.rejects(refresh(first.tokens?.refreshToken ?? ''), relogin('REFRESH_TOKEN_INVALID'));
  });

  it('when a family is revoked, then other sessions of the member are untouched', async () => {
    const m = await newMember(h.client);
    const other = await rpc(h.client.login.bind(h.client), { email: m.email, password: TEST_PASSWORD, client: undefined });
    await refresh(m.refreshToken);
    await assert.rejects(refresh(m.refreshToken), relogin('REFRESH_TOKEN_REUSED'));
    assert.ok((await refresh(other.tokens?.refreshToken ?? '')).tokens?.refreshToken);
  });

  it('when the refresh token is unknown, empty or expired, then REFRESH_TOKEN_INVALID', async () => {
    await assert.rejects(refresh('not-a-real-token'), relogin('REFRESH_TOKEN_INVALID'));
    await assert.rejects(refresh(''), relogin('REFRESH_TOKEN_INVALID'));
    const m = await newMember(h.client);
    await withDb((db) => db.query(`update member.refresh_tokens set expires_at = now() - interval '1 second' where member_id = $1`, [m.id]));
    await assert.rejects(refresh(m.refreshToken), relogin('REFRESH_TOKEN_INVALID'));
  });

  it('when a member logs out, then the access token is blacklisted in Redis and PostgreSQL and the refresh token is revoked', async () => {
    const m = await newMember(h.client);
    const res = await rpc(h.client.logout.bind(h.client), { refreshToken: m.refreshToken }, m.auth);
    assert.equal(res.value, true);
    assert.ok(res.sessionCleared);
    await assert.rejects(getMe(m.accessToken), relogin('INVALID_TOKEN'));
    await assert.rejects(refresh(m.refreshToken), relogin('REFRESH_TOKEN_INVALID'));
    const jti = String(payloadOf(m.accessToken).jti);
    const { rows } = await withDb((db) => db.query<{ reason: string }>('select reason from member.token_blacklist where jti = $1', [jti]));
    assert.equal(rows[0]?.reason, 'USER_LOGOUT');
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    try {
      assert.equal(await redis.get(`member:authentication:blacklist:${jti}`), m.id);
      const ttl = await redis.ttl(`member:authentication:blacklist:${jti}`);
      assert.ok(ttl > 3500 && ttl <= 3600, `ttl ${ttl}`);
    } finally {
      redis.disconnect();
    }
  });

  it('when logout is called without the refresh token, then the session paired with the access token is still revoked', async () => {
    const m = await newMember(h.client);
    await rpc(h.client.logout.bind(h.client), {}, m.auth);
    await assert.rejects(refresh(m.refreshToken), relogin('REFRESH_TOKEN_INVALID'));
  });

  it('when a member logs out everywhere, then every refresh token is revoked and the presented token too', async () => {
    const m = await newMember(h.client);
    const second = await rpc(h.client.login.bind(h.client), { email: m.email, password: TEST_PASSWORD, client: undefined });
    const res = await rpc(h.client.logoutAll.bind(h.client), {}, m.auth);
    assert.equal(res.value, true);
    await assert.rejects(refresh(m.refreshToken), relogin('REFRESH_TOKEN_INVALID'));
    await assert.rejects(refresh(second.tokens?.refreshToken ?? ''), relogin('REFRESH_TOKEN_INVALID'));
    await assert.rejects(getMe(m.accessToken), relogin('INVALID_TOKEN'));
  });

  it('when logout is called without a token, then it fails with BEARER_TOKEN_MISSING', async () => {
    await assert.rejects(rpc(h.client.logout.bind(h.client), {}), failsWith(Code.UNAUTHENTICATED, 'BEARER_TOKEN_MISSING'));
  });

  it('when expired tokens are cleaned up, then expired rows go and live ones stay', async () => {
    const m = await newMember(h.client);
    const live = await newMember(h.client);
    await rpc(h.client.logout.bind(h.client), {}, m.auth);
    await withDb(async (db) => {
      await db.query(`update member.refresh_tokens set expires_at = now() - interval '1 second' where member_id = $1`, [m.id]);
      await db.query(`update member.token_blacklist set expires_at = now() - interval '1 second' where member_id = $1`, [m.id]);
    });
    const res = await rpc(h.client.cleanupExpiredTokens.bind(h.client), {});
    assert.ok(Number(res.refreshTokensDeleted) >= 1);
    assert.ok(Number(res.blacklistEntriesDeleted) >= 1);
    const counts = await withDb((db) =>
      db.query<{ gone: string; kept: string }>(
        `select (select count(*) from member.refresh_tokens where member_id = $1) as gone,
                (select count(*) from member.refresh_tokens where member_id = $2) as kept`,
        [m.id, live.id],
      ),
    );
    assert.equal(counts.rows[0]?.gone, '0');
    assert.equal(counts.rows[0]?.kept, '1');
  });
});
