// Revocations survive the loss of Redis's data (issue 17), and a member-cache fill that raced an
// invalidation never puts the old record back (issue 14). Real member-svc, PostgreSQL and Redis.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Metadata } from '@grpc/grpc-js';
import { AuthenticateView } from '@dailyfeed/gen/member/v1/member';
import pg from 'pg';
import { createMemberCache } from '../src/adapters/member-cache.ts';
import { createRevocationPublisher } from '../src/adapters/revocation-publisher.ts';
import type { MemberRecord } from '../src/domain/member.ts';
import { DATABASE_URL, failsWith, newMember, rpc, startMemberService, type MemberHarness } from '../../../test/support/member-harness.ts';
import { Code } from '../../../test/support/grpc.ts';
import { TEST_REVOCATION_CHANNEL } from '../../../test/support/spawn-service.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('member-svc: revocations and cached records against lost or racing Redis writes', () => {
  let h: MemberHarness;
  let redis: Redis;
  let db: pg.Pool;

  before(async () => {
    h = await startMemberService({ REDIS_URL });
    redis = new Redis(REDIS_URL);
    db = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });
  });
  after(async () => {
    redis.disconnect();
    await db.end();
    await h.stop();
  });

  const authenticate = (auth: Metadata) => rpc(h.client.authenticate.bind(h.client), { view: AuthenticateView.AUTHENTICATE_VIEW_MEMBER }, auth);

  it('when Redis loses every key after a logout made long ago, then the token is still refused (PostgreSQL answers until the blacklist is reloaded)', async () => {
    const m = await newMember(h.client);
    const { jti } = await authenticate(m.auth);
    await rpc(h.client.logout.bind(h.client), {}, m.auth);
    await assert.rejects(authenticate(m.auth), failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN'));
    // Older than any "recent rows" repair window: only a full reload can bring it back.
    await db.query(`update member.token_blacklist set created_at = now() - interval '50 minutes' where jti = $1`, [jti]);
    await redis.flushall();
    await assert.rejects(authenticate(m.auth), failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN'));
    // The reload put every unexpired revocation back and set the marker: Redis answers again.
    const deadline = Date.now() + 5000;
    while ((await redis.exists('member:authentication:blacklist:loaded')) === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await redis.exists(`member:authentication:blacklist:${jti}`), 1);
    await assert.rejects(authenticate(m.auth), failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN'));
    const other = await newMember(h.client);
    assert.equal((await authenticate(other.auth)).member?.id, other.id);
  });

  it('when a cache fill lands after an invalidation that happened since its lookup, then the old record is not cached', async () => {
    const log = pino({ level: 'silent' });
    const cache = createMemberCache({ redis, ttlSeconds: 60, localTtlMs: 2000, revocations: createRevocationPublisher({ redis, channel: TEST_REVOCATION_CHANNEL, log }), log });
    const id = String(900_000_000 + Math.floor(Math.random() * 1_000_000));
    const record: MemberRecord = {
      id,
      email: `${id}@cache-race.example`,
      isActive: true,
      memberName: 'race',
      handle: `race_${id}`,
      displayName: null,
      bio: null,
      location: null,
      websiteUrl: null,
      birthDate: null,
      gender: 'OTHER',
      languageCode: 'ko',
      countryCode: 'KR',
      verificationStatus: 'NONE',
      privacyLevel: 'PUBLIC',
      profileCompletionScore: 0,
      avatarUrl: 'no-image',
      followersCount: 0,
      followingsCount: 0,
      createdAt: new Date(),
      updatedAt: new Date(),
    };
    // A reader misses, reads the still-active row; meanwhile the member is deactivated.
    const { ticket } = await cache.lookup(id);
    await cache.invalidate([id]);
    await cache.fill(record, ticket);
    assert.equal((await cache.lookup(id)).record, undefined, 'the stale record stayed out of both layers');
    assert.equal(await redis.exists(`member:cache:record:${id}`), 0);
    // Without a racing invalidation the fill lands.
    const fresh = await cache.lookup(id);
    await cache.fill({ ...record, isActive: false }, fresh.ticket);
    assert.equal((await cache.lookup(id)).record?.isActive, false);
  });
});
