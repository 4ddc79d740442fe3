// Password hashing with scrypt (OWASP Password Storage Cheat Sheet: N=2^17, r=8, p=1). A hash is
// stored as `scrypt$<logN>$<r>$<p>$<salt>$<key>` so a cost change never breaks old hashes.
// verifyUnknown() does the same work against a dummy hash, so a login for an unknown email takes
// as long as one with a wrong password and the timing does not reveal which emails exist.
// Every hash passes the admission gate (hashing-gate.ts) with the caller's deadline; the dummy
// hash made at boot does not.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { HashingGate } from './hashing-gate.ts';

const KEY_LENGTH = 32;

/** The caller's deadline (epoch ms; Infinity: none) and address ("" unknown), for the gate. */
export interface HashAttempt {
  readonly deadline: number;
  readonly address: string;
}

export interface PasswordHasher {
  hash(password: string, attempt: HashAttempt): Promise<string>;
  /** True when password matches the stored hash (constant-time comparison). */
  verify(password: string, stored: string, attempt: HashAttempt): Promise<boolean>;
  /** Burns the same time as verify() for a member that does not exist; always false. */
  verifyUnknown(password: string, attempt: HashAttempt): Promise<false>;
}

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  // maxmem must exceed 128 * N * r bytes or node refuses the parameters.
  const options: ScryptOptions = { N: 2 ** logN, r, p, maxmem: 256 * 2 ** logN * r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function createPasswordHasher(logN: number, gate: HashingGate): Promise<PasswordHasher> {
  const r = 8;
  const p = 1;
  const makeHash = async (password: string): Promise<string> => {
    const salt = randomBytes(16);
    const key = await derive(password, salt, logN, r, p);
    return ['scrypt', logN, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  };
  const check = async (password: string, stored: string): Promise<boolean> => {
    const [scheme, n, rs, ps, salt, key] = stored.split('$');
    if (scheme !== 'scrypt' || !n || !rs || !ps || salt === undefined || key === undefined) return false;
    const expected = Buffer.from(key, 'base64url');
    const actual = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(rs), Number(ps));
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  const dummy = await makeHash(randomBytes(24).toString('base64url'));
  return {
    hash: (password, attempt) => gate.run(() => makeHash(password), attempt.deadline, attempt.address),
    verify: (password, stored, attempt) => gate.run(() => check(password, stored), attempt.deadline, attempt.address),
    async verifyUnknown(password, attempt) {
      await gate.run(() => check(password, dummy), attempt.deadline, attempt.address);
      return false;
    },
  };
}
