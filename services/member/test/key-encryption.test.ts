// Component test: private signing keys at rest. With KEY_ENCRYPTION_SECRET set (the manifests set
// it from a Secret) the stored private key is AES-256-GCM ciphertext, not a PEM, and the service
// still signs and verifies with it.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { AuthenticateView } from '@dailyfeed/gen/member/v1/member';
import { call, newMember, startMemberService, uniqueSuffix, type MemberHarness } from '../../../test/support/member-harness.ts';
import { headerOf, withDb } from '../../../test/support/member-tokens.ts';

const SECRET = 'test-only-key-encryption-secret-0123456789';

async function storedKeysOf(issuer: string): Promise<{ kid: string; private_key: string; public_key: string }[]> {
  const { rows } = await withDb((db) => db.query<{ kid: string; private_key: string; public_key: string }>('select kid, private_key, public_key from member.signing_keys where issuer = $1', [issuer]));
  return rows;
}

describe('member-svc signing keys at rest', () => {
  const started: MemberHarness[] = [];
  after(() => Promise.all(started.map((h) => h.stop())));

  it('when KEY_ENCRYPTION_SECRET is set, then the stored private key is encrypted and tokens are still signed and verified with it', async () => {
    const issuer = `https://key-encryption.example/${uniqueSuffix()}`;
    const h = await startMemberService({ JWT_ISSUER: issuer, KEY_ENCRYPTION_SECRET: SECRET });
    started.push(h);
    const [stored] = await storedKeysOf(issuer);
    assert.ok(stored !== undefined, 'the service bootstrapped a key');
    assert.match(stored.private_key, /^aes256gcm:v1:/);
    assert.doesNotMatch(stored.private_key, /PRIVATE KEY/);
    createPublicKey(stored.public_key); // the public half stays plain PEM
    const m = await newMember(h.client);
    assert.equal(headerOf(m.accessToken).kid, stored.kid);
    const auth = await call(h.client.authenticate.bind(h.client), { view: AuthenticateView.AUTHENTICATE_VIEW_MEMBER }, m.auth);
    assert.equal(auth.response.member?.id, m.id);
  });

  it('when the secret is not set, then the key is stored as plain PEM (what the manifests no longer allow)', async () => {
    const issuer = `https://key-encryption.example/plain-${uniqueSuffix()}`;
    const h = await startMemberService({ JWT_ISSUER: issuer });
    started.push(h);
    const [stored] = await storedKeysOf(issuer);
    assert.match(stored?.private_key ?? '', /^-----BEGIN PRIVATE KEY-----/);
  });
});
