// The in-memory view of the issuer's signing keys: tokens are signed and verified without a
// database round trip. It reloads on a timer, after an in-process rotation, and when a token
// names a kid it does not know (another replica may have rotated) — at most once per
// MISS_RELOAD_MS, so a flood of forged kids cannot turn into a flood of queries.
import { DomainError } from '../domain/errors.ts';
import type { SigningKey, SigningKeyRepo } from './signing-keys.ts';

const MISS_RELOAD_MS = 5000;

export interface KeyStore {
  /** The newest primary key; PRIMARY_KEY_MISSING if there is none. */
  primaryOrThrow(): SigningKey;
  /** The key with this kid, reloading once (rate-limited) when it is not known. */
  find(kid: string): Promise<SigningKey | undefined>;
  /** The key with this kid if it is loaded, without reloading. */
  peek(kid: string): SigningKey | undefined;
  all(): readonly SigningKey[];
  reload(): Promise<void>;
  start(intervalMs: number, onError: (err: unknown) => void): void;
  stop(): void;
}

export function createKeyStore(repo: SigningKeyRepo, clock: () => Date): KeyStore {
  let keys = new Map<string, SigningKey>();
  let primary: SigningKey | undefined;
  let inflight: Promise<void> | undefined;
  let lastMissReload = 0;
  let timer: NodeJS.Timeout | undefined;

  const reload = (): Promise<void> => {
    inflight ??= repo
      .loadUsable()
      .then((loaded) => {
        keys = new Map(loaded.map((k) => [k.kid, k]));
        primary = loaded.filter((k) => k.isPrimary).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  return {
    primaryOrThrow() {
      if (!primary) throw new DomainError('unavailable', 'PRIMARY_KEY_MISSING', 'no primary signing key is available');
      return primary;
    },
    async find(kid) {
      const known = keys.get(kid);
      if (known) return known;
      const now = clock().getTime();
      if (now - lastMissReload >= MISS_RELOAD_MS) {
        lastMissReload = now;
        await reload();
      } else if (inflight) {
        await inflight;
      }
      return keys.get(kid);
    },
    peek: (kid) => keys.get(kid),
    all: () => [...keys.values()],
    reload,
    start(intervalMs, onError) {
      timer = setInterval(() => void reload().catch(onError), intervalMs);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
