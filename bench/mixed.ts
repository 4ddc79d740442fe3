// Bench: the whole system under a DeathStarBench-style mix through the REST edge (issue 12), with
// the CPU each request costs every process, beside the floors of this machine.
//
//   npm run bench:mixed -- [--only floors,mix,feed,myfeed,post,fanout,growth] [--seconds 15]
//        [--warmup 3] [--stack-warmup 30] [--connections 64] [--rate <req/s>] [--callers 500] [--fanout-posts 300]
//        [--members 10000] [--posts 1000000] [--small-posts 10000] [--database dailyfeed_bench_mixed]
//        [--max-error-rate 0.01] [--log-level <level>] [--profile <dir>] [--node-options <flags>] [--quick]
//   env: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT, REDIS_PORT (6379), BENCH_REDIS_DB (14),
//        BENCH_ADMIN_URL (postgres://postgres@127.0.0.1:5432/postgres), SKIP_INFRA=1,
//        BENCH_LATENCY_DUMP=<prefix> (each open-loop request's due time, latency and operation as CSV)
//
// What it does: infra/infra.sh up (reusing what runs); creates, migrates and seeds its own
// database once (10,000 members, 1,000,000 posts, power-law follows: bench/mixed/seed.ts); starts
// the six services and the edge as their own processes on free ports, with the node flags of their
// images (scripts/node-flags.ts; --node-options adds NODE_OPTIONS) and the edge's rate limits off;
// logs --callers members in through the edge (real Login, 8 at a time); each caller reads its
// follow feed once (this builds its stored feed, as an active member's first read would; reported
// as "first reads"). Then the whole mix runs --stack-warmup seconds at saturation, reported as
// "stack warm-up" but left out of the targets: a stack just started runs its code cold (V8 and the
// Kafka JVM compile hot paths only after many calls), and a mix measured first paid that once-only
// compilation as if it were per-request cost (2026-12-02: 5.44 ms/request cold, 2.99 ms in the next
// 12 s). Then, per row, a short unmeasured warm-up, a closed loop at saturation
// (--connections back to back) and an open loop at a fixed offered rate (--rate, else half the
// row's saturation; measured after --warmup seconds unmeasured at that rate, so that it shows the
// steady state rather than the way down from saturation), each request from a random caller,
// pages 0-2 of 20:
//   floors        no-op unary gRPC (health Check on timeline-svc) and a bare Node http JSON server;
//                 the shape floors: a bare http server making one grpc-js call per request to a
//                 server that answers at once (http → gRPC), or after one Redis GET (http → gRPC →
//                 Redis), and the latter again moving a real follow-feed page's bytes (measured
//                 from timeline-svc and the edge; built once, not per request). A follow-feed read
//                 has at least these hops (edge, timeline, a store) and more work in each, so its
//                 rate cannot exceed theirs: they show how much of a ratio target the request's
//                 shape alone leaves room for, and how much the code in the hops takes. After the
//                 mix and follow-feed rows the page-sized shape floor runs again in an open loop
//                 at the mix's open-loop rate and at the follow feed's saturation rate: CPU per
//                 request and p99 of the hops alone at the same rate. After the create-post row
//                 the no-op gRPC floor runs again ("again"): how far the machine drifted over the
//                 rows; the targets still divide by the first.
//   mix 60/30/10  GET /api/timeline/posts/followings (follow feed) 60 %, GET /api/timeline/posts
//                 (my feed) 30 %, POST /api/posts 10 %
//   follow feed, my feed, create post   each alone
//   fanout        posts by authors followed by 10 / 1,000 / 10,000 members (--fanout-posts each)
//   growth        the follow feed again on a copy of the data set with --small-posts posts (the
//                 stack restarted on it), beside the 1,000,000-post figure
//
// What each number means:
//   offered   open loop: requests started per second on schedule, whatever the answers did;
//   achieved  requests answered per second (2xx or not) over the phase's wall time;
//   p50..p99.9  latency in ms; open loop: from each request's SCHEDULED start (queueing counted);
//               rows that mix operations add p50/p99 by operation;
//   errors    non-2xx answers by HTTP status, conn = transport failure, timeout = no answer in 10 s;
//   CPU ms/request  CPU time (user + system, /proc/<pid>/stat) each process spent during the phase
//             divided by the requests it answered: the services, the edge, PostgreSQL (every
//             postgres process except other databases' backends), Redis, the Kafka JVM; "system"
//             is their sum; bench (the load generator) is shown apart. Rows that create posts
//             wait, before the closing reading, until activity and search hold every post and
//             every consumer group has committed to the end of the topics, so fan-out, indexing
//             and the activity log are in the figure ("events stored" reports what arrived).
//   PostgreSQL by client  PostgreSQL's CPU ms/request again, by each backend's application_name
//             (the bench names every service's connections with PGAPPNAME; "server": PostgreSQL's
//             own processes, "unnamed": connections without a name); not added to any total.
//   sign-in   member-svc's CPU over the callers' logins divided by their number, at the bench's
//             scrypt cost (log2 N = 14); the capacity model (bench/CAPACITY.md) adds the hash's
//             difference to production's cost (17), both timed in the bench process.
//   Targets (issue 12): mix saturation >= 30 % of the gRPC floor; mix p99 <= 50 ms at half the mix
//   saturation; follow feed >= 50 % of the floor and <= 1.2 ms CPU/request (saturation row);
//   a post <= 5 ms CPU (create post saturation row, consumers included).
// Output: these lines, then the targets; everything also in .run/bench-mixed.json. Exit 1 when a
// process fails to start or dies, a row's errors exceed --max-error-rate, or events go missing.
import { scryptSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { connectEvents, storedPosts } from './mixed/events.ts';
import { cpuDelta, listenerPid, PG_CLIENT, redisPid, snapshot, type CpuSources } from './mixed/cpu.ts';
import { capacity, capacityText, type SignInCost } from './mixed/capacity.ts';
import { configSchema as memberConfig } from '../services/member/src/config.ts';
import { feedMemory, type FeedMemory } from './mixed/feeds.ts';
import { followFeedPageBytes, grpcFloor, startHttpFloor, startShapeFloor, type FloorServer, type PageBytes } from './mixed/floors.ts';
import { closedLoop, createClient, openLoop, type LoadResult, type Req } from './mixed/load.ts';
import { errorRate, line, measure, PAGE_SIZED_FLOOR, targets, type Measured } from './mixed/report.ts';
import { callerEmails, FAN_AUTHORS, fanEmail, PASSWORD, seed, seededWith, vacuumWritten } from './mixed/seed.ts';
import { BENCH_SCRYPT_LOG_N, databaseUrl, ensureDatabase, infraFromEnv, infraUp, migrateAll, root, startStack, type Stack } from './mixed/stack.ts';
import { login, signupTemplate } from './mixed/session.ts';

const { values: a } = parseArgs({
  options: {
    only: { type: 'string', default: 'floors,mix,feed,myfeed,post,fanout,growth' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    'stack-warmup': { type: 'string' },
    connections: { type: 'string', default: '64' },
    rate: { type: 'string' },
    callers: { type: 'string' },
    'fanout-posts': { type: 'string' },
    members: { type: 'string', default: '10000' },
    posts: { type: 'string', default: '1000000' },
    'small-posts': { type: 'string', default: '10000' },
    database: { type: 'string', default: process.env.BENCH_DATABASE ?? 'dailyfeed_bench_mixed' },
    'max-error-rate': { type: 'string', default: '0.01' },
    'log-level': { type: 'string' },
    profile: { type: 'string' },
    'node-options': { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const quick = a.quick;
const SECONDS = Number(a.seconds ?? (quick ? 4 : 15));
const WARMUP = Number(a.warmup ?? (quick ? 1 : 3));
const STACK_WARMUP = Number(a['stack-warmup'] ?? (quick ? 5 : 30));
const CONNECTIONS = Number(a.connections);
const CALLERS = Number(a.callers ?? (quick ? 100 : 500));
const FANOUT_POSTS = Number(a['fanout-posts'] ?? (quick ? 50 : 300));
const MAX_ERROR_RATE = Number(a['max-error-rate']);
const ONLY = new Set(a.only.split(',').map((s) => s.trim()));
const DATA = { members: Number(a.members), posts: Number(a.posts) };
const infra = infraFromEnv();
const log = (msg: string): void => void process.stdout.write(`[bench] ${msg}\n`);
const results: Measured[] = [];
const facts: Record<string, unknown> = {};
let floorRate: number | undefined;
let floorAgain: number | undefined;

interface Session {
  readonly stack: Stack;
  readonly db: pg.Client;
  readonly database: string;
  readonly callers: string[];
  readonly fanTokens: Map<number, string>;
  readonly sources: CpuSources;
  readonly events: Awaited<ReturnType<typeof connectEvents>>;
}

/** Migrates (and seeds when needed) `database`, then starts the stack on it and logs the callers in. */
async function openSession(database: string, data: { members: number; posts: number }, tag: string): Promise<Session> {
  const url = databaseUrl(infra.adminUrl, database);
  if (await ensureDatabase(infra.adminUrl, database)) log(`created database ${database}`);
  await migrateAll(url);
  const redis = new Redis(infra.redisUrl);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const start = async (): Promise<Stack> => {
    await redis.flushdb(); // stored feeds start cold; nothing from a previous run or data set
    const stack = await startStack({ infra, databaseUrl: url, tag, ...(a['log-level'] ? { logLevel: a['log-level'] } : {}), ...(a.profile || a['node-options'] ? { nodeOptions: [a.profile ? `--cpu-prof --cpu-prof-dir=${a.profile}` : '', a['node-options'] ?? ''].join(' ').trim() } : {}) });
    log(`stack up on ${database}: edge ${stack.edge}`);
    return stack;
  };
  let stack = await start();
  const seeded = await seededWith(db);
  if (seeded?.members === data.members && seeded.posts === data.posts) {
    log(`data set already seeded (${data.members} members, ${data.posts} posts; seeding took ${seeded.seconds} s)`);
    facts[`seed ${tag}`] = { ...data, seconds: seeded.seconds, reused: true };
    const vacuumStarted = performance.now();
    await vacuumWritten(db);
    log(`vacuum analyze of the tables earlier runs wrote: ${((performance.now() - vacuumStarted) / 1000).toFixed(1)} s`);
  } else {
    log(`seeding ${data.members} members, ${data.posts} posts into ${database} ...`);
    const seconds = await Promise.race([seed(db, data, () => signupTemplate(stack.edge), log), stack.crashed]);
    log(`seeded in ${seconds} s; restarting the stack so no cache holds pre-seed state`);
    facts[`seed ${tag}`] = { ...data, seconds, reused: false };
    await stack.stop();
    stack = await start();
  }
  const { rows } = await db.query<{ f: string; avg: string; max: string }>(
    `select (select count(*) from member.follows) f, (select round(avg(followings_count), 1) from member.member_profiles) avg, (select max(followers_count) from member.member_profiles) max`,
  );
  log(`data: ${data.members} members (+3 fan-out authors), ${data.posts} seeded posts, ${rows[0]?.f} follows (mean ${rows[0]?.avg} followings, most-followed ${rows[0]?.max})`);
  const events = await connectEvents(infra.kafkaBroker);
  await Promise.race([events.groupsJoined(90_000), stack.crashed]);
  const kafkaPid = listenerPid(infra.kafkaPort);
  const pids = new Map<string, number>([...stack.pids, ['bench', process.pid], ['redis', await redisPid(redis)], ...(kafkaPid ? [['kafka', kafkaPid] as const] : [])]);
  if (!kafkaPid) log(`warning: no process found listening on the Kafka port ${infra.kafkaPort}; Kafka's CPU is not counted`);
  redis.disconnect();
  const sources: CpuSources = { pids, db, database };
  let t = performance.now();
  const beforeSignIns = await snapshot(sources);
  const callers = await Promise.race([login(stack.edge, await callerEmails(db, CALLERS), PASSWORD, 8), stack.crashed]);
  const fanTokens = new Map<number, string>();
  const fan = await login(stack.edge, FAN_AUTHORS.map(fanEmail), PASSWORD, 3);
  FAN_AUTHORS.forEach((n, i) => fanTokens.set(n, fan[i]!));
  const memberMs = cpuDelta(beforeSignIns, await snapshot(sources)).get('member') ?? 0;
  const signIns = callers.length + fan.length;
  facts[`sign-in ${tag}`] = { signIns, memberMsPerSignIn: memberMs / signIns, scryptLogN: BENCH_SCRYPT_LOG_N };
  log(`${callers.length} callers logged in through the edge in ${((performance.now() - t) / 1000).toFixed(1)} s; member-svc ${(memberMs / signIns).toFixed(1)} ms of CPU per sign-in (scrypt log2 N = ${BENCH_SCRYPT_LOG_N})`);
  // First reads: every caller's stored feed is built from PostgreSQL, as an active member's first read.
  const client = createClient(stack.edge, 8);
  t = performance.now();
  const first = await closedLoop(client.send, (i) => ({ op: 'follow feed', method: 'GET', path: '/api/timeline/posts/followings?page=0&size=20', token: callers[i]! }), 8, 0, callers.length);
  client.close();
  log(`first reads (each caller's feed built): ${first.ok}/${first.requests} ok in ${((performance.now() - t) / 1000).toFixed(1)} s, p50 ${first.p50.toFixed(1)} ms, p99 ${first.p99.toFixed(1)} ms`);
  facts[`first reads ${tag}`] = first;
  const backlog = await events.drained(180_000);
  if (!backlog.drained) throw new Error(`consumers did not drain the topic backlog in 180 s (lag ${backlog.lag})`);
  // Background: what the idle stack burns (health probes, relay and consumer polls, the broker),
  // which every row's per-request figure carries pro rata; it weighs in at low rates.
  const idleBefore = await snapshot(sources);
  await new Promise((r) => setTimeout(r, 3000));
  const idle = [...cpuDelta(idleBefore, await snapshot(sources))].filter(([name, ms]) => ms > 0 && !name.startsWith(PG_CLIENT)).map(([name, ms]) => [name, ms / 3] as const);
  facts[`idle CPU ms/s ${tag}`] = Object.fromEntries(idle);
  log(`idle stack, CPU ms per second: ${idle.map(([name, ms]) => `${name} ${ms.toFixed(0)}`).join(', ')}`);
  return { stack, db, database, callers, fanTokens, sources, events };
}

async function closeSession(s: Session): Promise<void> {
  await s.events.close();
  await s.stack.stop();
  await s.db.end();
}

/** Transactions and rows written in the bench's database so far (pg_stat_database). */
async function pgWrites(db: pg.Client): Promise<{ commits: number; inserted: number; updated: number; deleted: number }> {
  const { rows } = await db.query<{ c: string; i: string; u: string; d: string }>(
    'select xact_commit c, tup_inserted i, tup_updated u, tup_deleted d from pg_stat_database where datname = current_database()',
  );
  const r = rows[0];
  return { commits: Number(r?.c), inserted: Number(r?.i), updated: Number(r?.u), deleted: Number(r?.d) };
}

/** CPU ms of one scrypt with member-svc's parameters (r = 8, p = 1, 32-byte key), timed in this process. */
function scryptMs(logN: number, runs: number): number {
  const N = 2 ** logN;
  const before = process.cpuUsage();
  for (let i = 0; i < runs; i += 1) scryptSync('bench password', 'bench salt 16 by', 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 + 2 ** 20 });
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / runs;
}

/** member-svc's CPU per sign-in as measured at the bench's scrypt cost, with both hash costs timed for the model. */
function signInCost(measured: { memberMsPerSignIn: number } | undefined): SignInCost | undefined {
  if (measured === undefined) return undefined;
  const production = memberConfig.shape.PASSWORD_SCRYPT_LOG_N.parse(undefined);
  return { memberMsPerSignIn: measured.memberMsPerSignIn, scryptMsBench: scryptMs(BENCH_SCRYPT_LOG_N, 8), scryptMsProduction: scryptMs(production, 2) };
}

type Op = 'follow feed' | 'my feed' | 'create post';
const MIX: readonly Op[] = [...Array<Op>(6).fill('follow feed'), ...Array<Op>(3).fill('my feed'), 'create post'];
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const page = (): number => Math.floor(Math.random() * 3);

function requestFor(op: Op, token: string, created: string[]): Req {
  if (op === 'follow feed') return { op, method: 'GET', path: `/api/timeline/posts/followings?page=${page()}&size=20`, token };
  if (op === 'my feed') return { op, method: 'GET', path: `/api/timeline/posts?page=${page()}&size=20`, token };
  return {
    op, method: 'POST', path: '/api/posts', token,
    body: JSON.stringify({ content: `bench post ${Date.now().toString(36)} ${Math.random().toString(36).slice(2)}` }),
    onOk: (body) => {
      const id = (JSON.parse(body) as { data?: { id?: number | string } }).data?.id;
      if (id !== undefined) created.push(String(id));
    },
  };
}

/** Runs one measured phase: CPU before, the load, (posts: wait until consumed), CPU after. */
async function phase(s: Session, row: string, run: (created: string[]) => Promise<LoadResult>, note?: string): Promise<Measured> {
  const created: string[] = [];
  const pgBefore = await pgWrites(s.db);
  const before = await snapshot(s.sources);
  const load = await Promise.race([run(created), s.stack.crashed]);
  let extra: Partial<Measured> = note ? { note } : {};
  if (created.length > 0 || load.byOp['create post']) {
    const stored = await storedPosts(s.db, created, 60_000);
    const drain = await s.events.drained(60_000);
    extra = { ...extra, stored, drain };
  }
  const delta = cpuDelta(before, await snapshot(s.sources));
  await new Promise((r) => setTimeout(r, 1100)); // backends report their statistics at most once a second
  const pgAfter = await pgWrites(s.db);
  const per = (k: keyof typeof pgAfter): number => (pgAfter[k] - pgBefore[k]) / Math.max(1, load.requests);
  extra = { ...extra, pg: { commits: per('commits'), inserted: per('inserted'), updated: per('updated'), deleted: per('deleted') } };
  const m = measure(row, load, delta, extra);
  if (errorRate(m) > MAX_ERROR_RATE) m.failed = `error rate ${(errorRate(m) * 100).toFixed(2)} % > ${MAX_ERROR_RATE * 100} %`;
  if (m.stored && (m.stored.activity < m.stored.expected || m.stored.search < m.stored.expected)) m.failed = `events missing: ${JSON.stringify(m.stored)}`;
  if (m.drain && !m.drain.drained) m.failed = `consumers not drained after 60 s (lag ${m.drain.lag})`;
  results.push(m);
  log(line(m));
  return m;
}

/** Warm-up, saturation (closed loop), then the open loop at --rate or half the saturation. */
async function row(s: Session, name: string, ops: readonly Op[], tokens: () => string): Promise<void> {
  const next = (created: string[]) => () => requestFor(pick(ops), tokens(), created);
  const client = createClient(s.stack.edge, CONNECTIONS);
  try {
    await closedLoop(client.send, next([]), Math.min(CONNECTIONS, 16), WARMUP);
    const sat = await phase(s, name, (c) => closedLoop(client.send, next(c), CONNECTIONS, SECONDS));
    const rate = a.rate ? Number(a.rate) : Math.max(1, Math.round(sat.load.ok / sat.load.seconds / 2));
    // Unmeasured, at the open loop's own rate: the stack first leaves the saturation phase behind
    // (its backlog, its heaps), so the measured seconds are the steady state at that rate.
    await openLoop(client.send, next([]), CONNECTIONS, rate, WARMUP);
    await phase(s, name, (c) => openLoop(client.send, next(c), CONNECTIONS, rate, SECONDS));
  } finally {
    client.close();
  }
}

/** The mix at saturation on the cold stack: measured and printed, never a target's figure. */
async function warmStack(s: Session, tokens: () => string): Promise<void> {
  const client = createClient(s.stack.edge, CONNECTIONS);
  try {
    await phase(s, 'stack warm-up (mix)', (c) => closedLoop(client.send, () => requestFor(pick(MIX), tokens(), c), CONNECTIONS, STACK_WARMUP));
  } finally {
    client.close();
  }
}

/** The no-op gRPC floor as a row; its rate is what the ratio targets divide by (the first one measured). */
async function grpcFloorRow(s: Session, name: string, note: string): Promise<number> {
  const before = await snapshot(s.sources);
  const g = await grpcFloor(s.stack.timelineAddr, CONNECTIONS, SECONDS);
  const gDelta = cpuDelta(before, await snapshot(s.sources));
  const gLoad: LoadResult = { mode: 'closed', connections: CONNECTIONS, seconds: g.seconds, requests: g.calls, ok: g.calls - g.errors, errors: g.errors ? { grpc: g.errors } : {}, byOp: { health: g.calls }, achieved: g.rate, p50: g.percentiles[0], p90: g.percentiles[1], p99: g.percentiles[2], p999: g.percentiles[3] };
  const only = (d: Map<string, number>, keep: Record<string, string>): Map<string, number> => new Map([...d].filter(([k]) => k in keep).map(([k, v]) => [keep[k]!, v]));
  const gm = measure(name, gLoad, only(gDelta, { timeline: 'timeline (floor)', bench: 'bench' }), { note });
  results.push(gm);
  log(line(gm));
  return g.rate;
}

async function floors(s: Session): Promise<void> {
  floorRate = await grpcFloorRow(s, 'floor: no-op gRPC', 'grpc.health.v1 Check on timeline-svc, 4 channels');
  await httpFloorRow(s, 'floor: bare Node http', await startHttpFloor());
  await httpFloorRow(s, 'floor: http → gRPC', await startShapeFloor(), 'a bare http server making one no-op grpc-js call per request');
  await httpFloorRow(s, 'floor: http → gRPC → Redis', await startShapeFloor(infra.redisUrl), 'the same, the gRPC server reading one Redis key per call');
  const bytes = await followFeedPageBytes(s.stack.timelineAddr, s.stack.edge, s.callers.slice(0, 20));
  facts['follow feed page bytes'] = bytes;
  await httpFloorRow(s, PAGE_SIZED_FLOOR, await startShapeFloor(infra.redisUrl, bytes), `the same, answering a follow-feed page's bytes: ${bytes.grpc} from the gRPC server, ${bytes.json} of JSON`);
}

/**
 * A floor served over HTTP (`server`'s processes only), like the edge's rows: closed loop by
 * default, or an open loop at `rate` (after --warmup seconds unmeasured at that rate).
 */
async function httpFloorRow(s: Session, name: string, server: FloorServer, note?: string, rate?: number): Promise<Measured> {
  const sources = { ...s.sources, pids: new Map([...s.sources.pids, ...server.pids]) };
  const client = createClient(server.base, CONNECTIONS);
  try {
    const req = (): Req => ({ op: 'floor', method: 'GET', path: '/api/timeline/posts/followings?page=0&size=20' });
    const run = (seconds: number): Promise<LoadResult> => (rate === undefined ? closedLoop(client.send, req, CONNECTIONS, seconds) : openLoop(client.send, req, CONNECTIONS, rate, seconds));
    await run(WARMUP);
    const before = await snapshot(sources);
    const load = await run(SECONDS);
    const keep = new Set([...server.pids.keys(), 'bench', ...server.stores]);
    const delta = new Map([...cpuDelta(before, await snapshot(sources))].filter(([k]) => keep.has(k)));
    const m = measure(name, load, delta, note ? { note } : {});
    results.push(m);
    log(line(m));
    return m;
  } finally {
    client.close();
    await server.stop();
  }
}

/**
 * The page-sized shape floor again, in an open loop at the rate of `row`'s `mode` phase: CPU per
 * request falls as the rate rises (more work per wake-up), so a row is compared with its hops at
 * the same rate; at the mix's open-loop rate the floor's p99 is the tail this machine gives a path
 * of three processes with no code in them.
 */
async function shapeAt(s: Session, row: string, mode: 'closed' | 'open'): Promise<void> {
  const bytes = facts['follow feed page bytes'] as PageBytes | undefined;
  const measured = results.find((m) => m.row === row && m.load.mode === mode);
  if (bytes === undefined || measured === undefined) return;
  const rate = Math.round(mode === 'open' ? (measured.load.offered ?? 0) : measured.load.ok / measured.load.seconds);
  const m = await httpFloorRow(s, 'floor: page-sized', await startShapeFloor(infra.redisUrl, bytes), `the page-sized shape floor at the rate of ${row} (${mode} loop)`, rate);
  log(`${row} (${mode}) vs the page-sized shape floor at ${rate} req/s: CPU ${measured.cpuTotal.toFixed(2)} against ${m.cpuTotal.toFixed(2)} ms per request (load generator ${(measured.cpu['bench'] ?? 0).toFixed(2)} against ${(m.cpu['bench'] ?? 0).toFixed(2)}), p99 ${measured.load.p99.toFixed(1)} against ${m.load.p99.toFixed(1)} ms`);
}

async function fanout(s: Session): Promise<void> {
  for (const followers of FAN_AUTHORS) {
    const token = s.fanTokens.get(followers)!;
    const { rows } = await s.db.query<{ n: string }>(
      `select p.followers_count n from member.member_profiles p join member.members m on m.id = p.member_id where m.email = $1`, [fanEmail(followers)]);
    const client = createClient(s.stack.edge, 8);
    try {
      await phase(s, `post, ${followers} followers`, (c) => closedLoop(client.send, () => requestFor('create post', token, c), 8, 0, FANOUT_POSTS),
        `author has ${rows[0]?.n} followers, ${Math.min(followers, s.callers.length)} of them callers with a stored feed`);
    } finally {
      client.close();
    }
  }
}

async function main(): Promise<number> {
  const started = Date.now();
  infraUp();
  const s = await openSession(a.database, DATA, 'main');
  let feedAtFull: Measured | undefined;
  let feeds: FeedMemory | undefined;
  try {
    const caller = (): string => pick(s.callers);
    if (ONLY.has('floors')) await floors(s);
    if (STACK_WARMUP > 0) await warmStack(s, caller);
    if (ONLY.has('mix')) await row(s, 'mix 60/30/10', MIX, caller);
    if (ONLY.has('mix')) await shapeAt(s, 'mix 60/30/10', 'open');
    if (ONLY.has('feed')) await row(s, 'follow feed', ['follow feed'], caller);
    if (ONLY.has('feed')) await shapeAt(s, 'follow feed', 'closed');
    feedAtFull = results.find((m) => m.row === 'follow feed' && m.load.mode === 'closed');
    if (ONLY.has('myfeed')) await row(s, 'my feed', ['my feed'], caller);
    if (ONLY.has('post')) await row(s, 'create post', ['create post'], caller);
    // The machine drifts within a run (README, "Performance"): the floor again after the rows it
    // is compared with shows how far. The targets keep dividing by the first.
    if (ONLY.has('floors')) floorAgain = await grpcFloorRow(s, 'floor: no-op gRPC, again', 'the same floor after the mix, feed and post rows: the machine\'s drift within the run');
    if (ONLY.has('fanout')) await fanout(s);
    const mem = await feedMemory(infra.redisUrl);
    feeds = mem;
    facts['stored feeds'] = mem;
    log(`stored feeds in Redis: ${mem.feeds}; sampled ${mem.sampled}: mean ${mem.meanEntries.toFixed(0)} entries, ${mem.meanBytes.toFixed(0)} bytes (list + meta); at ${mem.maxEntries} entries ${mem.bytesAtMaxEntries.toFixed(0)} bytes; Redis used_memory ${(mem.usedMemory / 1048576).toFixed(1)} MiB`);
  } finally {
    await closeSession(s);
  }
  if (ONLY.has('growth')) {
    const small = await openSession(`${a.database}_small`, { members: DATA.members, posts: Number(a['small-posts']) }, 'small');
    try {
      if (STACK_WARMUP > 0) await warmStack(small, () => pick(small.callers));
      await row(small, `follow feed @${Number(a['small-posts']) / 1000}k posts`, ['follow feed'], () => pick(small.callers));
    } finally {
      await closeSession(small);
    }
    const at = results.find((m) => m.row.startsWith('follow feed @') && m.load.mode === 'closed');
    if (feedAtFull && at) log(`growth: follow feed CPU ${at.cpuTotal.toFixed(2)} ms/request at ${a['small-posts']} posts vs ${feedAtFull.cpuTotal.toFixed(2)} at ${DATA.posts}`);
  }
  const t = targets(results, floorRate);
  const http = results.find((m) => m.row === 'floor: bare Node http');
  process.stdout.write(`\n== bench/mixed ${new Date().toISOString()} — ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  process.stdout.write(results.map(line).join('\n') + '\n');
  if (floorRate) process.stdout.write(`floors: no-op gRPC ${floorRate.toFixed(0)} calls/s${http ? `, bare Node http ${(http.load.ok / http.load.seconds).toFixed(0)} req/s` : ''}${floorAgain ? `; the gRPC floor again after the rows: ${floorAgain.toFixed(0)} calls/s (${floorAgain >= floorRate ? '+' : ''}${((floorAgain / floorRate - 1) * 100).toFixed(0)} %: the machine's drift over the run)` : ''}\n`);
  const shapes = results.filter((m) => m.row.startsWith('floor: http →') || m.row === PAGE_SIZED_FLOOR);
  const grpcRate = floorRate;
  if (grpcRate && shapes.length > 0) {
    const share = (m: Measured): string => `${(m.load.ok / m.load.seconds).toFixed(0)} req/s = ${((m.load.ok / m.load.seconds / grpcRate) * 100).toFixed(1)} % of the gRPC floor, ${m.cpuTotal.toFixed(2)} ms CPU`;
    process.stdout.write(`shape floors (a read's hops with no code in them; no edge or service code can beat these): ${shapes.map((m) => `${m.row.slice('floor: '.length)} ${share(m)}`).join('; ')}\n`);
  }
  const mix = results.find((m) => m.row === 'mix 60/30/10' && m.load.mode === 'closed');
  if (mix) {
    const idle = (facts['idle CPU ms/s main'] ?? {}) as Record<string, number>;
    const post = results.find((m) => m.row === 'create post' && m.load.mode === 'closed');
    const signIn = signInCost(facts['sign-in main'] as { memberMsPerSignIn: number } | undefined);
    process.stdout.write(`${capacityText(mix, feeds, idle, post, signIn)}\n`);
    facts['capacity'] = capacity(mix, idle, post, signIn);
  }
  process.stdout.write(`targets:\n${t.map((x) => `  ${x.met === undefined ? '  ?  ' : x.met ? ' met ' : 'MISSED'} ${x.name}: ${x.value} (target ${x.goal})`).join('\n')}\n`);
  const failed = results.filter((m) => m.failed);
  mkdirSync(join(root, '.run'), { recursive: true });
  const file = join(root, '.run/bench-mixed.json');
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg() }, args: a, facts, floorRate, rows: results, targets: t, seconds: (Date.now() - started) / 1000 }, null, 2));
  process.stdout.write(`summary: ${file}; ${((Date.now() - started) / 1000).toFixed(0)} s in all\n`);
  if (failed.length > 0) process.stderr.write(`FAILED rows: ${failed.map((m) => `${m.row} (${m.load.mode}): ${m.failed}`).join('; ')}\n`);
  return failed.length > 0 ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (err) {
  process.stderr.write(`bench/mixed failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
}
