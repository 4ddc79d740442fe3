// Bench: the REST edge's own CPU cost per request, with nothing behind it that costs anything.
// The gateway runs as its own process (`node gateway/src/main.ts`, rate limits off unless asked)
// in front of a trivial timeline-svc (its own process too) that answers ListFollowingPosts with
// the same realistic 10-post page from memory. A keep-alive HTTP client in this process drives
// GET /api/timeline/posts/followings at a fixed concurrency. Printed: requests/s, p50/p99, and
// CPU ms per request of the gateway, the fake backend and this client, read from /proc.
// Compare gateway CPU to the floors: a bare Node http JSON server ~0.07 ms, one no-op unary
// gRPC call ~0.13 ms on the client side (bench/grpc-floor.ts).
//
//   node bench/edge-cost.ts [--requests 20000] [--concurrency 16] [--path /api/...]
//                           [--profile DIR]   (gateway under --cpu-prof; prints top self time)
//                           [--rate-limit]    (edge limits on, Redis at REDIS_URL)
//                           [--backend-ms 40 --backend-capacity 4]  (a backend that saturates:
//                              at most that many calls at once, each that long, others queue)
//                           [--shed 8]        (SHED_MAX_IN_FLIGHT_PER_BACKEND of the edge)
//                           [--rate 200]      (open loop: requests start at this rate whatever
//                              is still in flight; latency from each scheduled start)
// With --backend-ms, 503s from load shedding are counted, not fatal; latency percentiles are of
// the admitted (200) requests. Closed loop, a shed client retries at once (the harshest case);
// open loop, a shed request is simply done.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { TimelineServiceService, type ListFollowingPostsResponse, type Post } from '@dailyfeed/gen/timeline/v1/timeline';
import { freePort } from '../test/support/spawn-service.ts';
import { liftedProfiles } from './mixed/stack.ts';
import { cpuPerRequest, cpuSnapshot } from './cpu.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    concurrency: { type: 'string', default: '16' },
    path: { type: 'string', default: '/api/timeline/posts/followings?page=0&size=10' },
    profile: { type: 'string' },
    'rate-limit': { type: 'boolean', default: false },
    'serve-backend': { type: 'string' },
    'backend-ms': { type: 'string', default: '0' },
    'backend-capacity': { type: 'string', default: '4' },
    shed: { type: 'string' },
    rate: { type: 'string' },
  },
});

/** Requests answered 503 by the edge's load shedding (with --backend-ms). */
let shed = 0;

if (args['serve-backend'] !== undefined) {
  await serveBackend(Number(args['serve-backend']));
} else {
  await runBench();
}

/** The fake timeline-svc: one fixed page, encoded per call as a real service would. */
async function serveBackend(port: number): Promise<void> {
  const page: ListFollowingPostsResponse = { content: Array.from({ length: 10 }, (_, i) => post(i)), page: 0, size: 10, hasNext: true };
  const server = new Server();
  const serviceMs = Number(args['backend-ms']);
  const capacity = Number(args['backend-capacity']);
  const waiting: (() => void)[] = [];
  let busy = 0;
  const serve = (answer: () => void): void => {
    busy += 1;
    setTimeout(() => {
      answer();
      busy -= 1;
      waiting.shift()?.();
    }, serviceMs);
  };
  server.addService(TimelineServiceService, {
    listFollowingPosts: (_call: unknown, callback: (err: null, value: ListFollowingPostsResponse) => void) => {
      const answer = (): void => callback(null, page);
      if (serviceMs <= 0) answer();
      else if (busy < capacity) serve(answer);
      else waiting.push(() => serve(answer));
    },
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
}

function post(i: number): Post {
  return {
    id: String(1_000_000 + i),
    title: '',
    content: `오늘의 기록 ${i}: ${'짧은 산책을 하고 커피를 마셨다. '.repeat(4)}#daily`,
    authorId: String(4200 + i),
    authorName: `회원 ${i}`,
    authorHandle: `member_${i}`,
    authorAvatarUrl: `/api/images/view/${9000 + i}`,
    viewCount: String(120 + i),
    likeCount: String(i * 3),
    commentCount: String(i),
    liked: i % 2 === 0,
    createdAt: new Date(Date.UTC(2026, 10, 1, 9, i)),
    updatedAt: i % 3 === 0 ? new Date(Date.UTC(2026, 10, 1, 10, i)) : undefined,
  };
}

async function runBench(): Promise<void> {
  const [backendPort, httpPort] = [await freePort(), await freePort()];
  const backend = spawn(process.execPath, [fileURLToPath(import.meta.url), '--serve-backend', String(backendPort), '--backend-ms', args['backend-ms'], '--backend-capacity', args['backend-capacity']], { stdio: 'inherit' });
  const profileDir = args.profile === undefined ? undefined : join(process.cwd(), args.profile);
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const gateway = spawn(process.execPath, [...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]), join(root, 'gateway/src/main.ts')], {
    // Logs go to /dev/null: the line per request is still formatted and written, as in production.
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      HTTP_PORT: String(httpPort),
      TIMELINE_ADDR: `127.0.0.1:${backendPort}`,
      RATE_LIMIT_ENABLED: String(args['rate-limit']),
      RESILIENCE_DIR: liftedProfiles(), // the breaker on, its client rate limit lifted (bench/mixed/stack.ts)
      LOG_LEVEL: 'info',
      ...(args.shed === undefined ? {} : { SHED_MAX_IN_FLIGHT_PER_BACKEND: args.shed }),
    },
  });
  try {
    const base = `http://127.0.0.1:${httpPort}`;
    await waitUntilUp(`${base}/healthz`);
    const concurrency = Number(args.concurrency);
    const agent = new Agent({ keepAlive: true, maxSockets: args.rate === undefined ? concurrency : 4096 });
    const get = (): Promise<number> => timedGet(agent, `${base}${args.path}`);
    const firstStatus = await get();
    if (firstStatus !== 200) throw new Error(`GET ${args.path} answered ${firstStatus}`);
    await drive(get, 3000, concurrency); // warm-up: JIT, pools, sockets
    const pids = { gateway: gateway.pid ?? 0, backend: backend.pid ?? 0, client: process.pid };
    // Only our three processes: cpuSnapshot also counts every PostgreSQL, Redis and Kafka here.
    const mine = (m: Map<string, number>): Map<string, number> => new Map([...m].filter(([name]) => name in pids));
    const before = mine(cpuSnapshot(pids));
    const started = performance.now();
    const shedBefore = shed;
    const latencies = args.rate === undefined ? await drive(get, Number(args.requests), concurrency) : await driveOpen(get, Number(args.requests), Number(args.rate));
    const seconds = (performance.now() - started) / 1000;
    const after = mine(cpuSnapshot(pids));
    latencies.sort((a, b) => a - b);
    const at = (q: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2);
    process.stdout.write(
      `GET ${args.path} x${latencies.length} ${args.rate === undefined ? `at ${concurrency} in flight` : `offered ${args.rate}/s`}: ${(latencies.length / seconds).toFixed(0)} req/s, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms` +
        `${shed > shedBefore ? `, ${shed - shedBefore} shed (503)` : ''}\n` +
        `  ${cpuPerRequest(before, after, latencies.length)}\n`,
    );
    agent.destroy();
  } finally {
    await stop(gateway);
    await stop(backend);
  }
  if (profileDir !== undefined) printProfile(profileDir);
}

async function waitUntilUp(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gateway not up at ${url}`);
}

/** `count` answered (200) requests, `concurrency` at a time, their latencies (ms); 503s counted. */
async function drive(get: () => Promise<number>, count: number, concurrency: number): Promise<number[]> {
  const latencies: number[] = [];
  let issued = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < count) {
        issued += 1;
        const t0 = performance.now();
        const status = await get();
        if (status === 503 && Number(args['backend-ms']) > 0) {
          shed += 1;
          issued -= 1;
          continue;
        }
        latencies.push(performance.now() - t0);
        if (status !== 200) throw new Error(`status ${status}`);
      }
    }),
  );
  return latencies;
}

/** Open loop: request i starts at i / rate s, in flight or not; latencies of the 200s. */
async function driveOpen(get: () => Promise<number>, count: number, rate: number): Promise<number[]> {
  const latencies: number[] = [];
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < count; i += 1) {
    const scheduled = started + (i * 1000) / rate;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      get().then((status) => {
        if (status === 503) shed += 1;
        else if (status === 200) latencies.push(performance.now() - scheduled);
        else throw new Error(`status ${status}`);
      }),
    );
  }
  await Promise.all(pending);
  return latencies;
}

function timedGet(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: 'Bearer bench-token', 'user-agent': 'edge-cost' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

/** Self time per function of the newest .cpuprofile in `dir`, the top 30. */
function printProfile(dir: string): void {
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .at(-1);
  if (file === undefined) return;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const nameOf = new Map(profile.nodes.map((n) => [n.id, `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(gateway|bench)\//, '$1/')}:${n.callFrame.lineNumber + 1}`]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const name = nameOf.get(id) ?? '?';
    self.set(name, (self.get(name) ?? 0) + us);
    total += us;
  });
  process.stdout.write(`profile ${file}: top self time (${(total / 1000).toFixed(0)} ms sampled)\n`);
  for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    process.stdout.write(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}\n`);
  }
}
