// Component tests: signing-key bootstrap, rotation, grace and retirement. Each test uses its own
// issuer, whose keys no other test (or test file running in parallel) sees; time travel is done
// by backdating that issuer's rows.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { AuthenticateView } from '@dailyfeed/gen/member/v1/member';
import { Code } from '../../../test/support/grpc.ts';
import { call, DATABASE_URL, failsWith, newMember, rpc, startMemberService, uniqueSuffix, type MemberHarness } from '../../../test/support/member-harness.ts';
import { headerOf, keysOf, withDb } from '../../../test/support/member-tokens.ts';

const run = promisify(execFile);
const issuerFor = (name: string): string => `https://keys-test.example/${name}/${uniqueSuffix()}`;

async function backdatePrimary(issuer: string, hours: number): Promise<void> {
  await withDb((db) =>
    db.query(`update member.signing_keys set created_at = created_at - make_interval(hours => $2) where issuer = $1 and is_primary`, [issuer, hours]),
  );
}

describe('member-svc signing keys', () => {
  const started: MemberHarness[] = [];
  const start = async (issuer: string): Promise<MemberHarness> => {
    const h = await startMemberService({ JWT_ISSUER: issuer });
    started.push(h);
    return h;
  };
  after(() => Promise.all(started.map((h) => h.stop())));

  it('when a service starts for a new issuer, then it bootstraps exactly one primary key', async () => {
    const issuer = issuerFor('bootstrap');
    const h = await start(issuer);
    const keys = await keysOf(issuer);
    assert.equal(keys.length, 1);
    assert.equal(keys[0]?.isPrimary, true);
    const m = await newMember(h.client);
    assert.equal(headerOf(m.accessToken).kid, keys[0]?.kid);
  });

  it('when the primary is younger than the rotation period, then RotateSigningKeys does nothing', async () => {
    const issuer = issuerFor('noop');
    const h = await start(issuer);
    const res = await rpc(h.client.rotateSigningKeys.bind(h.client), {});
    assert.equal(res.rotated, false);
    assert.equal((await keysOf(issuer)).length, 1);
  });

  it('when the primary is rotated out, then its tokens stay valid with refresh_needed within grace and need relogin after it', async () => {
    const issuer = issuerFor('grace');
    const h = await start(issuer);
    const m = await newMember(h.client);
    const oldKid = headerOf(m.accessToken).kid;
    await backdatePrimary(issuer, 25);
    const rotation = await rpc(h.client.rotateSigningKeys.bind(h.client), {});
    assert.equal(rotation.rotated, true);
    assert.notEqual(rotation.primaryKid, oldKid);

    const within = await call(h.client.authenticate.bind(h.client), { view: AuthenticateView.AUTHENTICATE_VIEW_MEMBER }, m.auth);
    assert.equal(within.response.member?.id, m.id);
    assert.equal(within.response.refreshNeeded, true);
    assert.deepEqual(within.trailers.get('x-token-refresh-needed'), ['true']);
    const fresh = await newMember(h.client);
    assert.equal(headerOf(fresh.accessToken).kid, rotation.primaryKid);

    await withDb((db) => db.query(`update member.signing_keys set retire_at = now() - interval '1 minute' where kid = $1`, [oldKid]));
    const retirement = await rpc(h.client.rotateSigningKeys.bind(h.client), {});
    assert.equal(retirement.rotated, false);
    assert.equal(retirement.retired, 1);
    await assert.rejects(
      call(h.client.authenticate.bind(h.client), { view: AuthenticateView.AUTHENTICATE_VIEW_MEMBER }, m.auth),
      failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN', 'RELOGIN_REQUIRED'),
    );
    const { jwks } = await rpc(h.client.getJwks.bind(h.client), {});
    const kids = (JSON.parse(jwks?.data.toString() ?? '{}') as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    assert.deepEqual(kids, [rotation.primaryKid]);
  });

  it('when a key is past its grace but not yet retired by the job, then its tokens are already refused', async () => {
    const issuer = issuerFor('late-job');
    const h = await start(issuer);
    const m = await newMember(h.client);
    await backdatePrimary(issuer, 25);
    await rpc(h.client.rotateSigningKeys.bind(h.client), {});
    await withDb((db) => db.query(`update member.signing_keys set retire_at = now() - interval '1 minute' where issuer = $1 and not is_primary`, [issuer]));
    // Reload the key store without retiring (a rotation with nothing to rotate would retire it).
    await h.service.stop();
    const h2 = await startMemberService({ JWT_ISSUER: issuer, KEY_CHECK_INTERVAL_MS: '3600000' });
    started.push(h2);
    await withDb((db) => db.query(`update member.signing_keys set retired_at = null where issuer = $1`, [issuer]));
    await rpc(h2.client.getJwks.bind(h2.client), {});
    await assert.rejects(
      call(h2.client.authenticate.bind(h2.client), { view: AuthenticateView.AUTHENTICATE_VIEW_MEMBER }, m.auth),
      failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN', 'RELOGIN_REQUIRED'),
    );
  });

  it('when two instances rotate at the same moment, then exactly one new primary is created', async () => {
    const issuer = issuerFor('race');
    const a = await start(issuer);
    const b = await start(issuer);
    await backdatePrimary(issuer, 25);
    const results = await Promise.all([
      rpc(a.client.rotateSigningKeys.bind(a.client), {}),
      rpc(b.client.rotateSigningKeys.bind(b.client), {}),
      rpc(a.client.rotateSigningKeys.bind(a.client), {}),
      rpc(b.client.rotateSigningKeys.bind(b.client), {}),
    ]);
    assert.equal(results.filter((r) => r.rotated).length, 1);
    assert.equal(new Set(results.map((r) => r.primaryKid)).size, 1);
    const keys = await keysOf(issuer);
    assert.equal(keys.length, 2);
    assert.equal(keys.filter((k) => k.isPrimary).length, 1);
  });

  it('when the rotate-keys job runs for a new issuer, then it creates the first key and exits', async () => {
    const issuer = issuerFor('job');
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    await run(process.execPath, [main, 'rotate-keys'], { env: { ...process.env, DATABASE_URL, JWT_ISSUER: issuer, LOG_LEVEL: 'silent' } });
    assert.equal((await keysOf(issuer)).length, 1);
    await run(process.execPath, [main, 'rotate-keys'], { env: { ...process.env, DATABASE_URL, JWT_ISSUER: issuer, LOG_LEVEL: 'silent' } });
    assert.equal((await keysOf(issuer)).length, 1);
  });
});
