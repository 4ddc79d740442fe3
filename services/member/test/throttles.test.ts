// Login and signup throttles (Redis, per client address and per account) and the hashing gate,
// against the real member-svc: a client over its budget gets RESOURCE_EXHAUSTED /
// TOO_MANY_REQUEST with a retry-after trailer (the edge's 429 + Retry-After), others are served.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { Code } from '../../../test/support/grpc.ts';
import { call, failsWith, rpc, signupRequest, startMemberService, TEST_PASSWORD, type MemberHarness } from '../../../test/support/member-harness.ts';

const uniqueAddress = (): string => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

function retryAfterOf(err: unknown): number {
  const value = (err as ServiceError).metadata.get('retry-after')[0];
  return Number(value);
}

describe('member-svc login and signup throttles', () => {
  let h: MemberHarness;
  before(async () => {
    h = await startMemberService({ LOGINS_PER_ADDRESS: '3', FAILED_LOGINS_PER_ACCOUNT: '2', SIGNUPS_PER_ADDRESS: '2', AUTH_THROTTLE_WINDOW_S: '60' });
  });
  after(() => h.stop());
  const login = (email: string, password: string, ipAddress: string) => rpc(h.client.login.bind(h.client), { email, password, client: { deviceInfo: 'test', ipAddress } });
  const signupFrom = (address: string) => {
    const md = new Metadata();
    md.set('x-client-address', address);
    return call(h.client.signup.bind(h.client), signupRequest(), md);
  };

  it('when one address sends more logins than its budget, then the extra ones are refused with TOO_MANY_REQUEST and a retry delay, and another address is still served', async () => {
    const req = signupRequest();
    await rpc(h.client.signup.bind(h.client), req);
    const flood = uniqueAddress();
    for (let i = 0; i < 3; i++) await login(req.email, TEST_PASSWORD, flood);
    await assert.rejects(login(req.email, TEST_PASSWORD, flood), (err: unknown) => {
      failsWith(Code.RESOURCE_EXHAUSTED, 'TOO_MANY_REQUEST')(err);
      const retry = retryAfterOf(err);
      assert.ok(retry >= 1 && retry <= 60, `retry-after ${retry}`);
      return true;
    });
    const ok = await login(req.email, TEST_PASSWORD, uniqueAddress());
    assert.ok(ok.tokens?.accessToken);
  });

  it('when an account collects its budget of failed logins, then even the right password waits for the window, and other accounts are unaffected', async () => {
    const victim = signupRequest();
    const other = signupRequest();
    await rpc(h.client.signup.bind(h.client), victim);
    await rpc(h.client.signup.bind(h.client), other);
    for (let i = 0; i < 2; i++) await assert.rejects(login(victim.email, 'Wrong0pass!', uniqueAddress()), failsWith(Code.UNAUTHENTICATED, 'MEMBER_PASSWORD_INVALID'));
    await assert.rejects(login(victim.email, TEST_PASSWORD, uniqueAddress()), failsWith(Code.RESOURCE_EXHAUSTED, 'TOO_MANY_REQUEST'));
    assert.ok((await login(other.email, TEST_PASSWORD, uniqueAddress())).tokens?.accessToken);
  });

  it('when one address signs up more than its budget, then the extra signups are refused before anything is stored, and another address may sign up', async () => {
    const address = uniqueAddress();
    await signupFrom(address);
    await signupFrom(address);
    const refused = signupRequest();
    const md = new Metadata();
    md.set('x-client-address', address);
    await assert.rejects(call(h.client.signup.bind(h.client), refused, md), failsWith(Code.RESOURCE_EXHAUSTED, 'TOO_MANY_REQUEST'));
    await assert.rejects(login(refused.email, TEST_PASSWORD, uniqueAddress()), failsWith(Code.UNAUTHENTICATED, 'MEMBER_PASSWORD_INVALID'));
    await signupFrom(uniqueAddress());
  });
});

describe('member-svc password hashing admission', () => {
  let h: MemberHarness;
  before(async () => {
    h = await startMemberService({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '0' });
  });
  after(() => h.stop());

  it('when more logins arrive than hashing slots and queue places, then the extra ones fail at once with TOO_MANY_REQUEST and a retry delay', async () => {
    const req = signupRequest();
    await rpc(h.client.signup.bind(h.client), req);
    const attempts = await Promise.allSettled(
      Array.from({ length: 6 }, () => rpc(h.client.login.bind(h.client), { email: req.email, password: TEST_PASSWORD, client: undefined })),
    );
    const refused = attempts.filter((a) => a.status === 'rejected');
    assert.ok(attempts.some((a) => a.status === 'fulfilled'), 'the first login is served');
    assert.ok(refused.length > 0, 'some logins are refused');
    for (const r of refused) {
      failsWith(Code.RESOURCE_EXHAUSTED, 'TOO_MANY_REQUEST')(r.reason);
      assert.ok(retryAfterOf(r.reason) >= 1);
    }
  });
});
