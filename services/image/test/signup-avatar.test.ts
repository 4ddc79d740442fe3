// Component test of issue 14's signup avatar: an anonymous upload is bound to the signup that
// presents its claim (member-svc, run as its own process, calls ClaimImage on this image-svc).
// Afterwards only the new member may delete it; a wrong claim refuses the signup and creates
// nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { CountryCode, Gender, MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { Code } from '../../../test/support/grpc.ts';
import { freePort } from '../../../test/support/spawn-service.ts';
import { solid } from './support/fixtures.ts';
import { call, failsWith, rpc, startImageService, withAuthorization, type ImageHarness } from './support/image-harness.ts';
import { startMemberSvc, type MemberSvc } from './support/members.ts';

describe('signup avatars', () => {
  let members: MemberSvc;
  let h: ImageHarness;
  const url = (id: string): string => `/api/proxy/images/view/${id}`;
  const anonymousUpload = async (): Promise<{ id: string; claim: string }> => {
    const answer = await call(h.client.uploadProfileImage.bind(h.client), { image: await solid(40, 40, 'png'), filename: 'a.png', contentType: 'image/png' }, withAuthorization('Bearer null'));
    return { id: answer.response.imageId, claim: answer.response.claim };
  };
  const remove = (urls: string[], md: Metadata, claims: string[] = []) => rpc(h.client.deleteImages.bind(h.client), { imageUrls: urls, claims }, md);

  before(async () => {
    // member-svc must know image-svc's address before image-svc (which needs member-svc) starts.
    const imagePort = await freePort();
    members = await startMemberSvc({ IMAGE_ADDR: `127.0.0.1:${imagePort}` });
    h = await startImageService({ MEMBER_ADDR: members.address, GRPC_PORT: String(imagePort) });
  });
  after(async () => {
    await h?.stop();
    await members?.stop();
  });

  it("when A signs up with the claim of an anonymous avatar, then B cannot delete it, even with the claim, and A can", async () => {
    const { id, claim } = await anonymousUpload();
    const alice = await members.newMember({ avatarUrl: url(id), avatarClaim: claim });
    const bob = await members.newMember();
    assert.deepEqual(await remove([url(id)], bob.auth(), [claim]), { value: true, deletedCount: 0, skippedCount: 1 });
    assert.deepEqual(await remove([url(id)], alice.auth()), { value: true, deletedCount: 1, skippedCount: 0 });
  });

  it('when a signup presents a wrong claim, then VALIDATION_FAILED on avatarClaim and no member is created', async () => {
    const { id, claim } = await anonymousUpload();
    const wrong = `${claim.slice(0, -1)}${claim.endsWith('A') ? 'B' : 'A'}`;
    const client = new MemberServiceClient(members.address, credentials.createInsecure());
    const email = `claim_${Date.now()}@example.test`;
    const signup = (avatarClaim: string) =>
      new Promise((resolve, reject) =>
        client.signup(
          { email, password: 'Passw0rd!', memberName: 'Claim test', handle: `claim_${Date.now()}`, gender: Gender.GENDER_OTHER, countryCode: CountryCode.COUNTRY_CODE_KR, verificationStatus: 0, privacyLevel: 0, avatarUrl: url(id), avatarClaim },
          new Metadata(),
          { deadline: Date.now() + 20_000 },
          (err: ServiceError | null, res: unknown) => (err ? reject(err) : resolve(res)),
        ),
      );
    try {
      await assert.rejects(signup(wrong), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', { field: 'avatarClaim', rule: 'match' }));
      // Nothing was kept: the same email signs up fine with the right claim.
      await signup(claim);
    } finally {
      client.close();
    }
  });
});
