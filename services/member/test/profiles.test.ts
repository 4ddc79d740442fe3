// Component tests: profiles by id and handle, partial update, avatar cleanup through image-svc
// (whose failure never fails the update), handle change and cache invalidation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Gender } from '@dailyfeed/gen/member/v1/member';
import { Code } from '../../../test/support/grpc.ts';
import { startFakeImageService, type FakeImageService } from '../../../test/support/member-fake-image.ts';
import { failsWith, newMember, rpc, startMemberService, uniqueSuffix, type MemberHarness } from '../../../test/support/member-harness.ts';

describe('member-svc profiles', () => {
  let h: MemberHarness;
  let image: FakeImageService;
  before(async () => {
    image = await startFakeImageService('ok');
    h = await startMemberService({ IMAGE_ADDR: image.address, IMAGE_TIMEOUT_MS: '300' });
  });
  after(async () => {
    await h.stop();
    await image.stop();
  });
  const update = (auth: Parameters<typeof rpc>[2], req: Parameters<MemberHarness['client']['updateMyProfile']>[0]) =>
    rpc(h.client.updateMyProfile.bind(h.client), req, auth);

  it('when a profile is looked up by @handle or by id, then both give the same member; own profile only carries the email', async () => {
    const a = await newMember(h.client);
    const b = await newMember(h.client);
    const byHandle = await rpc(h.client.getMemberProfile.bind(h.client), { memberRef: `@${b.handle.toUpperCase()}` }, a.auth);
    const byId = await rpc(h.client.getMemberProfile.bind(h.client), { memberRef: b.id }, a.auth);
    assert.equal(byHandle.profile?.memberId, b.id);
    assert.equal(byId.profile?.handle, b.handle);
    assert.equal(byId.profile?.email, undefined);
    assert.equal((await rpc(h.client.getMyProfile.bind(h.client), {}, a.auth)).profile?.email, a.email);
    assert.equal((await rpc(h.client.getMemberProfileById.bind(h.client), { memberId: b.id }, a.auth)).profile?.id, b.id);
    assert.equal((await rpc(h.client.getMember.bind(h.client), { memberId: b.id }, a.auth)).member?.id, b.id);
    assert.equal((await rpc(h.client.getMemberSummary.bind(h.client), { memberId: b.id }, a.auth)).summary?.handle, b.handle);
  });

  it('when the profile does not exist, then MEMBER_NOT_FOUND', async () => {
    const a = await newMember(h.client);
    await assert.rejects(rpc(h.client.getMemberProfile.bind(h.client), { memberRef: '@nobody_here_x' }, a.auth), failsWith(Code.NOT_FOUND, 'MEMBER_NOT_FOUND'));
    await assert.rejects(rpc(h.client.getMemberProfile.bind(h.client), { memberRef: '999999999999' }, a.auth), failsWith(Code.NOT_FOUND, 'MEMBER_NOT_FOUND'));
  });

  it('when a partial update is sent, then only the given fields change and the next read (cached path) shows them', async () => {
    const a = await newMember(h.client, { bio: 'old bio', location: 'Seoul' });
    await rpc(h.client.getMyProfile.bind(h.client), {}, a.auth); // warm the cache
    const res = await update(a.auth, { displayName: 'New Name', birthDate: '1990-05-17', gender: Gender.GENDER_FEMALE, previousAvatarUrls: [] });
    assert.equal(res.profile?.displayName, 'New Name');
    assert.equal(res.profile?.bio, 'old bio');
    assert.equal(res.profile?.location, 'Seoul');
    assert.equal(res.profile?.birthDate, '1990-05-17');
    assert.equal(res.profile?.gender, Gender.GENDER_FEMALE);
    const mine = await rpc(h.client.getMyProfile.bind(h.client), {}, a.auth);
    assert.equal(mine.profile?.displayName, 'New Name');
    assert.ok((mine.profile?.profileCompletionScore ?? 0) > 0);
  });

  it('when an update breaks rules, then VALIDATION_FAILED and nothing changes', async () => {
    const a = await newMember(h.client);
    await assert.rejects(update(a.auth, { memberName: '', bio: 'x'.repeat(1001), previousAvatarUrls: [] }), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED'));
    await assert.rejects(update(a.auth, { gender: Gender.GENDER_UNSPECIFIED, previousAvatarUrls: [] }), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED'));
    const mine = await rpc(h.client.getMyProfile.bind(h.client), {}, a.auth);
    assert.notEqual(mine.profile?.memberName, '');
  });

  it('when the avatar changes, then it is stored verbatim and previous avatars are deleted through image-svc with the caller token', async () => {
    const a = await newMember(h.client);
    const before = image.received.length;
    const avatarUrl = `/api/proxy/images/view/${uniqueSuffix()}`;
    const previous = `/api/proxy/images/view/${uniqueSuffix()}`;
    const res = await update(a.auth, { avatarUrl, previousAvatarUrls: [previous, avatarUrl] });
    assert.equal(res.profile?.avatarUrl, avatarUrl);
    await image.waitForCalls(before + 1);
    const got = image.received[before];
    assert.deepEqual(got?.urls, [previous]);
    assert.equal(got?.authorization, `Bearer ${a.accessToken}`);
  });

  it('when image-svc answers UNIMPLEMENTED or does not answer, then the update still succeeds', async () => {
    const a = await newMember(h.client);
    for (const behaviour of ['unimplemented', 'hang'] as const) {
      image.behaviour = behaviour;
      const before = image.received.length;
      const avatarUrl = `/api/proxy/images/view/${uniqueSuffix()}`;
      const started = Date.now();
      const res = await update(a.auth, { avatarUrl, previousAvatarUrls: [`/api/proxy/images/view/${uniqueSuffix()}`] });
      assert.equal(res.profile?.avatarUrl, avatarUrl);
      assert.ok(Date.now() - started < 2000, 'the update does not wait for image-svc');
      await image.waitForCalls(before + 1);
    }
    image.behaviour = 'ok';
  });

  it('when the handle is changed, then the profile is found under the new handle and the old one is free of it', async () => {
    const a = await newMember(h.client);
    const b = await newMember(h.client);
    const newHandle = `nh_${uniqueSuffix()}`;
    assert.equal((await rpc(h.client.changeHandle.bind(h.client), { newHandle }, a.auth)).handle, newHandle);
    assert.equal((await rpc(h.client.getMemberProfile.bind(h.client), { memberRef: `@${newHandle}` }, b.auth)).profile?.memberId, a.id);
    assert.equal((await rpc(h.client.getMySummary.bind(h.client), {}, a.auth)).summary?.handle, newHandle);
    await assert.rejects(rpc(h.client.getMemberProfile.bind(h.client), { memberRef: `@${a.handle}` }, b.auth), failsWith(Code.NOT_FOUND, 'MEMBER_NOT_FOUND'));
  });

  it('when the new handle is taken or malformed, then ALREADY_EXISTS or VALIDATION_FAILED', async () => {
    const a = await newMember(h.client);
    const b = await newMember(h.client);
    await assert.rejects(rpc(h.client.changeHandle.bind(h.client), { newHandle: b.handle }, a.auth), failsWith(Code.ALREADY_EXISTS, 'MEMBER_HANDLE_ALREADY_EXISTS'));
    await assert.rejects(rpc(h.client.changeHandle.bind(h.client), { newHandle: 'no spaces!' }, a.auth), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED'));
  });
});
