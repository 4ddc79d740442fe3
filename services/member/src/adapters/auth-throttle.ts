// Login and signup throttles in Redis, shared by every replica: fixed windows counted with one
// INCR (+ PEXPIRE on the first hit) per key. They run before any password hashing, so a client
// that is over its budget costs one Redis round trip instead of one scrypt.
//  - per address: every login / signup attempt from one client address;
//  - per account: failed logins for one email (a correct password does not count, so a member's
//    own logins never lock them out; an attacker elsewhere can at worst delay that account's
//    logins for one window, never learn anything).
// Redis down: the throttles let the call through (logged); the hashing gate still bounds CPU.
import type { Redis } from 'ioredis';
import { DomainError } from '../domain/errors.ts';

export interface ThrottleLimits {
  readonly windowMs: number;
  readonly loginsPerAddress: number;
  readonly failedLoginsPerAccount: number;
  readonly signupsPerAddress: number;
}

export interface AuthThrottle {
  /** Counts a login attempt; throws TOO_MANY_REQUEST when the address or the account is over. */
  admitLoginOrThrow(email: string, address: string): Promise<void>;
  recordLoginFailure(email: string): Promise<void>;
  admitSignupOrThrow(address: string): Promise<void>;
}

interface ThrottleLog {
  warn(obj: object, msg: string): void;
}

const COUNT = `local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`;

function throttled(what: string, retryMs: number): DomainError {
  return new DomainError('exhausted', 'TOO_MANY_REQUEST', `too many ${what}; retry later`, {
    metadata: { retry_after_seconds: String(Math.max(1, Math.ceil(retryMs / 1000))) },
  });
}

export function createAuthThrottle(deps: { redis: Redis; limits: ThrottleLimits; keyPrefix?: string; log: ThrottleLog }): AuthThrottle {
  const { redis, limits, log } = deps;
  const prefix = deps.keyPrefix ?? 'member:throttle:';
  const window = (): number => Math.floor(Date.now() / limits.windowMs);

  /** Adds one to the key's counter; the count and the window's remaining ms, or undefined when Redis fails. */
  const count = async (key: string): Promise<{ n: number; ttlMs: number } | undefined> => {
    try {
      const [n, ttlMs] = (await redis.eval(COUNT, 1, `${prefix}${key}:${window()}`, String(limits.windowMs))) as [number, number];
      return { n, ttlMs: ttlMs > 0 ? ttlMs : limits.windowMs };
    } catch (err: unknown) {
      log.warn({ err }, 'throttle unavailable; letting the call through');
      return undefined;
    }
  };
  const peek = async (key: string): Promise<{ n: number; ttlMs: number } | undefined> => {
    try {
      const full = `${prefix}${key}:${window()}`;
      const [n, ttlMs] = await Promise.all([redis.get(full), redis.pttl(full)]);
      return { n: Number(n ?? 0), ttlMs: ttlMs > 0 ? ttlMs : limits.windowMs };
    } catch (err: unknown) {
      log.warn({ err }, 'throttle unavailable; letting the call through');
      return undefined;
    }
  };
  const accountKey = (email: string): string => `login-fail:${email.trim().toLowerCase()}`;

  return {
    async admitLoginOrThrow(email, address) {
      const [byAddress, byAccount] = await Promise.all([address === '' ? undefined : count(`login-ip:${address}`), peek(accountKey(email))]);
      if (byAddress && byAddress.n > limits.loginsPerAddress) throw throttled('login attempts from this address', byAddress.ttlMs);
      if (byAccount && byAccount.n >= limits.failedLoginsPerAccount) throw throttled('failed logins for this account', byAccount.ttlMs);
    },
    async recordLoginFailure(email) {
      await count(accountKey(email));
    },
    async admitSignupOrThrow(address) {
      if (address === '') return;
      const byAddress = await count(`signup-ip:${address}`);
      if (byAddress && byAddress.n > limits.signupsPerAddress) throw throttled('signups from this address', byAddress.ttlMs);
    },
  };
}
