// Circuit breakers and client rate limits on the service-to-service calls (issue 15 item 1), with
// real processes: each caller reads the resilience profile file it is given (a test profile with
// a small window, a short open state or a tiny rate, in the generated profile's shape).
//   - member-svc stopped: after the profile's minimum calls, content-svc and the edge fail fast
//     (UNAVAILABLE DEPENDENCY_CIRCUIT_OPEN / 503 + Retry-After), and member-svc's refusals of a
//     token (UNAUTHENTICATED) never open anything; member-svc back: half-open, then closed;
//   - every call path (content/timeline/activity/image/search -> member, search -> timeline,
//     member -> image) enforces the rate of its profile: the call over it is RESOURCE_EXHAUSTED
//     (or, for member's best-effort avatar cleanup, not sent) and the callee never sees it.
// The timings (time to fail fast, time to recover) are printed as notes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { credentials, Metadata, Server, ServerCredentials, status as Code, type ServerUnaryCall, type ServiceError, type sendUnaryData } from '@grpc/grpc-js';
import { pino } from 'pino';
import { ActivityServiceClient } from '@dailyfeed/gen/activity/v1/activity';
import { ContentServiceClient } from '@dailyfeed/gen/content/v1/content';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { ImageServiceClient } from '@dailyfeed/gen/image/v1/image';
import { MemberServiceService, type AuthenticateRequest, type AuthenticateResponse } from '@dailyfeed/gen/member/v1/member';
import { SearchServiceClient } from '@dailyfeed/gen/search/v1/search';
import { TimelineServiceClient, TimelineServiceService } from '@dailyfeed/gen/timeline/v1/timeline';
import { createGrpcBackends } from '../gateway/src/adapters/grpc-backends.ts';
import { createMetricsRegistry } from '../gateway/src/server.ts';
import { startGateway, type RunningGateway } from '../gateway/test/support/harness.ts';
import { startFakeImageService } from './support/member-fake-image.ts';
import { newMember, rpc, startMemberService } from './support/member-harness.ts';
import { spawnService, TEST_DATABASE_URL, type SpawnedService } from './support/spawn-service.ts';

const GENERATED = JSON.parse(readFileSync(new URL('../mesh/generated/resilience/member.json', import.meta.url), 'utf8')) as {
  circuitBreaker: Record<string, number | boolean>;
  rateLimiter: Record<string, number>;
};
const dir = mkdtempSync(join(tmpdir(), 'dailyfeed-breakers-'));

/** A profile file in the generated shape, with some fields changed. */
function profileFile(name: string, breaker: Record<string, number>, rate: Record<string, number> = {}): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...GENERATED, circuitBreaker: { ...GENERATED.circuitBreaker, ...breaker }, rateLimiter: { ...GENERATED.rateLimiter, ...rate } }));
  return file;
}

const OPEN_MS = 1500;
const DEADLINE_MS = 2000;
/** Opens after 3 calls of which at least half failed; half-open lets 1 trial through. */
const SHORT_BREAKER = { slidingWindowSize: 4, minimumNumberOfCalls: 3, failureRateThresholdPercent: 50, waitDurationInOpenStateMs: OPEN_MS, permittedCallsInHalfOpenState: 1 };
/** 2 calls per 10 minutes, no wait: the third is refused. */
const TINY_RATE = { limitForPeriod: 2, limitRefreshPeriodMs: 600_000, timeoutMs: 0 };

interface Outcome {
  readonly code: number;
  readonly reason: string;
  readonly ms: number;
}

function outcomeOf(invoke: (md: Metadata, cb: (err: ServiceError | null) => void) => unknown, token: string | undefined): Promise<Outcome> {
  const md = new Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  md.set('idempotency-key', randomUUID());
  const started = performance.now();
  return new Promise((resolve) => {
    invoke(md, (err) => {
      const raw = err?.metadata?.get('grpc-status-details-bin')[0];
      const info = raw instanceof Buffer ? Status.decode(raw).details.find((d) => d.typeUrl.endsWith('ErrorInfo')) : undefined;
      resolve({ code: err?.code ?? Code.OK, reason: info ? ErrorInfo.decode(info.value).reason : '', ms: performance.now() - started });
    });
  });
}

const note = (t: { diagnostic(msg: string): void }, msg: string): void => {
  t.diagnostic(msg);
  process.stdout.write(`# ${msg}\n`);
};

describe('circuit breakers against a real member-svc that stops and comes back', () => {
  let member: SpawnedService;
  let content: SpawnedService;
  let contentClient: ContentServiceClient;
  let gateway: RunningGateway;
  const edgeRegistry = createMetricsRegistry();
  /** Calls the edge refused because its breaker for member-svc was open (its metric). */
  const edgeRefused = async (): Promise<number> => {
    const metric = (await edgeRegistry.getMetricsAsJSON()).find((m) => m.name === 'dailyfeed_client_calls_rejected_total');
    return (metric?.values as { value: number; labels: Record<string, string> }[] | undefined)?.find((v) => v.labels['reason'] === 'circuit_open')?.value ?? 0;
  };
  const createPost = (token: string) => outcomeOf((md, cb) => contentClient.createPost({ content: 'breaker' }, md, cb), token);
  const edgeProfile = async (): Promise<{ status: number; retryAfter: string | null; ms: number }> => {
    const started = performance.now();
    const res = await fetch(`${gateway.base}/api/members/profile`, { headers: { authorization: 'Bearer not.a.token' } });
    await res.arrayBuffer();
    return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started };
  };

  before(async () => {
    member = await spawnService('member');
    content = await spawnService('content', {
      MEMBER_ADDR: member.address,
      MEMBER_DEADLINE_MS: String(DEADLINE_MS),
      AUTH_MEMORY_ENTRIES: '0',
      MEMBER_RESILIENCE_FILE: profileFile('content-member', SHORT_BREAKER),
    });
    contentClient = new ContentServiceClient(content.address, credentials.createInsecure());
    const edgeDir = mkdtempSync(join(dir, 'edge-'));
    writeFileSync(join(edgeDir, 'member.json'), readFileSync(profileFile('edge-member', SHORT_BREAKER)));
    const invoker = createGrpcBackends({ addresses: { member: member.address }, serviceConfigDir: undefined, resilienceDir: edgeDir, registry: edgeRegistry, log: pino({ level: 'silent' }) });
    gateway = await startGateway({ invoker });
  });

  after(async () => {
    contentClient.close();
    await gateway.close();
    await content.stop();
    await member.stop();
  });

  it('when member-svc refuses tokens (UNAUTHENTICATED) many times, then no breaker opens: only server-side failures count', async () => {
    for (let i = 0; i < 8; i += 1) {
      assert.deepEqual(await createPost(`refused.${i}.x`).then((o) => [o.code, o.reason]), [Code.UNAUTHENTICATED, 'INVALID_TOKEN']);
      assert.equal((await edgeProfile()).status, 401);
    }
  });

  it('when member-svc stops, then after the minimum calls content-svc and the edge fail fast (circuit open) until it is back, then half-open and closed', async (t) => {
    await member.stop();
    const failures: Outcome[] = [];
    let open: Outcome | undefined;
    for (let i = 0; i < 10 && open === undefined; i += 1) {
      const o = await createPost(`down.${i}.x`);
      if (o.reason === 'DEPENDENCY_CIRCUIT_OPEN') open = o;
      else failures.push(o);
    }
    assert.ok(open, 'the circuit opened');
    assert.equal(open.code, Code.UNAVAILABLE);
    assert.deepEqual(failures.map((f) => [f.code, f.reason]), Array(SHORT_BREAKER.minimumNumberOfCalls).fill([Code.UNAVAILABLE, 'MEMBER_API_CONNECTION_ERROR']));
    assert.ok(open.ms < DEADLINE_MS / 4, `failed fast: ${open.ms.toFixed(1)} ms`);
    note(t, `content-svc -> member-svc: circuit open after ${failures.length} failed calls; open-circuit answer in ${open.ms.toFixed(1)} ms (deadline ${DEADLINE_MS} ms)`);

    // A stopped member-svc is a 503 at the edge too; the open circuit is told by its metric.
    const edge: { status: number; retryAfter: string | null; ms: number }[] = [];
    for (let i = 0; i < 10 && (await edgeRefused()) === 0; i += 1) edge.push(await edgeProfile());
    assert.equal(edge.length, SHORT_BREAKER.minimumNumberOfCalls + 1, 'the edge refused the call after the minimum failed calls');
    const edgeOpen = edge.at(-1);
    assert.ok(edgeOpen);
    assert.deepEqual(edge.map((e) => e.status), Array(edge.length).fill(503));
    assert.match(edgeOpen.retryAfter ?? '', /^[12]$/);
    assert.ok(edgeOpen.ms < DEADLINE_MS / 4, `edge failed fast: ${edgeOpen.ms.toFixed(1)} ms`);
    note(t, `edge -> member-svc: 503 + Retry-After ${edgeOpen.retryAfter} after ${edge.length - 1} failed calls, in ${edgeOpen.ms.toFixed(1)} ms`);

    // member-svc back on the same port: the open state lasts OPEN_MS, then a trial call closes it.
    member = await spawnService('member', { GRPC_PORT: String(member.grpcPort) });
    const back = performance.now();
    let recovered: number | undefined;
    let edgeRecovered: number | undefined;
    while ((recovered === undefined || edgeRecovered === undefined) && performance.now() - back < OPEN_MS + 10_000) {
      if (recovered === undefined && (await createPost(`back.${randomUUID()}.x`)).reason === 'INVALID_TOKEN') recovered = performance.now() - back;
      if (edgeRecovered === undefined && (await edgeProfile()).status === 401) edgeRecovered = performance.now() - back;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(recovered !== undefined && edgeRecovered !== undefined, 'both breakers closed again');
    // Closed, not half-open: the next calls all reach member-svc.
    for (let i = 0; i < 3; i += 1) assert.equal((await createPost(`closed.${i}.x`)).code, Code.UNAUTHENTICATED);
    note(t, `member-svc back (ready): content-svc recovered after ${recovered.toFixed(0)} ms, the edge after ${edgeRecovered.toFixed(0)} ms (open state ${OPEN_MS} ms, counted from the last failure)`);
  });
});

describe('every call path reads its resilience profile (a tiny client rate: the third call is refused before it is sent)', () => {
  const fakes = new Server();
  const seen: string[] = [];
  const spawned: SpawnedService[] = [];
  const closers: (() => void)[] = [];
  let fakeAddress = '';

  before(async () => {
    // A scripted member-svc and timeline-svc on real ports that note every call they get.
    fakes.addService(MemberServiceService, {
      authenticate: (call: ServerUnaryCall<AuthenticateRequest, AuthenticateResponse>, cb: sendUnaryData<AuthenticateResponse>) => {
        seen.push(String(call.metadata.get('authorization')[0] ?? ''));
        const md = new Metadata();
        const info = ErrorInfo.encode({ reason: 'INVALID_TOKEN', domain: 'member.dailyfeed', metadata: { auth_signal: 'RELOGIN_REQUIRED' } }).finish();
        md.set('grpc-status-details-bin', Buffer.from(Status.encode({ code: Code.UNAUTHENTICATED, message: 'refused', details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(info) }] }).finish()));
        cb({ code: Code.UNAUTHENTICATED, details: 'refused', metadata: md });
      },
    });
    fakes.addService(TimelineServiceService, {
      getPostStatistics: (call: ServerUnaryCall<{ postId: string }, unknown>, cb: sendUnaryData<unknown>) => {
        seen.push(`stats ${call.request.postId}`);
        cb(null, { postId: call.request.postId, likeCount: '0', commentCount: '0', viewCount: '0', shareCount: '0' });
      },
    });
    const port = await new Promise<number>((resolve, reject) => fakes.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    fakeAddress = `127.0.0.1:${port}`;
  });

  after(async () => {
    for (const close of closers) close();
    await Promise.all(spawned.map((s) => s.stop()));
    fakes.forceShutdown();
  });

  const READ_URL = TEST_DATABASE_URL.replace(/^postgres(ql)?:\/\/[^@/]*@/, 'postgres://dailyfeed_timeline_ro@');
  const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  const callers: { name: 'content' | 'timeline' | 'activity' | 'image' | 'search'; env: Record<string, string>; call: (address: string) => (token: string) => Promise<Outcome> }[] = [
    { name: 'content', env: { AUTH_MEMORY_ENTRIES: '0' }, call: (a) => (token) => { const c = new ContentServiceClient(a, credentials.createInsecure()); closers.push(() => c.close()); return outcomeOf((md, cb) => c.createPost({ content: 'x' }, md, cb), token); } },
    { name: 'timeline', env: { CONTENT_READ_DATABASE_URL: READ_URL, FANOUT_GROUP_ID: `breakers-${randomUUID()}` }, call: (a) => (token) => { const c = new TimelineServiceClient(a, credentials.createInsecure()); closers.push(() => c.close()); return outcomeOf((md, cb) => c.listMyPosts({ page: 0, size: 1 }, md, cb), token); } },
    { name: 'activity', env: {}, call: (a) => (token) => { const c = new ActivityServiceClient(a, credentials.createInsecure()); closers.push(() => c.close()); return outcomeOf((md, cb) => c.listMyActivities({ page: 0, size: 1 }, md, cb), token); } },
    { name: 'image', env: {}, call: (a) => (token) => { const c = new ImageServiceClient(a, credentials.createInsecure()); closers.push(() => c.close()); return outcomeOf((md, cb) => c.uploadImage({ image: PNG, contentType: 'image/png', filename: 'x.png' }, md, cb), token); } },
    { name: 'search', env: {}, call: (a) => (token) => { const c = new SearchServiceClient(a, credentials.createInsecure()); closers.push(() => c.close()); return outcomeOf((md, cb) => c.searchPosts({ keyword: 'x', page: 0, size: 1 }, md, cb), token); } },
  ];

  for (const caller of callers) {
    it(`when ${caller.name}-svc has used its 2 calls to member-svc, then the third is RESOURCE_EXHAUSTED and member-svc never sees it`, async () => {
      const svc = await spawnService(caller.name, { ...caller.env, MEMBER_ADDR: fakeAddress, TIMELINE_ADDR: fakeAddress, MEMBER_RESILIENCE_FILE: profileFile(`${caller.name}-rate`, {}, TINY_RATE) });
      spawned.push(svc);
      const call = caller.call(svc.address);
      const tokens = [1, 2, 3].map((i) => `${caller.name}.${i}.${randomUUID()}`);
      const outcomes = [];
      for (const token of tokens) outcomes.push(await call(token));
      assert.deepEqual(outcomes.map((o) => [o.code, o.reason]), [[Code.UNAUTHENTICATED, 'INVALID_TOKEN'], [Code.UNAUTHENTICATED, 'INVALID_TOKEN'], [Code.RESOURCE_EXHAUSTED, 'TOO_MANY_REQUEST']]);
      assert.deepEqual(seen.filter((s) => s.startsWith(`Bearer ${caller.name}.`)), tokens.slice(0, 2).map((t) => `Bearer ${t}`));
    });
  }

  it('when search-svc has used its 2 calls to timeline-svc, then the third is RESOURCE_EXHAUSTED and timeline-svc never sees it', async () => {
    const svc = await spawnService('search', { MEMBER_ADDR: fakeAddress, TIMELINE_ADDR: fakeAddress, TIMELINE_RESILIENCE_FILE: profileFile('search-timeline-rate', {}, TINY_RATE) });
    spawned.push(svc);
    const client = new SearchServiceClient(svc.address, credentials.createInsecure());
    closers.push(() => client.close());
    const ok = await outcomeOf((md, cb) => client.countPostLikes({ postIds: ['910001', '910002'] }, md, cb), undefined);
    assert.equal(ok.code, Code.OK);
    const over = await outcomeOf((md, cb) => client.countPostLikes({ postIds: ['910003'] }, md, cb), undefined);
    assert.deepEqual([over.code, over.reason], [Code.RESOURCE_EXHAUSTED, 'TOO_MANY_REQUEST']);
    assert.deepEqual(seen.filter((s) => s.startsWith('stats 91000')).sort(), ['stats 910001', 'stats 910002']);
  });

  it("when member-svc has used its 2 avatar clean-ups in image-svc, then the third is not sent and the profile update still succeeds", async () => {
    const image = await startFakeImageService('ok');
    const h = await startMemberService({ IMAGE_ADDR: image.address, IMAGE_RESILIENCE_FILE: profileFile('member-image-rate', {}, TINY_RATE) });
    try {
      const a = await newMember(h.client);
      for (let i = 0; i < 3; i += 1) {
        const avatarUrl = `/api/proxy/images/view/breaker-${i}-${randomUUID()}`;
        const res = await rpc(h.client.updateMyProfile.bind(h.client), { avatarUrl, previousAvatarUrls: [`/api/proxy/images/view/old-${i}`] }, a.auth);
        assert.equal(res.profile?.avatarUrl, avatarUrl);
      }
      await image.waitForCalls(2);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(image.received.map((r) => r.urls), [['/api/proxy/images/view/old-0'], ['/api/proxy/images/view/old-1']]);
    } finally {
      await h.stop();
      await image.stop();
    }
  });
});
