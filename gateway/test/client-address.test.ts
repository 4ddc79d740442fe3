// Rate-limit buckets in a real deployment: behind the ingress (and a frontend proxy) every
// request arrives from the same hop, so the edge must take the client address from the hops it
// trusts (TRUST_PROXY) and nothing else, and requests with a session count against the session.
// Real HTTP, real Redis.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordingInvoker, startGateway, type RunningGateway } from './support/harness.ts';

const PATH = '/api/timeline/posts';

async function statusFor(gateway: RunningGateway, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`${gateway.base}${PATH}`, { headers });
  await res.arrayBuffer();
  return res.status;
}

describe('client addresses and rate-limit buckets', () => {
  let trustingOneHop: RunningGateway;
  let trustingNone: RunningGateway;
  before(async () => {
    // The test client connects from 127.0.0.1, standing in for the ingress hop.
    trustingOneHop = await startGateway({ invoker: recordingInvoker(), rateLimit: { perIp: 2, perMember: 3 }, edge: { trustProxy: 1 } });
    trustingNone = await startGateway({ invoker: recordingInvoker(), rateLimit: { perIp: 2, perMember: 3 }, edge: { trustProxy: false } });
  });
  after(async () => {
    await trustingOneHop.close();
    await trustingNone.close();
  });

  it('when two clients come through the trusted proxy, then each has its own bucket', async () => {
    const a = { 'x-forwarded-for': '203.0.113.10' };
    const b = { 'x-forwarded-for': '203.0.113.20' };
    assert.deepEqual([await statusFor(trustingOneHop, a), await statusFor(trustingOneHop, a), await statusFor(trustingOneHop, a)], [200, 200, 429]);
    assert.equal(await statusFor(trustingOneHop, b), 200, 'the other client is not limited by the first');
  });

  it('when a client writes its own X-Forwarded-For entries before the trusted hop, then they are ignored', async () => {
    // The proxy appends the address it saw (203.0.113.30); what the client wrote stays on the left.
    const spoofs = ['198.51.100.1', '198.51.100.2', '198.51.100.3'].map((forged) => ({ 'x-forwarded-for': `${forged}, 203.0.113.30` }));
    assert.deepEqual([await statusFor(trustingOneHop, spoofs[0] ?? {}), await statusFor(trustingOneHop, spoofs[1] ?? {}), await statusFor(trustingOneHop, spoofs[2] ?? {})], [200, 200, 429]);
  });

  it('when the proxy is not trusted, then X-Forwarded-For is ignored and the socket address is the bucket', async () => {
    const statuses = [];
    for (const forged of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) statuses.push(await statusFor(trustingNone, { 'x-forwarded-for': forged }));
    assert.deepEqual(statuses, [200, 200, 429]);
  });

  it('when a request carries a bearer token, then it counts against its session, not its address', async () => {
    const address = { 'x-forwarded-for': '203.0.113.40' };
    assert.deepEqual([await statusFor(trustingOneHop, address), await statusFor(trustingOneHop, address), await statusFor(trustingOneHop, address)], [200, 200, 429]);
    const session = { ...address, authorization: 'Bearer carol.session.sig' };
    assert.deepEqual([await statusFor(trustingOneHop, session), await statusFor(trustingOneHop, session), await statusFor(trustingOneHop, session)], [200, 200, 200], 'the session has its own budget of 3');
    assert.equal(await statusFor(trustingOneHop, session), 429);
  });
});
