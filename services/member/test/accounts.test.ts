// Component tests: signup validation per field, unique email/handle, login, deactivation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CountryCode, Gender, type SignupRequest } from '@dailyfeed/gen/member/v1/member';
import { BadRequest } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import type { ServiceError } from '@grpc/grpc-js';
import { Code } from '../../../test/support/grpc.ts';
import { failsWith, newMember, rpc, signupRequest, startMemberService, TEST_PASSWORD, uniqueSuffix, type MemberHarness } from '../../../test/support/member-harness.ts';

function violatedFields(err: unknown): string[] {
  const raw = (err as ServiceError).metadata.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return [];
  const detail = Status.decode(raw).details.find((d) => d.typeUrl.endsWith('/google.rpc.BadRequest'));
  return detail ? BadRequest.decode(detail.value).fieldViolations.map((v) => v.field) : [];
}

describe('member-svc accounts', () => {
  let h: MemberHarness;
  before(async () => {
    h = await startMemberService();
  });
  after(() => h.stop());
  const signup = (req: SignupRequest) => rpc(h.client.signup.bind(h.client), req);
  const login = (email: string, password: string) => rpc(h.client.login.bind(h.client), { email, password, client: undefined });

  const invalidCases: [string, Partial<SignupRequest>][] = [
    ['email', { email: 'not-an-email' }],
    ['email', { email: `${'a'.repeat(95)}@x.com` }],
    ['email', { email: '' }],
    ['password', { password: 'Short1!' }],
    ['password', { password: 'alllowercase1!' }],
    ['password', { password: 'NoSpecial123' }],
    ['password', { password: 'Bad Char1!' }],
    ['password', { password: `Aa1!${'x'.repeat(47)}` }],
    ['memberName', { memberName: 'A' }],
    ['memberName', { memberName: 'x'.repeat(31) }],
    ['handle', { handle: 'ab' }],
    ['handle', { handle: 'bad-handle!' }],
    ['displayName', { displayName: 'd'.repeat(51) }],
    ['bio', { bio: 'b'.repeat(501) }],
    ['location', { location: 'l'.repeat(101) }],
    ['websiteUrl', { websiteUrl: 'not a url' }],
    ['websiteUrl', { websiteUrl: 'ftp://example.com/x' }],
    ['birthDate', { birthDate: '2999-01-01' }],
    ['birthDate', { birthDate: '1990-02-30' }],
    ['gender', { gender: Gender.GENDER_UNSPECIFIED }],
    ['countryCode', { countryCode: CountryCode.COUNTRY_CODE_UNSPECIFIED }],
    ['languageCode', { languageCode: 'k' }],
    ['avatarUrl', { avatarUrl: 'a'.repeat(501) }],
  ];
  for (const [field, override] of invalidCases) {
    it(`when ${field} is ${JSON.stringify(Object.values(override)[0]).slice(0, 40)}, then signup fails naming only ${field}`, async () => {
      await assert.rejects(signup(signupRequest(override)), (err: unknown) => {
        failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED')(err);
        assert.deepEqual(violatedFields(err), [field]);
        return true;
      });
    });
  }

  it('when several fields are wrong, then every one is reported once', async () => {
    await assert.rejects(signup(signupRequest({ email: 'x', password: 'x', memberName: '', handle: '!', gender: 0, countryCode: 0 })), (err: unknown) => {
      failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED')(err);
      assert.deepEqual(violatedFields(err).sort(), ['countryCode', 'email', 'gender', 'handle', 'memberName', 'password']);
      return true;
    });
  });

  it('when optional fields arrive as empty strings and the avatar is relative, then signup succeeds and stores the avatar verbatim', async () => {
    const avatarUrl = `/api/proxy/images/view/${uniqueSuffix()}`;
    const m = await newMember(h.client, { bio: '', birthDate: '', websiteUrl: '', location: '', displayName: '', timezone: 'Asia/Seoul', coverUrl: '', avatarUrl });
    const { profile } = await rpc(h.client.getMyProfile.bind(h.client), {}, m.auth);
    assert.equal(profile?.avatarUrl, avatarUrl);
    assert.equal(profile?.birthDate, '');
    assert.equal(profile?.languageCode, 'ko');
    assert.equal(profile?.timezone, 'UTC');
    assert.equal(profile?.followersCount, '0');
    assert.equal(profile?.followingCount, '0');
  });

  it('when no avatar is given, then the profile says no-image', async () => {
    const m = await newMember(h.client);
    const { summary } = await rpc(h.client.getMySummary.bind(h.client), {}, m.auth);
    assert.equal(summary?.avatarUrl, 'no-image');
  });

  it('when the email is taken (in any letter case), then signup fails with MEMBER_ALREADY_EXISTS', async () => {
    const first = signupRequest();
    await signup(first);
    await assert.rejects(signup(signupRequest({ email: first.email.toUpperCase() })), failsWith(Code.ALREADY_EXISTS, 'MEMBER_ALREADY_EXISTS'));
  });

  it('when the handle is taken (in any letter case), then signup fails with MEMBER_HANDLE_ALREADY_EXISTS', async () => {
    const first = signupRequest();
    await signup(first);
    await assert.rejects(signup(signupRequest({ handle: first.handle.toUpperCase() })), failsWith(Code.ALREADY_EXISTS, 'MEMBER_HANDLE_ALREADY_EXISTS'));
  });

  it('when the password is right, then login returns the member and a token pair whose payload carries a numeric memberId', async () => {
    const req = signupRequest();
    const { member } = await signup(req);
    const res = await login(req.email.toUpperCase(), TEST_PASSWORD);
    assert.equal(res.member?.memberId, member?.id);
    assert.equal(res.member?.handle, req.handle);
    assert.equal(res.member?.email, req.email);
    assert.ok(res.tokens?.refreshToken && res.tokens.refreshToken.length >= 43);
    const payload = JSON.parse(Buffer.from(res.tokens?.accessToken.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    assert.equal(payload.memberId, Number(member?.id));
    assert.equal(payload.sub, member?.id);
    assert.equal(typeof payload.jti, 'string');
    assert.equal((payload.exp as number) - (payload.iat as number), 3600);
  });

  it('when the password is wrong or the email unknown, then login fails with MEMBER_PASSWORD_INVALID', async () => {
    const req = signupRequest();
    await signup(req);
    await assert.rejects(login(req.email, 'Wrong0rd!'), failsWith(Code.UNAUTHENTICATED, 'MEMBER_PASSWORD_INVALID'));
    await assert.rejects(login(`nobody_${uniqueSuffix()}@example.test`, TEST_PASSWORD), failsWith(Code.UNAUTHENTICATED, 'MEMBER_PASSWORD_INVALID'));
  });

  it('when the email is unknown, then login takes about as long as a wrong password (dummy hash)', async () => {
    const req = signupRequest();
    await signup(req);
    const time = async (email: string): Promise<number> => {
      const start = performance.now();
      await login(email, 'Wrong0rd!').catch(() => undefined);
      return performance.now() - start;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await time(req.email));
      unknown.push(await time(`ghost_${uniqueSuffix()}@example.test`));
    }
    const ratio = median(unknown) / median(known);
    assert.ok(ratio > 0.6 && ratio < 1.6, `unknown/known login time ratio ${ratio.toFixed(2)}`);
  });

  it('when a member deactivates, then the token stops working, login fails and the profile is gone', async () => {
    const m = await newMember(h.client);
    const other = await newMember(h.client);
    const res = await rpc(h.client.deactivate.bind(h.client), {}, m.auth);
    assert.equal(res.value, true);
    assert.ok(res.sessionCleared);
    await assert.rejects(rpc(h.client.getMe.bind(h.client), {}, m.auth), failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN', 'RELOGIN_REQUIRED'));
    await assert.rejects(login(m.email, TEST_PASSWORD), failsWith(Code.UNAUTHENTICATED, 'MEMBER_PASSWORD_INVALID'));
    await assert.rejects(
      rpc(h.client.refreshSession.bind(h.client), { refreshToken: m.refreshToken, client: undefined }),
      failsWith(Code.UNAUTHENTICATED, 'REFRESH_TOKEN_INVALID', 'RELOGIN_REQUIRED'),
    );
    await assert.rejects(rpc(h.client.getMemberProfile.bind(h.client), { memberRef: `@${m.handle}` }, other.auth), failsWith(Code.NOT_FOUND, 'MEMBER_NOT_FOUND'));
    const { summaries } = await rpc(h.client.getSummariesByIds.bind(h.client), { ids: [m.id, other.id] }, other.auth);
    assert.deepEqual(summaries.map((s) => s.memberId), [other.id]);
  });
});
