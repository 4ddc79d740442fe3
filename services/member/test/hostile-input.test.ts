// Input PostgreSQL cannot take, refused before SQL with INVALID_ARGUMENT naming the field and the
// rule: NUL (U+0000) in any text, ids above int64; and `@@handle` profile references (what the
// frontend sends for a typed /@handle URL) resolve like `@handle`.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ServiceError } from '@grpc/grpc-js';
import { BadRequest } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { Code } from '../../../test/support/grpc.ts';
import { failsWith, newMember, rpc, signupRequest, startMemberService, TEST_PASSWORD, type MemberHarness, type TestMember } from '../../../test/support/member-harness.ts';

function violationsOf(err: unknown): { field: string; reason: string }[] {
  const raw = (err as ServiceError).metadata.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return [];
  const detail = Status.decode(raw).details.find((d) => d.typeUrl.endsWith('/google.rpc.BadRequest'));
  return detail ? BadRequest.decode(detail.value).fieldViolations.map((v) => ({ field: v.field, reason: v.reason })) : [];
}

const refusedFor = (field: string, rule: string) => (err: unknown): boolean => {
  failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED')(err);
  assert.deepEqual(violationsOf(err), [{ field, reason: rule }]);
  return true;
};

describe('member-svc hostile input', () => {
  let h: MemberHarness;
  let me: TestMember;
  before(async () => {
    h = await startMemberService();
    me = await newMember(h.client);
  });
  after(() => h.stop());

  for (const field of ['email', 'memberName', 'handle', 'displayName', 'bio', 'location', 'websiteUrl', 'avatarUrl'] as const) {
    it(`when signup's ${field} contains NUL, then INVALID_ARGUMENT names ${field} and rule no_nul`, async () => {
      const req = signupRequest();
      await assert.rejects(rpc(h.client.signup.bind(h.client), { ...req, [field]: `${req[field] ?? 'x'}\u0000` }), refusedFor(field, 'no_nul'));
    });
  }

  it('when the login email contains NUL, then INVALID_ARGUMENT names email', async () => {
    await assert.rejects(rpc(h.client.login.bind(h.client), { email: `${me.email}\u0000`, password: TEST_PASSWORD, client: undefined }), refusedFor('email', 'no_nul'));
  });

  it('when a profile update contains NUL, then INVALID_ARGUMENT names the field and nothing changes', async () => {
    await assert.rejects(rpc(h.client.updateMyProfile.bind(h.client), { bio: 'a\u0000b', previousAvatarUrls: [] }, me.auth), refusedFor('bio', 'no_nul'));
    const mine = await rpc(h.client.getMyProfile.bind(h.client), {}, me.auth);
    assert.notEqual(mine.profile?.bio, 'a\u0000b');
  });

  it('when a profile reference is a handle with NUL, then INVALID_ARGUMENT names member_ref', async () => {
    await assert.rejects(rpc(h.client.getMemberProfile.bind(h.client), { memberRef: '@\u0000' }, me.auth), refusedFor('member_ref', 'no_nul'));
  });

  it('when a profile reference is an id above int64, then INVALID_ARGUMENT names member_ref; int64 max itself is just not found', async () => {
    await assert.rejects(rpc(h.client.getMemberProfile.bind(h.client), { memberRef: '9223372036854775808' }, me.auth), refusedFor('member_ref', 'id'));
    await assert.rejects(rpc(h.client.getMemberProfile.bind(h.client), { memberRef: '9999999999999999999' }, me.auth), refusedFor('member_ref', 'id'));
    await assert.rejects(rpc(h.client.getMemberProfile.bind(h.client), { memberRef: '9223372036854775807' }, me.auth), failsWith(Code.NOT_FOUND, 'MEMBER_NOT_FOUND'));
  });

  it('when a profile reference carries several leading @, then it resolves like @handle', async () => {
    const other = await newMember(h.client);
    for (const ref of [`@${other.handle}`, `@@${other.handle}`, `@@@${other.handle}`]) {
      assert.equal((await rpc(h.client.getMemberProfile.bind(h.client), { memberRef: ref }, me.auth)).profile?.id, other.id, ref);
    }
  });
});
