// One behaviour for every service that authenticates callers through member-svc (issue 13 item 2).
// A scripted member-svc (a real gRPC peer answering Authenticate by the token it is given) stands
// in for member-svc so that each failure can be produced on demand; content, timeline, activity,
// search and image run as their own processes against it, and every case must come out of every
// service with the same status, reason, auth signal and refresh trailer:
//   member-svc says UNAUTHENTICATED + ErrorInfo  -> UNAUTHENTICATED, its reason and auth signal
//   UNAUTHENTICATED without details              -> UNAUTHENTICATED MEMBER_UNAUTHORIZED, relogin
//   INVALID_ARGUMENT (our request was refused)   -> UNAVAILABLE MEMBER_API_CONNECTION_ERROR
//   no answer within the deadline                -> UNAVAILABLE MEMBER_API_CONNECTION_ERROR
//   member-svc unreachable                       -> UNAVAILABLE MEMBER_API_CONNECTION_ERROR
//   valid, signed by a grace key                 -> OK with the `x-token-refresh-needed: true` trailer
//   no token where one is required               -> UNAUTHENTICATED BEARER_TOKEN_MISSING, relogin
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Metadata, Server, ServerCredentials, credentials, status as Code, type Client, type ServerUnaryCall, type ServiceError, type sendUnaryData } from '@grpc/grpc-js';
import { ActivityServiceClient } from '@dailyfeed/gen/activity/v1/activity';
import { ContentServiceClient } from '@dailyfeed/gen/content/v1/content';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { ImageServiceClient } from '@dailyfeed/gen/image/v1/image';
import { MemberServiceService, type AuthenticateRequest, type AuthenticateResponse } from '@dailyfeed/gen/member/v1/member';
import { SearchServiceClient } from '@dailyfeed/gen/search/v1/search';
import { TimelineServiceClient } from '@dailyfeed/gen/timeline/v1/timeline';
import { migrateService, spawnService, TEST_DATABASE_URL, type ServiceName, type SpawnedService } from './support/spawn-service.ts';

const READ_URL = TEST_DATABASE_URL.replace(/^postgres(ql)?:\/\/[^@/]*@/, 'postgres://dailyfeed_timeline_ro@');
// Well under the scripted 3 s silence, and enough for a first answer on a loaded shared machine.
const DEADLINE_MS = '1500';
/** A 1x1 PNG, for image-svc's upload. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

function errorInfoMetadata(code: Code, message: string, reason: string, metadata: Record<string, string>): Metadata {
  const md = new Metadata();
  const info = ErrorInfo.encode({ reason, domain: 'member.dailyfeed', metadata }).finish();
  md.set('grpc-status-details-bin', Buffer.from(Status.encode({ code, message, details: [{ typeUrl: 'type.googleapis.com/google.rpc.ErrorInfo', value: Buffer.from(info) }] }).finish()));
  return md;
}

/** member-svc's Authenticate, scripted by the token (JWT-shaped so image-svc asks about it). */
function scriptedAuthenticate(call: ServerUnaryCall<AuthenticateRequest, AuthenticateResponse>, callback: sendUnaryData<AuthenticateResponse>): void {
  const authorization = call.metadata.get('authorization')[0];
  const script = typeof authorization === 'string' ? /^Bearer t\.([a-z-]+)\.s$/.exec(authorization)?.[1] : undefined;
  const fail = (code: Code, details: string, metadata = new Metadata()) => callback({ code, details, metadata });
  switch (script) {
    case undefined:
      return fail(Code.UNAUTHENTICATED, 'a Bearer access token is required', errorInfoMetadata(Code.UNAUTHENTICATED, 'missing', 'BEARER_TOKEN_MISSING', { auth_signal: 'RELOGIN_REQUIRED' }));
    case 'unauth-details':
      return fail(Code.UNAUTHENTICATED, 'invalid access token', errorInfoMetadata(Code.UNAUTHENTICATED, 'invalid', 'INVALID_TOKEN', { auth_signal: 'RELOGIN_REQUIRED' }));
    case 'unauth-bare':
      return fail(Code.UNAUTHENTICATED, 'no');
    case 'invalid-arg':
      // With ErrorInfo, as member-svc's validation failures carry it.
      return fail(Code.INVALID_ARGUMENT, 'view: unknown value', errorInfoMetadata(Code.INVALID_ARGUMENT, 'invalid', 'VALIDATION_FAILED', {}));
    case 'slow':
      setTimeout(() => fail(Code.UNAUTHENTICATED, 'too late'), 3000);
      return;
    default:
      callback(null, {
        member: { id: '990000001', name: 'drift' },
        summary: { memberId: '990000001', id: '990000001', memberName: 'drift', memberHandle: 'drift', handle: 'drift', displayName: 'Drift', verificationStatus: 0, avatarUrl: 'no-image', updatedAt: new Date(), bio: '', followersCount: '0' },
        profile: undefined,
        refreshNeeded: true,
        jti: randomUUID(),
        expiresAt: new Date(Date.now() + 3600_000),
      });
  }
}

interface Outcome {
  readonly code: number;
  readonly reason: string;
  readonly authSignal: string;
  readonly refreshTrailer: string;
  readonly refreshHeader: string;
}

type Invoke = (md: Metadata, cb: (err: ServiceError | null) => void) => { on(event: 'metadata' | 'status', listener: (m: Metadata | { metadata: Metadata }) => void): unknown };

/** One call: its status, ErrorInfo reason and auth signal, and where the refresh hint came. */
function outcomeOf(invoke: Invoke, token: string | undefined): Promise<Outcome> {
  const md = new Metadata();
  if (token !== undefined) md.set('authorization', `Bearer ${token}`);
  md.set('idempotency-key', randomUUID());
  return new Promise((resolve) => {
    let header = '';
    let settled: ServiceError | null | undefined;
    let trailers: Metadata | undefined;
    const finish = () => {
      if (settled === undefined || trailers === undefined) return;
      const raw = settled?.metadata?.get('grpc-status-details-bin')[0];
      const info = raw instanceof Buffer ? Status.decode(raw).details.find((d) => d.typeUrl.endsWith('ErrorInfo')) : undefined;
      const decoded = info ? ErrorInfo.decode(info.value) : undefined;
      resolve({
        code: settled?.code ?? Code.OK,
        reason: decoded?.reason ?? '',
        authSignal: decoded?.metadata.auth_signal ?? '',
        refreshTrailer: String(trailers.get('x-token-refresh-needed')[0] ?? ''),
        refreshHeader: header,
      });
    };
    const call = invoke(md, (err) => {
      settled = err;
      finish();
    });
    call.on('metadata', (m) => {
      if (m instanceof Metadata) header = String(m.get('x-token-refresh-needed')[0] ?? '');
    });
    call.on('status', (s) => {
      trailers = s instanceof Metadata ? s : s.metadata;
      finish();
    });
  });
}

const expected = (code: Code, reason = '', authSignal = '', refreshTrailer = ''): Outcome => ({ code, reason, authSignal, refreshTrailer, refreshHeader: '' });
const UNAVAILABLE = expected(Code.UNAVAILABLE, 'MEMBER_API_CONNECTION_ERROR');

const CASES: readonly { name: string; token: string | undefined; want: Outcome; onlyWhereRequired?: boolean }[] = [
  { name: 'a valid token signed by a grace key', token: 't.ok-refresh.s', want: expected(Code.OK, '', '', 'true') },
  { name: 'UNAUTHENTICATED with ErrorInfo', token: 't.unauth-details.s', want: expected(Code.UNAUTHENTICATED, 'INVALID_TOKEN', 'RELOGIN_REQUIRED') },
  { name: 'UNAUTHENTICATED without details', token: 't.unauth-bare.s', want: expected(Code.UNAUTHENTICATED, 'MEMBER_UNAUTHORIZED', 'RELOGIN_REQUIRED') },
  { name: 'INVALID_ARGUMENT', token: 't.invalid-arg.s', want: UNAVAILABLE },
  { name: 'no answer before the deadline', token: 't.slow.s', want: UNAVAILABLE },
  { name: 'no token where one is required', token: undefined, want: expected(Code.UNAUTHENTICATED, 'BEARER_TOKEN_MISSING', 'RELOGIN_REQUIRED'), onlyWhereRequired: true },
];

/** On a loaded shared machine a boot can take longer than spawnService's usual wait. */
const BOOT = { readyWithinMs: 300_000 };

describe('member clients: one behaviour for every failure of Authenticate', () => {
  const fake = new Server();
  let fakeAddress = '';
  const spawned: SpawnedService[] = [];
  const clients: Client[] = [];
  let calls: { service: string; tokenRequired: boolean; invoke: Invoke }[] = [];

  before(async () => {
    // Beside Authenticate, the lists a successful read goes on to ask for (author summaries, follows), empty.
    fake.addService(MemberServiceService, {
      authenticate: scriptedAuthenticate,
      getSummariesByIds: (_call: unknown, cb: sendUnaryData<{ summaries: [] }>) => cb(null, { summaries: [] }),
      listFollowingIds: (_call: unknown, cb: sendUnaryData<{ memberIds: [] }>) => cb(null, { memberIds: [] }),
      listFollowerIds: (_call: unknown, cb: sendUnaryData<{ memberIds: []; hasMore: boolean; total: string }>) => cb(null, { memberIds: [], hasMore: false, total: '0' }),
    });
    const port = await new Promise<number>((resolve, reject) => fake.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    fakeAddress = `127.0.0.1:${port}`;
    migrateService('content');
    const member = { MEMBER_ADDR: fakeAddress };
    // Four boots at once, then search (it needs timeline's address); on a loaded shared machine a
    // boot can take minutes, so each gets BOOT's wait and the hook its own timeout.
    // Each one is kept as it comes up, so after() stops it also when another boot failed.
    const up = (name: ServiceName, env: Record<string, string>) => spawnService(name, env, BOOT).then((s) => (spawned.push(s), s));
    const [content, timeline, activity, image] = await Promise.all([
      up('content', { ...member, MEMBER_DEADLINE_MS: DEADLINE_MS }),
      up('timeline', { ...member, MEMBER_DEADLINE_MS: DEADLINE_MS, CONTENT_READ_DATABASE_URL: READ_URL, FANOUT_GROUP_ID: `drift-${randomUUID()}` }),
      up('activity', { ...member, MEMBER_TIMEOUT_MS: DEADLINE_MS }),
      up('image', { ...member, MEMBER_TIMEOUT_MS: DEADLINE_MS }),
    ]);
    const search = await up('search', { ...member, TIMELINE_ADDR: timeline.address, DOWNSTREAM_TIMEOUT_MS: DEADLINE_MS });
    const insecure = credentials.createInsecure();
    const c = new ContentServiceClient(content.address, insecure);
    const t = new TimelineServiceClient(timeline.address, insecure);
    const a = new ActivityServiceClient(activity.address, insecure);
    const s = new SearchServiceClient(search.address, insecure);
    const i = new ImageServiceClient(image.address, insecure);
    clients.push(c, t, a, s, i);
    calls = [
      { service: 'content', tokenRequired: true, invoke: (md, cb) => c.createPost({ content: 'drift' }, md, cb) },
      { service: 'timeline', tokenRequired: true, invoke: (md, cb) => t.listMyPosts({ page: 0, size: 1 }, md, cb) },
      { service: 'activity', tokenRequired: true, invoke: (md, cb) => a.listMyActivities({ page: 0, size: 1 }, md, cb) },
      { service: 'search', tokenRequired: false, invoke: (md, cb) => s.searchPosts({ keyword: 'drift', page: 0, size: 1 }, md, cb) },
      { service: 'image', tokenRequired: false, invoke: (md, cb) => i.uploadImage({ image: PNG, contentType: 'image/png', filename: 'drift.png' }, md, cb) },
    ];
    // A first call opens each service's channel to the scripted member-svc (slow on a busy machine, and
    // then over the deadline); the cases below measure answers, not connection setup.
    for (const { invoke } of calls) await outcomeOf(invoke, 't.warm-up.s');
    // The boots can outlast the runner's 180 s per-test timeout, which is for the cases, not this setup.
  }, { timeout: 900_000 });

  after(async () => {
    for (const client of clients) client.close();
    await Promise.all(spawned.map((s) => s.stop()));
    fake.forceShutdown();
  });

  for (const c of CASES) {
    it(`when member-svc's Authenticate meets ${c.name}, then every service answers the same`, async () => {
      for (const { service, tokenRequired, invoke } of calls) {
        if (c.onlyWhereRequired && !tokenRequired) continue;
        assert.deepEqual({ service, ...(await outcomeOf(invoke, c.token)) }, { service, ...c.want });
      }
    });
  }

  it('when member-svc cannot be reached, then every service answers UNAVAILABLE / MEMBER_API_CONNECTION_ERROR', async () => {
    fake.forceShutdown();
    for (const { service, invoke } of calls) {
      assert.deepEqual({ service, ...(await outcomeOf(invoke, 't.unreachable.s')) }, { service, ...UNAVAILABLE });
    }
  });
});
