// The in-memory view of the issuer's signing keys: tokens are signed and verified without a
// database round trip. It reloads on a timer, after an in-process rotation, and when a token
// names a kid it does not know (another replica may have rotated) — at most once per
// MISS_RELOAD_MS, so a flood of forged kids cannot turn into a flood of queries.
//
// `onKeysChanged` hears of every key whose tokens are now answered differently: a primary that
// was demoted (its tokens now carry the refresh hint) or a key that is gone (retired), found by
// comparing reloads, and a demoted key at its retireAt (checked by a timer, as keyUsability
// refuses it from that moment on). Remembering services drop the tokens of those keys.
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

/** Longest setTimeout delay; a retirement further away is scheduled by a later reload. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createKeyStore(repo: SigningKeyRepo, clock: () => Date, onKeysChanged: (kids: string[]) => void = () => undefined): KeyStore {
  let keys = new Map<string, SigningKey>();
  const retirements = new Map<string, NodeJS.Timeout>();
  const scheduleRetirement = (key: SigningKey): void => {
    if (key.isPrimary || key.retireAt === null || retirements.has(key.kid)) return;
    const delay = key.retireAt.getTime() - clock().getTime();
    if (delay > MAX_TIMER_MS) return;
    const timer = setTimeout(() => onKeysChanged([key.kid]), Math.max(0, delay));
    timer.unref();
    retirements.set(key.kid, timer);
  };
  const changedKids = (before: Map<string, SigningKey>, after: Map<string, SigningKey>): string[] =>
    [...before.values()].filter((old) => {
      const now = after.get(old.kid);
      return now === undefined || (old.isPrimary && !now.isPrimary);
    }).map((k) => k.kid);
  let primary: SigningKey | undefined;
  let inflight: Promise<void> | undefined;
  let lastMissReload = 0;
  let timer: NodeJS.Timeout | undefined;

  const reload = (): Promise<void> => {
    inflight ??= repo
      .loadUsable()
      .then((loaded) => {
        const before = keys;
        keys = new Map(loaded.map((k) => [k.kid, k]));
        for (const key of loaded) scheduleRetirement(key);
        const changed = changedKids(before, keys);
        if (changed.length > 0) onKeysChanged(changed);
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
      for (const pending of retirements.values()) clearTimeout(pending);
      retirements.clear();
    },
  };
}
