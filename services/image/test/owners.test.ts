// Component test: owners and deletes against a real member-svc (spawned as a process). A valid
// token makes the caller the image's owner; DeleteImages deletes the caller's own images and
// ownerless ones whose upload claim is presented, and skips the rest; ClaimImage (signup) makes
// a member the owner of an anonymous upload; tokens member-svc rejects keep its reason and auth signal.
import assert from 'node:assert/strict';
import { access, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import { Code, waitForHealth } from '../../../test/support/grpc.ts';
import { SERVICE_NAME } from '../src/server.ts';
import { solid } from './support/fixtures.ts';
import { call, failsWith, rpc, startImageService, withAuthorization, type ImageHarness } from './support/image-harness.ts';
import { startMemberSvc, type MemberSvc, type TestMember } from './support/members.ts';

/** Well formed, but signed by no key member-svc knows. */
const FORGED_JWT = `${Buffer.from('{"alg":"ES256","kid":"nope"}').toString('base64url')}.${Buffer.from('{"sub":"1"}').toString('base64url')}.c2ln`;

describe('image owners and deletes', () => {
  let members: MemberSvc;
  let h: ImageHarness;
  let alice: TestMember;
  let bob: TestMember;

  const upload = async (md: Metadata): Promise<string> =>
    (await rpc(h.client.uploadProfileImage.bind(h.client), { image: await solid(40, 40, 'png'), filename: 'a.png', contentType: 'image/png' }, md))
      .imageId;
  const remove = (urls: string[], md: Metadata, claims: string[] = []) => rpc(h.client.deleteImages.bind(h.client), { imageUrls: urls, claims }, md);
  const anonymousUpload = async (): Promise<{ id: string; claim: string; trailer: unknown }> => {
    const answer = await call(
      h.client.uploadProfileImage.bind(h.client),
      { image: await solid(40, 40, 'png'), filename: 'a.png', contentType: 'image/png' },
      withAuthorization('Bearer null'),
    );
    return { id: answer.response.imageId, claim: answer.response.claim, trailer: answer.trailers.get('x-image-claim')[0] };
  };
  const claimFor = (memberId: string, imageId: string, claim: string) =>
    rpc(h.client.claimImage.bind(h.client), { imageId, claim, memberId }, new Metadata());
  const view = (imageId: string) => rpc(h.client.viewImage.bind(h.client), { imageId, thumbnail: false });
  const url = (id: string): string => `/api/proxy/images/view/${id}`;
  const exists = (name: string) => access(join(h.root, name)).then(() => true, () => false);

  before(async () => {
    members = await startMemberSvc();
    h = await startImageService({ MEMBER_ADDR: members.address });
    [alice, bob] = await Promise.all([members.newMember(), members.newMember()]);
  });
  after(async () => {
    await h?.stop();
    await members?.stop();
  });

  it('when a member deletes their own image, then it is gone: view NOT_FOUND, files removed', async () => {
    const id = await upload(alice.auth());
    const res = await remove([url(id)], alice.auth());
    assert.deepEqual(res, { value: true, deletedCount: 1, skippedCount: 0 });
    await assert.rejects(view(id), failsWith(Code.NOT_FOUND, 'IMAGE_NOT_FOUND'));
    assert.equal(await exists(`${id}.png`), false);
    assert.equal(await exists(`${id}-thumbnail.png`), false);
  });

  it("when a member deletes another member's image, then it is skipped and stays viewable", async () => {
    const id = await upload(alice.auth());
    const res = await remove([url(id)], bob.auth());
    assert.deepEqual(res, { value: true, deletedCount: 0, skippedCount: 1 });
    assert.equal((await view(id)).image?.contentType, 'image/png');
  });

  it('when an image was uploaded anonymously, then a member without its claim cannot delete it, and one with the claim can', async () => {
    const { id, claim, trailer } = await anonymousUpload();
    assert.match(claim, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(trailer, claim, 'the edge gets the claim as a trailer');
    const anyUrl = `http://localhost:8085/api/images/view/${id}.png?thumbnail=false`;
    assert.deepEqual(await remove([anyUrl], bob.auth()), { value: true, deletedCount: 0, skippedCount: 1 });
    assert.deepEqual(await remove([anyUrl], bob.auth(), ['x'.repeat(43), 'not a claim']), { value: true, deletedCount: 0, skippedCount: 1 });
    assert.equal((await view(id)).image?.contentType, 'image/png');
    assert.deepEqual(await remove([anyUrl], bob.auth(), [claim]), { value: true, deletedCount: 1, skippedCount: 0 });
  });

  it('when a member uploads with a token, then the answer carries no claim', async () => {
    const answer = await call(h.client.uploadProfileImage.bind(h.client), { image: await solid(20, 20, 'png'), filename: '', contentType: '' }, alice.auth());
    assert.equal(answer.response.claim, '');
    assert.equal(answer.trailers.get('x-image-claim').length, 0);
  });

  it("when a signup claims A's anonymous avatar, then only A may delete it, even with the claim", async () => {
    const { id, claim } = await anonymousUpload();
    assert.deepEqual(await claimFor(alice.id, url(id), claim), { imageId: id });
    assert.deepEqual(await claimFor(alice.id, id, claim), { imageId: id }, 'a retried claim for the same member succeeds');
    assert.deepEqual(await remove([url(id)], bob.auth(), [claim]), { value: true, deletedCount: 0, skippedCount: 1 });
    assert.equal((await view(id)).image?.contentType, 'image/png');
    assert.deepEqual(await remove([url(id)], alice.auth()), { value: true, deletedCount: 1, skippedCount: 0 });
  });

  it('when a claim is wrong, already used by another member, or names no anonymous upload, then VALIDATION_FAILED on claim', async () => {
    const mismatch = failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', { field: 'claim', rule: 'match' });
    const { id, claim } = await anonymousUpload();
    await assert.rejects(claimFor(alice.id, id, 'x'.repeat(43)), mismatch);
    await assert.rejects(claimFor(alice.id, id, ''), mismatch);
    await assert.rejects(claimFor(alice.id, 'no-image', claim), mismatch);
    const owned = await upload(alice.auth());
    await assert.rejects(claimFor(bob.id, owned, claim), mismatch);
    await claimFor(alice.id, id, claim);
    await assert.rejects(claimFor(bob.id, id, claim), mismatch);
    await assert.rejects(claimFor('0', id, claim), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', { field: 'member_id' }));
  });

  it('when entries are unknown, repeated, already deleted or no image URL at all, then they are skipped and the call succeeds', async () => {
    const id = await upload(alice.auth());
    const gone = await upload(alice.auth());
    await remove([url(gone)], alice.auth());
    const res = await remove(
      [url(id), id, url(gone), url('00000000-0000-4000-8000-000000000000'), 'no-image', 'https://cdn.example.com/me.jpg'],
      alice.auth(),
    );
    assert.deepEqual(res, { value: true, deletedCount: 1, skippedCount: 5 });
  });

  it('when a delete is retried, then the retry succeeds and skips what is already gone', async () => {
    const id = await upload(alice.auth());
    assert.equal((await remove([url(id)], alice.auth())).deletedCount, 1);
    assert.deepEqual(await remove([url(id)], alice.auth()), { value: true, deletedCount: 0, skippedCount: 1 });
  });

  it('when a delete carries no usable token, then UNAUTHENTICATED with BEARER_TOKEN_MISSING', async () => {
    const id = await upload(withAuthorization('Bearer null'));
    await assert.rejects(remove([url(id)], new Metadata()), failsWith(Code.UNAUTHENTICATED, 'BEARER_TOKEN_MISSING', { auth_signal: 'RELOGIN_REQUIRED' }));
    await assert.rejects(remove([url(id)], withAuthorization('Bearer null')), failsWith(Code.UNAUTHENTICATED, 'BEARER_TOKEN_MISSING'));
    assert.equal((await view(id)).image?.contentType, 'image/png');
  });

  it('when more than 1000 URLs are sent, then VALIDATION_FAILED on image_urls', async () => {
    const urls = Array.from({ length: 1001 }, () => 'no-image');
    await assert.rejects(remove(urls, alice.auth()), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', { field: 'image_urls' }));
  });

  it('when member-svc rejects the token, then upload and delete fail with its reason and auth signal', async () => {
    const forged = withAuthorization(`Bearer ${FORGED_JWT}`);
    const rejected = failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN', { auth_signal: 'RELOGIN_REQUIRED' });
    await assert.rejects(upload(forged), rejected);
    await assert.rejects(remove(['no-image'], withAuthorization(`Bearer ${FORGED_JWT}`)), rejected);
  });

  it('when a member retries an upload with the same idempotency-key, then the first id comes back for that member only', async () => {
    const image = await solid(33, 33, 'png');
    const key = { 'idempotency-key': `owner-${Date.now()}` };
    const req = { image, filename: '', contentType: '' };
    const first = await call(h.client.uploadImage.bind(h.client), req, alice.auth(key));
    const again = await call(h.client.uploadImage.bind(h.client), req, alice.auth(key));
    const other = await call(h.client.uploadImage.bind(h.client), req, bob.auth(key));
    assert.equal(again.response.imageId, first.response.imageId);
    assert.notEqual(other.response.imageId, first.response.imageId);
  });

  it('when the image directory breaks, then storage reasons come back, readiness says NOT_SERVING, and a retry after repair works', async () => {
    const id = await upload(alice.auth());
    // Swap the directory for a plain file: every path under it now fails with ENOTDIR.
    await rename(h.root, `${h.root}.moved`);
    await writeFile(h.root, 'not a directory');
    try {
      await assert.rejects(upload(alice.auth()), failsWith(Code.INTERNAL, 'IMAGE_PROCESSING_FAIL'));
      await assert.rejects(view(id), failsWith(Code.INTERNAL, 'IMAGE_READING_FAIL'));
      await assert.rejects(remove([url(id)], alice.auth()), failsWith(Code.INTERNAL, 'IMAGE_DELETING_FAIL'));
      assert.equal(await waitForHealth(h.service.grpcPort, Serving.NOT_SERVING, 10_000, SERVICE_NAME), Serving.NOT_SERVING);
    } finally {
      await rm(h.root, { force: true });
      await rename(`${h.root}.moved`, h.root);
    }
    assert.equal((await view(id)).image?.contentType, 'image/png');
    assert.equal((await remove([url(id)], alice.auth())).deletedCount, 1);
    assert.equal(await waitForHealth(h.service.grpcPort, Serving.SERVING, 10_000, SERVICE_NAME), Serving.SERVING);
  });
});

describe('image-svc with member-svc unreachable', () => {
  let h: ImageHarness;
  before(async () => {
    h = await startImageService();
  });
  after(() => h.stop());

  it('when a JWT must be checked and member-svc cannot be reached, then UNAVAILABLE with MEMBER_API_CONNECTION_ERROR', async () => {
    const md = withAuthorization(`Bearer ${FORGED_JWT}`);
    const unavailable = failsWith(Code.UNAVAILABLE, 'MEMBER_API_CONNECTION_ERROR');
    await assert.rejects(rpc(h.client.uploadImage.bind(h.client), { image: await solid(10, 10, 'png'), filename: '', contentType: '' }, md), unavailable);
    await assert.rejects(rpc(h.client.deleteImages.bind(h.client), { imageUrls: ['no-image'], claims: [] }, md), unavailable);
  });

  it('when no token is sent, then uploads still work without member-svc', async () => {
    const res = await rpc(h.client.uploadImage.bind(h.client), { image: await solid(10, 10, 'png'), filename: '', contentType: '' }, withAuthorization('Bearer null'));
    assert.ok(res.imageId);
  });
});
