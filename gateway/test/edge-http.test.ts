// HTTP behaviour the unchanged frontend relies on (frontend-contract.md §1, §4, §7), checked
// through real HTTP against a recorded fake backend: headers, cookie, CORS, request ids,
// idempotency keys, deadlines, body and query quirks, images, metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RouteSpec } from '../src/domain/route-table.ts';
import type { RpcOutcome } from '../src/domain/rpc-invoker.ts';
import { recordingInvoker, startGateway, type RecordingInvoker, type RunningGateway } from './support/harness.ts';

describe('edge HTTP behaviour', () => {
  let gateway: RunningGateway;
  let invoker: RecordingInvoker;
  const route = (rpc: string): RouteSpec => {
    const found = gateway.routes.find((r) => r.rpc === rpc);
    assert.ok(found, rpc);
    return found;
  };
  const answer = (rpc: string, object: Record<string, unknown>, headers: Record<string, string> = {}): void => {
    const type = route(rpc).responseType;
    invoker.answers.set(route(rpc).grpcPath, (): RpcOutcome => ({ ok: true, response: type.encode(type.fromObject(object)).finish(), headers }));
  };
  const lastRequest = (): Record<string, unknown> => {
    const call = invoker.calls.at(-1);
    assert.ok(call);
    const type = gateway.routes.find((r) => r.grpcPath === call.grpcPath)?.requestType;
    assert.ok(type);
    return type.toObject(type.decode(call.request), { longs: String, enums: String });
  };
  before(async () => {
    invoker = recordingInvoker();
    gateway = await startGateway({ invoker, edge: { uploadBodyLimit: 64 * 1024 } });
  });
  after(() => gateway.close());

  it('when login succeeds, then the token is in Authorization, the refresh cookie is set, and the body has the member', async () => {
    answer('Login', { member: { member_id: '8', handle: 'bob', display_name: 'Bob' }, tokens: { access_token: 'a.b.c', refresh_token: 'r-1', refresh_token_expires_at: { seconds: Math.floor(Date.now() / 1000) + 30 * 86400 } } });
    const res = await fetch(`${gateway.base}/api/authentication/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'test-agent' }, body: JSON.stringify({ email: 'b@x.io', password: 'pw' }) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('authorization'), 'Bearer a.b.c');
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^refresh_token=r-1;/);
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Strict/);
    assert.match(cookie, /Path=\//);
    assert.match(cookie, /Max-Age=259\d{4}/);
    assert.doesNotMatch(cookie, /Domain=/);
    const body = (await res.json()) as { status: number; result: string; data: Record<string, unknown> };
    assert.deepEqual([body.status, body.result, body.data['memberId'], body.data['handle']], [200, 'SUCCESS', 8, 'bob']);
    assert.ok(!JSON.stringify(body).includes('r-1') && !JSON.stringify(body).includes('a.b.c'), 'tokens never in the body');
    assert.deepEqual(lastRequest()['client'], { device_info: 'test-agent', ip_address: '127.0.0.1' });
  });

  it('when logout succeeds, then the cookie is cleared and Authorization is empty; the cookie token is sent to the service', async () => {
    answer('Logout', { value: true });
    const res = await fetch(`${gateway.base}/api/authentication/logout`, { method: 'POST', headers: { authorization: 'Bearer a.b.c', cookie: 'refresh_token=r-1' } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 200, result: 'SUCCESS', data: true });
    assert.match(res.headers.get('set-cookie') ?? '', /^refresh_token=; Max-Age=0;.*HttpOnly/);
    assert.equal(res.headers.get('authorization'), '');
    assert.equal(lastRequest()['refresh_token'], 'r-1');
    assert.equal(invoker.calls.at(-1)?.metadata['authorization'], 'Bearer a.b.c');
  });

  it('when the cookie Secure flag is configured, then the cookie carries it', async () => {
    const secure = await startGateway({ invoker, edge: { cookieSecure: true } });
    try {
      answer('RefreshSession', { value: true, tokens: { access_token: 'n.e.w', refresh_token: 'r-2' } });
      const res = await fetch(`${secure.base}/api/token/refresh`, { method: 'POST', headers: { cookie: 'refresh_token=r-1' } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('set-cookie') ?? '', /refresh_token=r-2;.*Max-Age=2592000;.*Secure/);
      assert.equal(res.headers.get('authorization'), 'Bearer n.e.w');
    } finally {
      await secure.close();
    }
  });

  it('when a request carries x-request-id, then it is echoed and propagated; otherwise one is generated', async () => {
    let res = await fetch(`${gateway.base}/api/timeline/posts/1`, { headers: { 'x-request-id': 'req-123' } });
    assert.equal(res.headers.get('x-request-id'), 'req-123');
    assert.equal(invoker.calls.at(-1)?.metadata['x-request-id'], 'req-123');
    res = await fetch(`${gateway.base}/api/timeline/posts/1`);
    const generated = res.headers.get('x-request-id') ?? '';
    assert.match(generated, /^[0-9a-f-]{36}$/);
    assert.equal(invoker.calls.at(-1)?.metadata['x-request-id'], generated);
  });

  it('when a write is sent, then idempotency-key metadata is the header or a generated one; reads carry none', async () => {
    await fetch(`${gateway.base}/api/posts`, { method: 'POST', headers: { 'idempotency-key': 'key-1' }, body: '{"content":"x"}' });
    assert.equal(invoker.calls.at(-1)?.metadata['idempotency-key'], 'key-1');
    await fetch(`${gateway.base}/api/posts/3/like`, { method: 'POST' });
    assert.match(invoker.calls.at(-1)?.metadata['idempotency-key'] ?? '', /^[0-9a-f-]{36}$/);
    await fetch(`${gateway.base}/api/timeline/posts`);
    assert.equal(invoker.calls.at(-1)?.metadata['idempotency-key'], undefined);
  });

  it('when Authorization is "Bearer null", then it is forwarded as-is', async () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' }), 'a.png');
    answer('UploadProfileImage', { image_id: 'img-1' });
    const res = await fetch(`${gateway.base}/api/images/upload/profile`, { method: 'POST', headers: { authorization: 'Bearer null' }, body: form });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { status: 201, result: 'SUCCESS', data: 'img-1' });
    assert.equal(invoker.calls.at(-1)?.metadata['authorization'], 'Bearer null');
    const request = lastRequest();
    assert.deepEqual([...(request['image'] as Uint8Array)], [137, 80, 78, 71]);
    assert.deepEqual([request['filename'], request['content_type']], ['a.png', 'image/png']);
  });

  it('when an anonymous upload is answered with a claim, then it is the X-Image-Claim header and data stays the bare id', async () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array([137, 80, 78, 71])], { type: 'image/png' }), 'a.png');
    const claim = 'c'.repeat(43);
    answer('UploadProfileImage', { image_id: 'img-2', claim }, { 'x-image-claim': claim });
    const res = await fetch(`${gateway.base}/api/images/upload/profile`, { method: 'POST', headers: { authorization: 'Bearer null' }, body: form });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('x-image-claim'), claim);
    assert.deepEqual(await res.json(), { status: 201, result: 'SUCCESS', data: 'img-2' });
  });

  it('when an image is just under the upload limit, then it is accepted', async () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(64 * 1024 - 1)], { type: 'image/png' }), 'a.png');
    const res = await fetch(`${gateway.base}/api/images/upload`, { method: 'POST', body: form });
    assert.equal(res.status, 201);
  });

  it('when an image is viewed, then raw bytes come with their content type and immutable caching', async () => {
    answer('ViewImage', { image: { content_type: 'image/png', data: Buffer.from([137, 80, 78, 71]) } });
    const res = await fetch(`${gateway.base}/api/images/view/img-1?thumbnail=true`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.deepEqual([...new Uint8Array(await res.arrayBuffer())], [137, 80, 78, 71]);
    assert.deepEqual([lastRequest()['image_id'], lastRequest()['thumbnail']], ['img-1', true]);
  });

  it('when calls go to each backend, then the deadline matches the mesh timeout', async () => {
    const cases: [string, string, number][] = [['/api/members/profile', 'member', 10_000], ['/api/timeline/posts', 'timeline', 10_000], ['/api/search/posts?keyword=a', 'search', 15_000], ['/api/images/view/x', 'image', 30_000], ['/api/activity/me', 'activity', 10_000]];
    for (const [url, backend, deadline] of cases) {
      await (await fetch(`${gateway.base}${url}`)).arrayBuffer();
      assert.deepEqual([invoker.calls.at(-1)?.backend, invoker.calls.at(-1)?.deadlineMs], [backend, deadline], url);
    }
  });

  it('when a JSON body comes as text/plain or empty with application/json, then it is accepted', async () => {
    let res = await fetch(`${gateway.base}/api/members/profile/handle`, { method: 'PUT', headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: '{"newHandle":"new_one"}' });
    assert.equal(res.status, 200);
    assert.equal(lastRequest()['new_handle'], 'new_one');
    res = await fetch(`${gateway.base}/api/members/follow/5`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '0' } });
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { status: 201, result: 'SUCCESS', data: false });
    res = await fetch(`${gateway.base}/api/timeline/posts/1`, { method: 'GET', headers: { 'content-type': 'application/json' } });
    assert.equal(res.status, 200);
  });

  it('when the query has + and a trailing slash, then + is a space and the route still matches', async () => {
    const res = await fetch(`${gateway.base}/api/search/posts/?keyword=hello+world+%ED%95%9C&page=0&size=20`);
    assert.equal(res.status, 200);
    assert.deepEqual(lastRequest(), { keyword: 'hello world 한', size: 20 });
    const body = (await res.json()) as { data: Record<string, unknown> };
    assert.deepEqual(Object.keys(body.data).sort(), ['content', 'first', 'hasNext', 'hasPrevious', 'last', 'page', 'size', 'totalElements', 'totalPages']);
  });

  it('when a browser from a configured origin asks, then CORS allows it with credentials and exposes the auth headers', async () => {
    const preflight = await fetch(`${gateway.base}/api/posts`, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    assert.equal(preflight.status, 200, 'never 204');
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:3000');
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    const res = await fetch(`${gateway.base}/api/timeline/posts`, { headers: { origin: 'http://localhost:3000' } });
    const exposed = (res.headers.get('access-control-expose-headers') ?? '').toLowerCase();
    for (const h of ['authorization', 'x-token-refresh-needed', 'x-relogin-required']) assert.ok(exposed.includes(h), h);
    const other = await fetch(`${gateway.base}/api/timeline/posts`, { headers: { origin: 'http://evil.example' } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });

  it('when requests were served, then /metrics has the duration histogram by route, method and status', async () => {
    const text = await (await fetch(`${gateway.base}/metrics`)).text();
    assert.match(text, /http_server_request_duration_seconds_count\{service="gateway",route="\/api\/timeline\/posts\/:post_id",method="GET",status="200"\}/);
  });
});
