// Builds the use cases and handler dependencies from live connections. app.ts (the service) and
// main.ts (the one-shot jobs) share it, so a job runs exactly the code the RPC runs.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { callPolicy } from './adapters/call-policy.ts';
import { createAccessTokens } from './adapters/access-tokens.ts';
import { createAnswerStore } from './adapters/answer-store.ts';
import { createBlacklist, type Blacklist } from './adapters/blacklist.ts';
import { createFollowsRepo } from './adapters/follows-repo.ts';
import { createImageCleaner, type ImageCleaner } from './adapters/image-client.ts';
import { createKeyStore, type KeyStore } from './adapters/key-store.ts';
import { createMemberCache } from './adapters/member-cache.ts';
import { createMembersRepo } from './adapters/members-repo.ts';
import { createPasswordHasher } from './adapters/password-hasher.ts';
import { createHashingGate } from './adapters/hashing-gate.ts';
import { createIdempotentReplies } from './adapters/idempotent-replies.ts';
import { createAuthThrottle } from './adapters/auth-throttle.ts';
import { createRevocationPublisher, type RevocationPublisher } from './adapters/revocation-publisher.ts';
import type { Postgres } from './adapters/postgres.ts';
import { createSessionsRepo } from './adapters/sessions-repo.ts';
import { createSigningKeyRepo, type SigningKeyRepo } from './adapters/signing-keys.ts';
import { createSql } from './adapters/sql.ts';
import type { Config } from './config.ts';
import type { HandlerDeps } from './handlers/handler-deps.ts';
import { createAccounts } from './handlers/accounts.ts';
import { createAuthenticate } from './handlers/authenticate.ts';
import { createFollows } from './handlers/follows.ts';
import { createMemberReader } from './handlers/member-reader.ts';
import { createProfiles } from './handlers/profiles.ts';
import { createSessions } from './handlers/sessions.ts';

const HOUR_MS = 3_600_000;

export interface Wiring {
  readonly handlers: HandlerDeps;
  readonly keys: KeyStore;
  readonly keyRepo: SigningKeyRepo;
  readonly blacklist: Blacklist;
  readonly images: ImageCleaner;
  readonly revocations: RevocationPublisher;
}

export function createKeyRepo(pg: Postgres, config: Config): SigningKeyRepo {
  return createSigningKeyRepo(createSql(pg), {
    issuer: config.JWT_ISSUER,
    rotationMs: config.KEY_ROTATION_HOURS * HOUR_MS,
    graceMs: config.KEY_GRACE_HOURS * HOUR_MS,
    encryptionSecret: config.KEY_ENCRYPTION_SECRET,
  });
}

export async function wire(pg: Postgres, redis: Redis, config: Config, log: Logger, registry: Registry, clock: () => Date = () => new Date()): Promise<Wiring> {
  const sql = createSql(pg);
  const keyRepo = createKeyRepo(pg, config);
  const publisher = createRevocationPublisher({ redis, channel: config.REVOCATION_CHANNEL, log });
  const answers = createAnswerStore(redis, { ttlMs: config.AUTH_ANSWER_TTL_MS, log });
  // Every revocation deletes the written-down answers it concerns before it is published
  // (answer-store.ts), so that no reader of them finds one once it is in force.
  const revocations: RevocationPublisher = {
    ...publisher,
    async revoke(kind, ids) {
      await answers.forget(kind, ids);
      await publisher.revoke(kind, ids);
    },
  };
  const keys = createKeyStore(keyRepo, clock, (kids) => void revocations.revoke('kid', kids));
  const sessionsRepo = createSessionsRepo();
  const images = createImageCleaner({
    address: config.IMAGE_ADDR,
    timeoutMs: config.IMAGE_TIMEOUT_MS,
    log,
    channelOptions: grpcServiceConfig(config.IMAGE_GRPC_CONFIG_FILE),
    policy: callPolicy(config.IMAGE_RESILIENCE_FILE, 'image', registry),
  });
  const blacklist = createBlacklist({ redis, sql, sessions: sessionsRepo, revocations, clock, log });
  const deps = {
    sql,
    members: createMembersRepo(),
    follows: createFollowsRepo(),
    sessions: sessionsRepo,
    hasher: await createPasswordHasher(
      config.PASSWORD_SCRYPT_LOG_N,
      createHashingGate({
        concurrency: config.PASSWORD_HASH_CONCURRENCY,
        queueLimit: config.PASSWORD_HASH_QUEUE,
        perClient: config.PASSWORD_HASH_PER_CLIENT,
        maxWaitMs: config.PASSWORD_HASH_MAX_WAIT_MS,
        initialCostMs: 400,
      }),
    ),
    throttle: createAuthThrottle({
      redis,
      log,
      limits: {
        windowMs: config.AUTH_THROTTLE_WINDOW_S * 1000,
        loginsPerAddress: config.LOGINS_PER_ADDRESS,
        failedLoginsPerAccount: config.FAILED_LOGINS_PER_ACCOUNT,
        signupsPerAddress: config.SIGNUPS_PER_ADDRESS,
      },
    }),
    tokens: createAccessTokens({ keys, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.ACCESS_TOKEN_TTL_S, clock }),
    blacklist,
    cache: createMemberCache({ redis, ttlSeconds: config.MEMBER_CACHE_TTL_S, localTtlMs: config.MEMBER_CACHE_LOCAL_TTL_MS, revocations, log }),
    revocations,
    keys,
    keyRepo,
    images,
    clock,
    log,
    refreshTtlMs: config.REFRESH_TOKEN_TTL_DAYS * 24 * HOUR_MS,
  };
  const reader = createMemberReader(deps);
  const sessions = createSessions(deps);
  const handlers: HandlerDeps = {
    authenticate: createAuthenticate(deps, reader),
    accounts: createAccounts(deps, reader, sessions),
    sessions,
    profiles: createProfiles(deps),
    follows: createFollows(deps, reader),
    reader,
    keys,
    keyRepo,
    clock,
    replies: createIdempotentReplies({ redis, log }),
    answers,
  };
  return { handlers, keys, keyRepo, blacklist, images, revocations };
}

/** Channel options carrying the mesh-generated grpc-js service config read from `file` ("" = defaults). */
function grpcServiceConfig(file: string): Record<string, string> {
  return file === '' ? {} : { 'grpc.service_config': readFileSync(file, 'utf8') };
}
