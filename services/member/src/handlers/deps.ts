// What the use cases need, built once in app.ts. Use cases orchestrate: they call the pure rules
// in domain/ and the ports in adapters/, and know nothing about gRPC.
import type { AccessTokens } from '../adapters/access-tokens.ts';
import type { Blacklist } from '../adapters/blacklist.ts';
import type { FollowsRepo } from '../adapters/follows-repo.ts';
import type { ImageCleaner } from '../adapters/image-client.ts';
import type { KeyStore } from '../adapters/key-store.ts';
import type { MemberCache } from '../adapters/member-cache.ts';
import type { MembersRepo } from '../adapters/members-repo.ts';
import type { PasswordHasher } from '../adapters/password-hasher.ts';
import type { AuthThrottle } from '../adapters/auth-throttle.ts';
import type { RevocationPublisher } from '../adapters/revocation-publisher.ts';
import type { SessionsRepo } from '../adapters/sessions-repo.ts';
import type { SigningKeyRepo } from '../adapters/signing-keys.ts';
import type { Sql } from '../adapters/sql.ts';

export interface UseCaseLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface UseCaseDeps {
  readonly sql: Sql;
  readonly members: MembersRepo;
  readonly follows: FollowsRepo;
  readonly sessions: SessionsRepo;
  readonly hasher: PasswordHasher;
  readonly throttle: AuthThrottle;
  readonly tokens: AccessTokens;
  readonly blacklist: Blacklist;
  readonly cache: MemberCache;
  /** Pushes revocations to the services that remember Authenticate answers. */
  readonly revocations: RevocationPublisher;
  readonly keys: KeyStore;
  readonly keyRepo: SigningKeyRepo;
  readonly images: ImageCleaner;
  readonly clock: () => Date;
  readonly log: UseCaseLog;
  readonly refreshTtlMs: number;
}
