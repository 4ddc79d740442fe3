// Load shedding (issue 17): the gateway runs as its own process with a low in-flight bound, in
// front of a timeline backend (a real gRPC server in this process) that holds every call until
// the test lets it answer. Beyond the bound the edge answers 503 + Retry-After at once with the
// original error body; the admitted requests still succeed; /metrics counts what was shed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Server, ServerCredentials, type sendUnaryData } from '@grpc/grpc-js';
import { TimelineServiceService, type ListFollowingPostsResponse } from '@dailyfeed/gen/timeline/v1/timeline';
import { freePort } from '../../test/support/spawn-service.ts';
import { createLoadShedder } from '../src/domain/load-shedder.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const FEED = '/api/timeline/posts/followings?page=0&size=10';
const PAGE: ListFollowingPostsResponse = { content: [], page: 0, size: 10, hasNext: false };

describe('load shedding at the edge, with real processes', () => {
  const held: (() => void)[] = [];
  let backend: Server;
  let gateway: ChildProcess;
  let base: string;
  const get = (path: string): Promise<Response> => fetch(`${base}${path}`, { headers: { authorization: 'Bearer t' } });

  before(async () => {
    backend = new Server();
    backend.addService(TimelineServiceService, {
      listFollowingPosts: (_call: unknown, callback: sendUnaryData<ListFollowingPostsResponse>) => held.push(() => callback(null, PAGE)),
    });
    const backendPort = await new Promise<number>((resolve, reject) =>
      backend.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    const httpPort = await freePort();
    gateway = spawn(process.execPath, [MAIN], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        HTTP_PORT: String(httpPort),
        TIMELINE_ADDR: `127.0.0.1:${backendPort}`,
        RATE_LIMIT_ENABLED: 'false',
        GRPC_SERVICE_CONFIG_DIR: '',
        SHED_MAX_IN_FLIGHT_PER_BACKEND: '2',
        SHED_RETRY_AFTER_SECONDS: '3',
      },
    });
    base = `http://127.0.0.1:${httpPort}`;
    await waitUntilUp(`${base}/healthz`);
  });

  after(async () => {
    if (gateway.exitCode === null) {
      const exited = new Promise((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGTERM');
      await exited;
    }
    backend.forceShutdown();
  });

  it('when more requests than the bound are in flight, then the excess gets 503 + Retry-After at once and the admitted ones succeed', async () => {
    const admitted = [get(FEED), get(FEED)];
    await until(() => held.length === 2);
    const started = performance.now();
    const shed = await Promise.all([get(FEED), get(FEED), get(FEED)]);
    const elapsedMs = performance.now() - started;
    for (const res of shed) {
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '3');
      assert.deepEqual(await res.json(), { statusCode: 503, resultCode: 'FAIL', message: 'the edge is at capacity; retry later', path: '/api/timeline/posts/followings' });
    }
    assert.ok(elapsedMs < 1000, `shed answers took ${elapsedMs.toFixed(0)} ms`);
    assert.equal(held.length, 2, 'a shed request never reached the backend');

    for (const answer of held.splice(0)) answer();
    for (const res of await Promise.all(admitted)) {
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.json()) as { data: unknown }).data, { content: [], page: 0, size: 10, hasNext: false });
    }

    const again = get(FEED);
    await until(() => held.length === 1);
    for (const answer of held.splice(0)) answer();
    assert.equal((await again).status, 200, 'slots are given back once the admitted requests are answered');

    const metrics = await (await fetch(`${base}/metrics`)).text();
    assert.match(metrics, /^http_server_shed_requests_total\{[^}]*backend="timeline"[^}]*\} 3$/m);
  });
});

describe('the in-flight bounds', () => {
  it('when the global bound is reached, then every backend sheds; when a slot is released twice, then it counts once', () => {
    const shedder = createLoadShedder({ maxInFlight: 2, maxInFlightPerBackend: 0 });
    const first = shedder.tryAcquire('member');
    assert.ok(first);
    assert.ok(shedder.tryAcquire('timeline'));
    assert.equal(shedder.tryAcquire('content'), undefined);
    first();
    first();
    assert.ok(shedder.tryAcquire('content'));
    assert.equal(shedder.tryAcquire('member'), undefined);
    assert.equal(shedder.inFlight().get('member'), 0);
  });

  it('when one backend is at its bound, then the others are still admitted', () => {
    const shedder = createLoadShedder({ maxInFlight: 0, maxInFlightPerBackend: 1 });
    assert.ok(shedder.tryAcquire('timeline'));
    assert.equal(shedder.tryAcquire('timeline'), undefined);
    assert.ok(shedder.tryAcquire('member'));
  });
});

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function waitUntilUp(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway not up at ${url}`);
}
