// Authenticate answers kept in Redis for the services that authenticate on their write path (SPEC
// "Authentication"): member-svc stays the authority, it only writes down what it answered so that a
// caller can read it back in one Redis GET instead of a gRPC call to member-svc. Until this, each
// post paid a hop to member-svc (bench/mixed, create post, two interleaved pairs before and after:
// 3.17 / 3.26 -> 2.46 / 2.19 ms of CPU per post across every process).
//
// The contract with the readers (content-svc's adapters/member-client.ts reads it):
//   key    member:authenticate:answer:<view>:<sha256 of the bare token, base64url>
//          <view> the AuthenticateView number asked for; the bare token is what follows "Bearer ".
//   value  the AuthenticateResponse as encoded protobuf, exactly what Authenticate returned.
//   life   until the token's exp, at most AUTH_ANSWER_TTL_MS.
//   ask    a caller that reads answers sends metadata `x-keep-answer: 1` on the Authenticate it
//          makes after a miss; only such calls write. The services that call on every request
//          (search, activity) or remember answers themselves (timeline) would otherwise make
//          member-svc encode and write an answer nobody reads on each of their calls.
// Only answers are written, never refusals. Every revocation (revoke(): logout of one token,
// every token of a member, every token of a signing key) deletes the answers it concerns before
// the revocation is published, so a reader's next GET misses and asks member-svc, which refuses.
//
// A revocation racing an answer: Authenticate may have checked the blacklist and the member just
// before a logout committed, and write its answer just after the logout deleted the answers. So a
// revocation also leaves a marker per revoked id for MARKER_MS, and an answer is written (by one
// script, atomically against the deletion) only when none of its ids carries a marker and it is
// younger than MAX_AGE_MS. MARKER_MS covers an answer's age plus member-svc's own in-process
// caches of a member record (MEMBER_CACHE_LOCAL_TTL_MS, 2 s by default), so an answer built from a
// record read before the revocation cannot slip in after it.
//
// A deletion that fails is retried; one that still fails is logged at error level and the answer
// lives at most AUTH_ANSWER_TTL_MS. So does one whose revocation was made durable by a member-svc
// that died before deleting it; member-svc's own Redis copies have the same gap today (the
// blacklist entry until resyncRecent, the member record until its TTL). If Redis is down, readers
// cannot read answers either and ask member-svc, whose blacklist falls back to PostgreSQL
// (blacklist.ts). A paused or dead member-svc revokes nothing, so its answers stay right.
import { createHash } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import type { RevocationKind } from './revocation-publisher.ts';

/** The metadata key of the ask (see above). */
export const KEEP_ANSWER = 'x-keep-answer';
const MAX_AGE_MS = 5000;
const MARKER_MS = 10_000;
const FORGET_ATTEMPTS = 3;

export const answerKey = (view: number, token: string): string => `member:authenticate:answer:${view}:${createHash('sha256').update(token).digest('base64url')}`;
const tagKey = (kind: RevocationKind, id: string): string => `member:authenticate:answers:${kind}:${id}`;
const markerKey = (kind: RevocationKind, id: string): string => `member:authenticate:revoked:${kind}:${id}`;

// KEYS: the answer, its three tag sets (jti, member, kid), their three markers. ARGV: the encoded
// answer, when it expires (ms since the epoch). A tag set lists the answers of one id, lives as
// long as its longest answer, and is what a revocation deletes by.
const KEEP_SCRIPT = `
for i = 5, 7 do
  if redis.call('exists', KEYS[i]) == 1 then return 0 end
end
redis.call('set', KEYS[1], ARGV[1], 'pxat', ARGV[2])
for i = 2, 4 do
  redis.call('sadd', KEYS[i], KEYS[1])
  if redis.call('pttl', KEYS[i]) < 0 then
    redis.call('pexpireat', KEYS[i], ARGV[2])
  else
    redis.call('pexpireat', KEYS[i], ARGV[2], 'GT')
  end
end
return 1`;

// KEYS: pairs of (tag set, marker). ARGV: the marker's life in ms. Marks each id revoked, then
// deletes every answer its set lists, then the set.
const FORGET_SCRIPT = `
for i = 1, #KEYS, 2 do
  redis.call('set', KEYS[i + 1], '1', 'px', ARGV[1])
  local answers = redis.call('smembers', KEYS[i])
  for j = 1, #answers, 500 do
    redis.call('del', unpack(answers, j, math.min(j + 499, #answers)))
  end
  redis.call('del', KEYS[i])
end
return 1`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    memberKeepAnswer(...args: (string | number | Buffer)[]): Result<number, Context>;
    memberForgetAnswers(...args: (string | number)[]): Result<number, Context>;
  }
}

export interface AnswerFacts {
  readonly memberId: string;
  readonly jti: string;
  readonly kid: string;
  readonly expiresAt: Date;
}

export interface AnswerStore {
  /** Writes an answer down unless it is too old, about to expire or one of its ids was just revoked. */
  keep(view: number, token: string, answer: Uint8Array, facts: AnswerFacts, startedAt: number): Promise<boolean>;
  /** Deletes the answers of these ids and keeps new ones out for a while; never throws. */
  forget(kind: RevocationKind, ids: readonly string[]): Promise<void>;
}

export interface AnswerStoreOptions {
  /** Longest life of an answer (config AUTH_ANSWER_TTL_MS); 0 = write none. */
  readonly ttlMs: number;
  readonly now?: () => number;
  readonly log: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export function createAnswerStore(redis: Redis, { ttlMs, now = Date.now, log }: AnswerStoreOptions): AnswerStore {
  redis.defineCommand('memberKeepAnswer', { numberOfKeys: 7, lua: KEEP_SCRIPT });
  redis.defineCommand('memberForgetAnswers', { lua: FORGET_SCRIPT });
  return {
    async keep(view, token, answer, facts, startedAt) {
      const t = now();
      const until = Math.min(facts.expiresAt.getTime(), t + ttlMs);
      if (ttlMs === 0 || t - startedAt > MAX_AGE_MS || until - t < 1000) return false;
      const tags: [RevocationKind, string][] = [['jti', facts.jti], ['member', facts.memberId], ['kid', facts.kid]];
      try {
        const kept = await redis.memberKeepAnswer(
          answerKey(view, token),
          ...tags.map(([kind, id]) => tagKey(kind, id)),
          ...tags.map(([kind, id]) => markerKey(kind, id)),
          Buffer.from(answer),
          until,
        );
        return kept === 1;
      } catch (err: unknown) {
        log.warn({ err }, 'authenticate answers: write failed; callers keep asking member-svc');
        return false;
      }
    },
    async forget(kind, ids) {
      if (ids.length === 0) return;
      const keys = ids.flatMap((id) => [tagKey(kind, id), markerKey(kind, id)]);
      for (let attempt = 1; ; attempt += 1) {
        try {
          await redis.memberForgetAnswers(keys.length, ...keys, MARKER_MS);
          return;
        } catch (err: unknown) {
          if (attempt >= FORGET_ATTEMPTS) {
            log.error({ err, kind, ids }, `authenticate answers: deletion failed; a revoked token's answer may be read for up to ${ttlMs} ms`);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    },
  };
}
