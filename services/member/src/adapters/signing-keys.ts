// Signing keys in member.signing_keys: P-256 pairs for ES256, scoped by issuer. Rotation runs
// in one transaction holding a transaction-scoped advisory lock, and re-reads the keys after
// taking it, so replicas rotating at the same moment create exactly one new primary.
// Private keys are AES-256-GCM encrypted at rest when KEY_ENCRYPTION_SECRET is set.
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, generateKeyPairSync, hkdfSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { ACCESS_TOKEN_ALG } from '../domain/access-token.ts';
import { planRotation, type KeyState } from '../domain/key-rotation.ts';
import { asDate, asDateOrNull, type Sql } from './sql.ts';

/** Namespace of our advisory locks (first int of the two-int form); the second is the issuer. */
const LOCK_NAMESPACE = 0x6d656d; // "mem"

export interface SigningKey extends KeyState {
  readonly publicKey: KeyObject;
  readonly privateKey: KeyObject;
}

export interface RotationResult {
  readonly rotated: boolean;
  readonly primaryKid: string;
  readonly retired: number;
}

export interface SigningKeyRepo {
  /** Every key of the issuer that is not retired. */
  loadUsable(): Promise<SigningKey[]>;
  /** Bootstraps, rotates and retires as planRotation says; safe to call from every replica. */
  rotate(now: Date): Promise<RotationResult>;
}

interface KeyRow {
  kid: string;
  is_primary: boolean;
  created_at: Date | string;
  retire_at: Date | string | null;
  public_key: string;
  private_key: string;
}

export interface SigningKeyOptions {
  readonly issuer: string;
  readonly rotationMs: number;
  readonly graceMs: number;
  readonly encryptionSecret?: string | undefined;
}

export function createSigningKeyRepo(sql: Sql, options: SigningKeyOptions): SigningKeyRepo {
  const sealer = createSealer(options.encryptionSecret);
  const toKey = (row: KeyRow): SigningKey => ({
    kid: row.kid,
    isPrimary: row.is_primary,
    createdAt: asDate(row.created_at),
    retireAt: asDateOrNull(row.retire_at),
    publicKey: createPublicKey(row.public_key),
    privateKey: createPrivateKey(sealer.open(row.private_key)),
  });
  return {
    async loadUsable() {
      const rows = await sql.query<KeyRow>(
        `select kid, is_primary, created_at, retire_at, public_key, private_key
           from member.signing_keys where issuer = ? and retired_at is null`,
        [options.issuer],
      );
      return rows.map(toKey);
    },
    rotate(now) {
      return sql.tx(async (tx) => {
        await tx.query('select pg_advisory_xact_lock(?, hashtext(?))', [LOCK_NAMESPACE, options.issuer]);
        const keys = await tx.query<KeyRow>(
          `select kid, is_primary, created_at, retire_at, '' as public_key, '' as private_key
             from member.signing_keys where issuer = ? and retired_at is null`,
          [options.issuer],
        );
        const states: KeyState[] = keys.map((k) => ({ kid: k.kid, isPrimary: k.is_primary, createdAt: asDate(k.created_at), retireAt: asDateOrNull(k.retire_at) }));
        const plan = planRotation(states, now, options.rotationMs, options.graceMs);
        for (const d of plan.demote) {
          await tx.run('update member.signing_keys set is_primary = false, demoted_at = ?, retire_at = ? where kid = ?', [now, d.retireAt, d.kid]);
        }
        for (const kid of plan.retire) {
          await tx.run('update member.signing_keys set retired_at = ? where kid = ?', [now, kid]);
        }
        let primaryKid = states.find((k) => k.isPrimary && !plan.demote.some((d) => d.kid === k.kid))?.kid;
        if (plan.createPrimary) {
          const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
          primaryKid = randomUUID();
          await tx.run(
            `insert into member.signing_keys (kid, issuer, algorithm, public_key, private_key, is_primary, created_at)
             values (?, ?, ?, ?, ?, true, ?)`,
            [
              primaryKid,
              options.issuer,
              ACCESS_TOKEN_ALG,
              publicKey.export({ type: 'spki', format: 'pem' }).toString(),
              sealer.seal(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
              now,
            ],
          );
        }
        return { rotated: plan.createPrimary, primaryKid: primaryKid ?? '', retired: plan.retire.length };
      });
    },
  };
}

interface Sealer {
  seal(pem: string): string;
  open(stored: string): string;
}

const SEALED_PREFIX = 'aes256gcm:v1:';

function createSealer(secret: string | undefined): Sealer {
  const key = secret === undefined ? undefined : Buffer.from(hkdfSync('sha256', secret, 'dailyfeed.member', 'signing-key-encryption', 32));
  return {
    seal(pem) {
      if (key === undefined) return pem;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(pem, 'utf8'), cipher.final()]);
      return SEALED_PREFIX + [iv, cipher.getAuthTag(), body].map((b) => b.toString('base64url')).join('.');
    },
    open(stored) {
      if (!stored.startsWith(SEALED_PREFIX)) return stored;
      if (key === undefined) throw new Error('a signing key is encrypted but KEY_ENCRYPTION_SECRET is not set');
      const [iv, tag, body] = stored.slice(SEALED_PREFIX.length).split('.').map((p) => Buffer.from(p, 'base64url'));
      if (!iv || !tag || !body) throw new Error('malformed encrypted signing key');
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    },
  };
}
