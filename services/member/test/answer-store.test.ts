// Component test of the written-down Authenticate answers (adapters/answer-store.ts) against a
// real Redis: the key and life readers rely on, deletion by every kind of revocation, and the
// race a revocation can run against an answer being written.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { answerKey, createAnswerStore, type AnswerFacts, type AnswerStore } from '../src/adapters/answer-store.ts';

const quiet = { warn: () => undefined, error: () => undefined };

describe('member-svc written-down Authenticate answers', () => {
  let redis: Redis;
  let store: AnswerStore;

  before(() => {
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    store = createAnswerStore(redis, { ttlMs: 60_000, log: quiet });
  });
  after(() => redis.quit());

  const facts = (over: Partial<AnswerFacts> = {}): AnswerFacts => ({
    memberId: String(Math.floor(Math.random() * 1e12) + 1),
    jti: randomUUID(),
    kid: `kid-${randomUUID()}`,
    expiresAt: new Date(Date.now() + 15 * 60_000),
    ...over,
  });
  const answer = Buffer.from('encoded answer');

  it('when an answer is kept, then it is under the sha256 of the bare token for its view, as sent, and lives at most the configured time', async () => {
    const token = `token-${randomUUID()}`;
    assert.equal(await store.keep(2, token, answer, facts(), Date.now()), true);
    const key = answerKey(2, token);
    assert.match(key, /^member:authenticate:answer:2:[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(await redis.getBuffer(key), answer);
    const ttl = await redis.pttl(key);
    assert.ok(ttl > 55_000 && ttl <= 60_000, `ttl ${ttl}`);
    assert.equal(await redis.exists(answerKey(1, token)), 0, 'another view is another answer');
  });

  it("when the token expires before the configured time, then the answer goes with the token's exp", async () => {
    const token = `token-${randomUUID()}`;
    await store.keep(1, token, answer, facts({ expiresAt: new Date(Date.now() + 5000) }), Date.now());
    const ttl = await redis.pttl(answerKey(1, token));
    assert.ok(ttl > 3000 && ttl <= 5000, `ttl ${ttl}`);
  });

  for (const kind of ['jti', 'member', 'kid'] as const) {
    it(`when a ${kind} is revoked, then every answer of it is deleted, and an answer begun before the revocation is not written after it`, async () => {
      const shared = facts();
      const [a, b, other] = [`a-${randomUUID()}`, `b-${randomUUID()}`, `o-${randomUUID()}`];
      const id = kind === 'jti' ? shared.jti : kind === 'member' ? shared.memberId : shared.kid;
      // Two answers share the revoked id (for jti: two views of one token), one does not.
      await store.keep(1, a, answer, shared, Date.now());
      if (kind === 'jti') await store.keep(2, a, answer, shared, Date.now());
      else await store.keep(1, b, answer, { ...facts(), [kind === 'member' ? 'memberId' : 'kid']: id }, Date.now());
      await store.keep(1, other, answer, facts(), Date.now());
      const startedAt = Date.now();
      await store.forget(kind, [id]);
      assert.equal(await redis.exists(answerKey(1, a)), 0);
      assert.equal(await redis.exists(kind === 'jti' ? answerKey(2, a) : answerKey(1, b)), 0);
      assert.equal(await redis.exists(answerKey(1, other)), 1, 'an answer of other ids stays');
      // Authenticate checked before the revocation and writes after it: refused.
      assert.equal(await store.keep(1, a, answer, shared, startedAt), false);
      assert.equal(await redis.exists(answerKey(1, a)), 0);
    });
  }

  it('when an answer is older than 5 s, or the store is configured off, then nothing is written', async () => {
    const token = `t-${randomUUID()}`;
    assert.equal(await store.keep(1, token, answer, facts(), Date.now() - 6000), false);
    const off = createAnswerStore(redis, { ttlMs: 0, log: quiet });
    assert.equal(await off.keep(1, token, answer, facts(), Date.now()), false);
    assert.equal(await redis.exists(answerKey(1, token)), 0);
  });

  it('when Redis cannot be reached, then keep reports false and forget gives up without throwing', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    dead.on('error', () => undefined);
    const errors: string[] = [];
    const broken = createAnswerStore(dead, { ttlMs: 60_000, log: { warn: () => undefined, error: (_o, msg) => void errors.push(msg) } });
    try {
      assert.equal(await broken.keep(1, 'x', answer, facts(), Date.now()), false);
      await broken.forget('jti', ['some-jti']);
      assert.equal(errors.length, 1);
      assert.match(errors[0] ?? '', /deletion failed/);
    } finally {
      dead.disconnect();
    }
  });
});
