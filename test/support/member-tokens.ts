// Test support: forges access tokens for the attack matrix. It reads signing keys straight from
// member.signing_keys (the tests run against unencrypted keys) and talks SQL for time travel
// (backdating keys), so tests can build exactly the token or key state they need.
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { createHmac, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { DATABASE_URL } from './member-harness.ts';

export const DEFAULT_ISSUER = 'https://dailyfeed.click/member';
export const DEFAULT_AUDIENCE = 'dailyfeed';

export interface StoredKey {
  readonly kid: string;
  readonly isPrimary: boolean;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicPem: string;
}

export async function withDb<T>(fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

export async function keysOf(issuer: string): Promise<StoredKey[]> {
  const { rows } = await withDb((db) =>
    db.query<{ kid: string; is_primary: boolean; private_key: string; public_key: string }>(
      'select kid, is_primary, private_key, public_key from member.signing_keys where issuer = $1 and retired_at is null order by created_at desc',
      [issuer],
    ),
  );
  return rows.map((r) => ({
    kid: r.kid,
    isPrimary: r.is_primary,
    privateKey: createPrivateKey(r.private_key),
    publicKey: createPublicKey(r.public_key),
    publicPem: r.public_key,
  }));
}

export async function primaryKeyOf(issuer = DEFAULT_ISSUER): Promise<StoredKey> {
  const primary = (await keysOf(issuer)).find((k) => k.isPrimary);
  if (!primary) throw new Error(`no primary key for ${issuer}`);
  return primary;
}

export interface ForgeOptions {
  readonly memberId: string;
  readonly key: StoredKey;
  readonly claims?: Record<string, unknown>;
  readonly header?: Record<string, unknown>;
}

/** An ES256 token with the service's claim shape; claims/header override the defaults. */
export function forgeToken({ memberId, key, claims = {}, header = {} }: ForgeOptions): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = { sub: memberId, memberId: Number(memberId), jti: `forged-${now}-${Math.random()}`, iat: now, exp: now + 600, iss: DEFAULT_ISSUER, aud: DEFAULT_AUDIENCE, ...claims };
  return jwt.sign(payload, key.privateKey, { algorithm: 'ES256', header: { alg: 'ES256', typ: 'at+jwt', kid: key.kid, ...header } });
}

const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Re-encodes a token's payload with changes, keeping the original signature. */
export function tamperPayload(token: string, changes: Record<string, unknown>): string {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${h}.${b64({ ...payload, ...changes })}.${s}`;
}

/** An unsigned token (`alg: none`) with the given header fields and payload. */
export function unsignedToken(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  return `${b64({ alg: 'none', ...header })}.${b64(payload)}.`;
}

/** The classic key-confusion forgery: HS256 with the public key's PEM as the HMAC secret. */
export function hs256WithPublicKey(key: StoredKey, payload: Record<string, unknown>): string {
  const header = b64({ alg: 'HS256', typ: 'at+jwt', kid: key.kid });
  const body = b64(payload);
  const sig = createHmac('sha256', key.publicPem).update(`${header}.${body}`).digest('base64url');
  return `${header}.${body}.${sig}`;
}

export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
