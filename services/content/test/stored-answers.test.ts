// Component test: content-svc reads member-svc's written-down Authenticate answers from Redis
// instead of calling member-svc (adapters/member-client.ts; member-svc's adapters/answer-store.ts),
// against a real member-svc, PostgreSQL, Redis and Kafka. It proves that the hop is skipped, that
// logout, logout-all, deactivation and a profile change take effect within 1 s (measured), and
// that a content-svc without Redis asks member-svc for every write.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { credentials, type Metadata } from '@grpc/grpc-js';
import { ContentServiceClient } from '@dailyfeed/gen/content/v1/content';
import { AuthenticateResponse, AuthenticateView, MemberServiceClient, UpdateMyProfileRequest } from '@dailyfeed/gen/member/v1/member';
import { Code } from '../../../test/support/grpc.ts';
import { startService, type RunningService } from '../src/app.ts';
import { contentApi, contentConfig, createMember, failsWith, silentLog, sleep, startStack, unary, type ContentApi, type Stack, type TestMember } from './support/helpers.ts';

describe('content-svc reads written-down Authenticate answers', () => {
  let stack: Stack;
  let api: ContentApi;
  let members: MemberServiceClient;
  let redis: Redis;
  const extra: { service: RunningService; client: ContentServiceClient }[] = [];

  before(async () => {
    stack = await startStack({ OUTBOX_RELAY_INTERVAL_MS: '0' });
    api = contentApi(stack.client);
    members = new MemberServiceClient(stack.member.address, credentials.createInsecure());
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  after(async () => {
    for (const { service, client } of extra) {
      client.close();
      await service.stop();
    }
    members.close();
    redis.disconnect();
    await stack.stop();
  });

  /** Another content-svc on the same database, with its own member address and settings. */
  const contentWith = async (memberAddress: string, overrides: Record<string, string>): Promise<ContentApi> => {
    const service = await startService(contentConfig(memberAddress, { OUTBOX_RELAY_INTERVAL_MS: '0', MEMBER_DEADLINE_MS: '500', ...overrides }), silentLog);
    const client = new ContentServiceClient(`127.0.0.1:${service.grpcPort}`, credentials.createInsecure());
    extra.push({ service, client });
    return contentApi(client);
  };
  const bearer = (m: TestMember): Metadata => m.md();
  /** Waits until member-svc has written down its answer for m's token (view SUMMARY, what a post asks). */
  const answerKey = (m: TestMember): string => `member:authenticate:answer:2:${createHash('sha256').update(m.token).digest('base64url')}`;
  const answerWritten = async (m: TestMember): Promise<void> => {
    const key = answerKey(m);
    for (let i = 0; (await redis.exists(key)) === 0; i += 1) {
      assert.ok(i < 100, 'member-svc wrote its answer down within 1 s');
      await sleep(10);
    }
  };

  it('when member-svc answered a token once, then later writes with it need no member-svc, and a token it never answered does', async () => {
    const [answered, fresh] = await Promise.all([createMember(stack.member.address, 'answered'), createMember(stack.member.address, 'fresh')]);
    await api.createPost({ content: 'first' }, answered.md()); // member-svc answers and writes the answer down
    await answerWritten(answered);
    const withoutMember = await contentWith('127.0.0.1:1', {});
    const { post } = await withoutMember.createPost({ content: 'second' }, answered.md());
    assert.equal(post?.authorId, answered.id);
    assert.equal(post?.authorHandle, answered.handle);
    await assert.rejects(withoutMember.createPost({ content: 'x' }, fresh.md()), failsWith(Code.UNAVAILABLE, 'MEMBER_API_CONNECTION_ERROR'));
    // AUTH_ANSWER_WAIT_MS=0 turns the reading off: member-svc is asked, and cannot be reached.
    const neverReads = await contentWith('127.0.0.1:1', { AUTH_ANSWER_WAIT_MS: '0' });
    await assert.rejects(neverReads.createPost({ content: 'x' }, answered.md()), failsWith(Code.UNAVAILABLE, 'MEMBER_API_CONNECTION_ERROR'));
  });

  it('when the written-down value has expired or does not decode, then content-svc asks member-svc instead of writing from it', async () => {
    const m = await createMember(stack.member.address, 'stale');
    const withoutMember = await contentWith('127.0.0.1:1', {});
    const expired = AuthenticateResponse.fromPartial({ member: { id: m.id, name: m.handle }, jti: 'stale-jti', expiresAt: new Date(Date.now() - 1000) });
    // A length-delimited field 1 claiming 255 bytes where there are none: protobuf refuses it.
    for (const value of [Buffer.from(AuthenticateResponse.encode(expired).finish()), Buffer.from([0x0a, 0xff])]) {
      await redis.set(answerKey(m), value, 'PX', 10_000);
      await assert.rejects(withoutMember.createPost({ content: 'x' }, m.md()), failsWith(Code.UNAVAILABLE, 'MEMBER_API_CONNECTION_ERROR'));
    }
    await redis.del(answerKey(m));
  });

  it('when a service that does not read answers authenticates (no x-keep-answer), then member-svc writes nothing down', async () => {
    const m = await createMember(stack.member.address, 'otherservice');
    const answer = await unary(members.authenticate.bind(members), { view: AuthenticateView.AUTHENTICATE_VIEW_SUMMARY }, bearer(m));
    assert.equal(answer.member?.id, m.id);
    await sleep(200);
    assert.equal(await redis.exists(answerKey(m)), 0);
    // content-svc's miss asks with it, and the answer is there for its next write.
    await api.createPost({ content: 'asks to keep' }, m.md());
    await answerWritten(m);
  });

  it('when members log out, log out everywhere or deactivate, then their tokens write nothing within 1 s (measured over 15 revocations)', async (t) => {
    const revocations = {
      logout: (m: TestMember) => unary(members.logout.bind(members), {}, bearer(m)),
      logoutAll: (m: TestMember) => unary(members.logoutAll.bind(members), {}, bearer(m)),
      deactivate: (m: TestMember) => unary(members.deactivate.bind(members), {}, bearer(m)),
    };
    const windows: number[] = [];
    for (const [kind, revoke] of Object.entries(revocations)) {
      for (let i = 0; i < 5; i += 1) {
        const m = await createMember(stack.member.address, `${kind.toLowerCase()}${i}`);
        await api.createPost({ content: 'before' }, m.md());
        await answerWritten(m);
        await api.createPost({ content: 'before, from the written-down answer' }, m.md());
        await revoke(m);
        const revokedAt = Date.now();
        for (;;) {
          const refused = await api.createPost({ content: 'after' }, m.md()).then(() => false, () => true);
          if (refused) break;
          assert.ok(Date.now() - revokedAt < 5000, `${kind}: still writing 5 s after the revocation`);
          await sleep(20);
        }
        windows.push(Date.now() - revokedAt);
        await assert.rejects(api.createPost({ content: 'after' }, m.md()), failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN'));
      }
    }
    const worst = Math.max(...windows);
    t.diagnostic(`ms from the revoking RPC's answer to the first refused write: ${windows.join(', ')}`);
    assert.ok(worst <= 1000, `every revocation in force within 1 s; windows ${windows.join(', ')} ms`);
  });

  it("when a member renames themselves, then the next post carries the new name, not the written-down one", async () => {
    const m = await createMember(stack.member.address, 'renamer');
    await api.createPost({ content: 'old name' }, m.md());
    await answerWritten(m);
    await unary(members.updateMyProfile.bind(members), UpdateMyProfileRequest.fromPartial({ memberName: 'Renamed Person' }), bearer(m));
    const { post } = await api.createPost({ content: 'new name' }, m.md());
    assert.equal(post?.authorName, 'Renamed Person');
  });

  it('when content-svc cannot reach Redis, then every write asks member-svc: a valid token writes and a revoked one is refused', async () => {
    const withoutRedis = await contentWith(stack.member.address, { REDIS_URL: 'redis://127.0.0.1:1' });
    const m = await createMember(stack.member.address, 'noredis');
    await api.createPost({ content: 'answer written down' }, m.md());
    await answerWritten(m);
    const { post } = await withoutRedis.createPost({ content: 'asked member-svc' }, m.md());
    assert.equal(post?.authorId, m.id);
    await unary(members.logout.bind(members), {}, bearer(m));
    await assert.rejects(withoutRedis.createPost({ content: 'after' }, m.md()), failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN'));
  });
});
