// Rate limits through real HTTP and real Redis: a per-IP bucket for everyone and a per-member
// bucket for requests with a bearer token; exceeding either is 429 + Retry-After with the
// original error body.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { recordingInvoker, startGateway, type RunningGateway } from './support/harness.ts';

describe('rate limits', () => {
  let perIp: RunningGateway;
  let perMember: RunningGateway;
  before(async () => {
    perIp = await startGateway({ invoker: recordingInvoker(), rateLimit: { perIp: 3, perMember: 100 } });
    perMember = await startGateway({ invoker: recordingInvoker(), rateLimit: { perIp: 100, perMember: 2 } });
  });
  after(async () => {
    await perIp.close();
    await perMember.close();
  });

  it('when a client IP exceeds its budget, then 429 with Retry-After and the error body', async () => {
    for (let i = 0; i < 3; i += 1) assert.equal((await fetch(`${perIp.base}/api/timeline/posts`)).status, 200);
    const res = await fetch(`${perIp.base}/api/timeline/posts`);
    assert.equal(res.status, 429);
    const retryAfter = Number(res.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    const body = (await res.json()) as Record<string, unknown>;
    assert.deepEqual([body['statusCode'], body['resultCode'], body['path']], [429, 'FAIL', '/api/timeline/posts']);
    assert.match(String(body['message']), /retry/i);
  });

  it('when the IP budget is spent, then edge endpoints such as /healthz and /metrics still answer', async () => {
    assert.equal((await fetch(`${perIp.base}/healthz`)).status, 200);
    assert.equal((await fetch(`${perIp.base}/metrics`)).status, 200);
  });

  it('when one member session exceeds its budget, then it gets 429 while other sessions and anonymous calls go on', async () => {
    const alice = { authorization: 'Bearer alice.token.sig' };
    assert.equal((await fetch(`${perMember.base}/api/timeline/posts`, { headers: alice })).status, 200);
    assert.equal((await fetch(`${perMember.base}/api/timeline/posts`, { headers: alice })).status, 200);
    const limited = await fetch(`${perMember.base}/api/timeline/posts`, { headers: alice });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal((await fetch(`${perMember.base}/api/timeline/posts`, { headers: { authorization: 'Bearer bob.token.sig' } })).status, 200);
    assert.equal((await fetch(`${perMember.base}/api/timeline/posts`)).status, 200);
    assert.equal((await fetch(`${perMember.base}/api/timeline/posts`, { headers: { authorization: 'Bearer null' } })).status, 200);
  });
});
