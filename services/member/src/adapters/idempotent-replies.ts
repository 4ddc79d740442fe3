// Idempotency keys for member-svc's retry-prone writes (signup, token refresh, follow, unfollow):
// the ingress retries on 502/503/504 and the edge forwards the client's Idempotency-Key as gRPC
// metadata `idempotency-key`. The first answer for (method, subject, key) is kept in Redis for
// REPLAY_TTL_MS and a retry with the same request gets it back instead of running again — so a
// retried refresh returns the same tokens instead of tripping reuse detection, and a retried
// signup returns the same member instead of MEMBER_ALREADY_EXISTS. The same key with a different
// request is IDEMPOTENCY_KEY_REUSED. `subject` namespaces keys per caller (member id, refresh
// token hash, email), so nobody can read another caller's answer by guessing a key.
// Not transactional with the write (content-svc's outbox table is): should the process die
// between the write and storing its answer, a retry runs again. Failures are not stored, so a
// retry after an error runs again too. Redis unreachable: the call runs without replay.
import { createHash } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import type { Redis } from 'ioredis';
import { DomainError, validationError } from '../domain/errors.ts';

const KEY_MAX = 200;
const REPLAY_TTL_MS = 24 * 3600 * 1000;
/** How long a claim blocks a concurrent duplicate (longer than any call's deadline). */
const CLAIM_TTL_MS = 30_000;
const PENDING = 'pending';

export interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

export interface IdempotentReplies {
  /**
   * Runs `work` once per (method, subject, key); without a key in `metadata` it just runs it.
   * `request` is the encoded request, to tell a retry from a different request.
   */
  run<T>(metadata: Metadata, method: string, subject: string, request: Uint8Array, codec: Codec<T>, work: () => Promise<T>): Promise<T>;
}

interface ReplayLog {
  warn(obj: object, msg: string): void;
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('base64url');

export function keyOf(metadata: Metadata): string | undefined {
  const value = metadata.get('idempotency-key')[0];
  const key = typeof value === 'string' ? value : value?.toString('utf8');
  if (key === undefined || key === '') return undefined;
  if (key.length > KEY_MAX) throw validationError([{ field: 'idempotency-key', rule: 'max_length', message: `must be at most ${KEY_MAX} characters` }]);
  return key;
}

export function createIdempotentReplies(deps: { redis: Redis; log: ReplayLog; keyPrefix?: string }): IdempotentReplies {
  const { redis, log } = deps;
  const prefix = deps.keyPrefix ?? 'member:idempotency:';
  return {
    async run<T>(metadata: Metadata, method: string, subject: string, request: Uint8Array, codec: Codec<T>, work: () => Promise<T>): Promise<T> {
      const key = keyOf(metadata);
      if (key === undefined) return work();
      const redisKey = `${prefix}${method}:${sha256(subject)}:${sha256(key)}`;
      const fingerprint = sha256(request);
      let claimed: string | null;
      try {
        claimed = await redis.set(redisKey, `${PENDING}:${fingerprint}`, 'PX', CLAIM_TTL_MS, 'NX');
      } catch (err: unknown) {
        log.warn({ err, method }, 'idempotency store unavailable; running without replay');
        return work();
      }
      if (claimed === null) return replayOrThrow(redis, redisKey, fingerprint, codec);
      let answer: T;
      try {
        answer = await work();
      } catch (err: unknown) {
        await redis.del(redisKey).catch(() => undefined);
        throw err;
      }
      const stored = `${fingerprint}:${Buffer.from(codec.encode(answer).finish()).toString('base64')}`;
      await redis.set(redisKey, stored, 'PX', REPLAY_TTL_MS).catch((err: unknown) => log.warn({ err, method }, 'could not store an idempotent answer'));
      return answer;
    },
  };
}

async function replayOrThrow<T>(redis: Redis, redisKey: string, fingerprint: string, codec: Codec<T>): Promise<T> {
  // A duplicate may arrive while the first call still runs: wait briefly for its answer.
  for (let waited = 0; waited <= 5000; waited += 100) {
    const value = await redis.get(redisKey);
    if (value === null) break;
    const [first, second] = value.split(':', 2) as [string, string | undefined];
    const storedFingerprint = first === PENDING ? second : first;
    if (storedFingerprint !== fingerprint) {
      throw new DomainError('invalid', 'IDEMPOTENCY_KEY_REUSED', 'this idempotency-key was already used for a different request', { metadata: { field: 'idempotency-key' } });
    }
    if (first !== PENDING) return codec.decode(Buffer.from(value.slice(first.length + 1), 'base64'));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new DomainError('unavailable', 'TOO_MANY_REQUEST', 'the same request is still being processed; retry shortly', { metadata: { retry_after_seconds: '1' } });
}
