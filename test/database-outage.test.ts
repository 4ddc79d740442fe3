// PostgreSQL unreachable: every service that owns a database (member, content, search, activity,
// image) answers UNAVAILABLE with reason DATABASE_UNAVAILABLE — never INTERNAL — and the edge
// turns that into 503 with Retry-After. Each service runs as its own process with its
// DATABASE_URL pointing at a TCP proxy to PostgreSQL; the test cuts the proxy (open connections
// dropped, new ones refused) and restores it, so the shared server keeps serving everyone else.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { client, dataOf, signupBody, tokenOf, uniqueHandle, type CallResult } from '../gateway/test/support/http-client.ts';
import { startGateway, type RunningGateway } from '../gateway/test/support/harness.ts';
import { spawnService, TEST_DATABASE_URL, type ServiceName, type SpawnedService } from './support/spawn-service.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

function viaProxy(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.port = String(port);
  return parsed.toString();
}

function assertUnavailable(result: CallResult, what: string): void {
  assert.equal(result.status, 503, `${what}: ${JSON.stringify(result.json)}`);
  assert.equal(result.json['reason'], 'DATABASE_UNAVAILABLE', what);
  assert.equal(result.json['resultCode'], 'FAIL', what);
  assert.equal(result.headers.get('retry-after'), '1', what);
}

describe('PostgreSQL unreachable', () => {
  const services: SpawnedService[] = [];
  let proxy: TcpProxy;
  let gateway: RunningGateway;
  let call: ReturnType<typeof client>;
  let token = '';
  let email = '';

  before(async () => {
    proxy = await startTcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
    const proxied = { DATABASE_URL: viaProxy(TEST_DATABASE_URL, proxy.port) };
    // The member-svc that answers Authenticate for the others keeps its database.
    const auth = await spawnService('member', { PASSWORD_SCRYPT_LOG_N: '14' });
    services.push(auth);
    const spawned: Partial<Record<ServiceName, SpawnedService>> = {};
    for (const [name, env] of [
      ['member', { PASSWORD_SCRYPT_LOG_N: '14' }],
      ['content', { MEMBER_ADDR: auth.address }],
      ['activity', { MEMBER_ADDR: auth.address }],
      ['image', { MEMBER_ADDR: auth.address }],
      ['search', { MEMBER_ADDR: auth.address, TIMELINE_ADDR: '127.0.0.1:1' }],
    ] as const) {
      const service = await spawnService(name, { ...env, ...proxied });
      spawned[name] = service;
      services.push(service);
    }
    const address = (name: ServiceName): string => spawned[name]?.address ?? '';
    gateway = await startGateway({
      addresses: { member: address('member'), content: address('content'), activity: address('activity'), image: address('image'), search: address('search'), timeline: '127.0.0.1:1' },
    });
    call = client(gateway.base);
    const handle = uniqueHandle('pgdown');
    email = `${handle}@example.com`;
    dataOf(await call('POST', '/api/authentication/signup', { body: signupBody(handle) }), 201);
    // Logged in through the proxied member-svc; its tokens are valid for the auth instance too
    // (same signing keys in the same database).
    token = tokenOf(await call('POST', '/api/authentication/login', { body: { email, password: 'Passw0rd!' } }));
    dataOf(await call('POST', '/api/posts', { token, body: { content: 'before the outage' } }), 201);
    await proxy.cut();
  });

  after(async () => {
    await gateway?.close();
    await proxy?.restore();
    for (const service of services.reverse()) await service.stop();
    await proxy?.close();
  });

  it('when member-svc cannot reach PostgreSQL, then login answers 503 DATABASE_UNAVAILABLE with Retry-After', async () => {
    assertUnavailable(await call('POST', '/api/authentication/login', { body: { email, password: 'Passw0rd!' } }), 'login');
  });

  it('when content-svc cannot reach PostgreSQL, then creating a post answers 503 DATABASE_UNAVAILABLE with Retry-After', async () => {
    assertUnavailable(await call('POST', '/api/posts', { token, body: { content: 'during the outage' } }), 'create post');
  });

  it('when search-svc cannot reach PostgreSQL, then a search answers 503 DATABASE_UNAVAILABLE with Retry-After', async () => {
    assertUnavailable(await call('GET', '/api/search/posts?keyword=outage', { token }), 'search');
  });

  it('when activity-svc cannot reach PostgreSQL, then reading my activity answers 503 DATABASE_UNAVAILABLE with Retry-After', async () => {
    assertUnavailable(await call('GET', '/api/activity/me', { token }), 'activity');
  });

  it('when image-svc cannot reach PostgreSQL, then viewing an image answers 503 DATABASE_UNAVAILABLE with Retry-After', async () => {
    assertUnavailable(await call('GET', `/api/images/view/${randomUUID()}`), 'view image');
  });

  it('when PostgreSQL is reachable again, then the same calls succeed', async () => {
    await proxy.restore();
    dataOf(await call('POST', '/api/posts', { token, body: { content: 'after the outage' } }), 201);
    tokenOf(await call('POST', '/api/authentication/login', { body: { email, password: 'Passw0rd!' } }));
  });
});
