// `npm start` supervises its processes: a service that dies is restarted with a log line while
// the others keep answering, and Ctrl-C (SIGINT) still stops everything the runner started.
// It runs with `--replicas member=2`: two supervised member-svc copies, both reached by callers.
// The runner runs here as a second copy on free ports against the test infrastructure
// (SKIP_INFRA=1: it never starts or stops PostgreSQL, Redis or Kafka).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import { Metadata } from '@grpc/grpc-js';
import { callEmpty, Code, healthStatus } from './support/grpc.ts';
import { FREE_PORT_RANGE, portFree, TEST_DATABASE_URL } from './support/spawn-service.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
/** timeline's read-only role on the same test database. */
const READ_URL = TEST_DATABASE_URL.replace('postgres://postgres@', 'postgres://dailyfeed_timeline_ro@');

/** A base port with the ports the runner takes (base..base+20, and member's second copy at base+100 and base+110) all free right now. */
async function freePortBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below the ephemeral range (see freePort), with room for base+110.
    const base = FREE_PORT_RANGE.low + Math.floor(Math.random() * (FREE_PORT_RANGE.high - FREE_PORT_RANGE.low - 110));
    const probes = await Promise.all([...Array.from({ length: 21 }, (_, i) => base + i), base + 100, base + 110].map(portFree));
    if (probes.every(Boolean)) return base;
  }
  throw new Error('no free range of 21 ports found');
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const serving = async (port: number): Promise<boolean> => {
  try {
    return (await healthStatus(port)) === Serving.SERVING;
  } catch {
    return false;
  }
};

const COMPONENTS = ['member-svc', 'member-svc-2', 'content-svc', 'timeline-svc', 'image-svc', 'search-svc', 'activity-svc', 'gateway'];

/** RPCs a member-svc copy has handled so far (any method, any status), from its /metrics. */
async function memberCalls(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith('grpc_server_handling_seconds_count{')) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

describe('npm start supervision', () => {
  let runner: ChildProcess;
  let output = '';
  let base = 0;
  /** pid of each component as the runner's "started" lines report it, newest last. */
  const pids = (name: string): number[] => [...output.matchAll(new RegExp(`^${name} started \\(pid (\\d+)\\)$`, 'gm'))].map((m) => Number(m[1]));

  before(async () => {
    base = await freePortBase();
    runner = spawn(process.execPath, ['scripts/start.ts', '--replicas', 'member=2'], {
      cwd: root,
      env: {
        ...process.env,
        SKIP_INFRA: '1',
        START_PORT_BASE: String(base),
        DATABASE_URL: TEST_DATABASE_URL,
        CONTENT_READ_DATABASE_URL: READ_URL,
        REDIS_URL,
        KAFKA_BROKERS,
        RATE_LIMIT_ENABLED: 'false',
        PASSWORD_SCRYPT_LOG_N: '14',
        HEALTH_INTERVAL_MS: '500',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    runner.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    runner.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until(() => (/dailyfeed is up/.test(output) ? true : runner.exitCode !== null ? assert.fail(`runner exited:\n${output}`) : undefined), 150_000, `the runner to be up; output so far:\n${output}`);
  });

  after(() => {
    if (runner.exitCode === null) runner.kill('SIGKILL');
    for (const name of COMPONENTS) {
      for (const pid of pids(name)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('when started with --replicas member=2, then both copies run supervised and the edge and content-svc reach both', async () => {
    assert.match(output, /^member-svc-2 +healthy +grpc 127\.0\.0\.1:\d+/m);
    const metrics = [base + 10, base + 110];
    const before = await Promise.all(metrics.map(memberCalls));
    const bogus = (i: number) => {
      const md = new Metadata();
      md.set('authorization', `Bearer not-a-token-${i}`);
      return md;
    };
    // Each call makes its caller ask member-svc (GetMySummary behind /api/members/summary at the edge, Authenticate from content-svc).
    for (let i = 0; i < 10; i++) {
      assert.equal((await fetch(`http://127.0.0.1:${base + 20}/api/members/summary`, { headers: { authorization: `Bearer not-a-token-${i}` } })).status, 401);
      assert.equal((await callEmpty(base + 1, '/dailyfeed.content.v1.ContentService/CreatePost', bogus(i))).code, Code.UNAUTHENTICATED);
    }
    const after = await Promise.all(metrics.map(memberCalls));
    const handled = after.map((n, i) => n - (before[i] ?? 0));
    assert.ok(handled.every((n) => n > 0), `both member-svc copies handled calls (${handled.join(', ')})`);
    assert.equal((handled[0] ?? 0) + (handled[1] ?? 0) >= 20, true, `every call reached a member-svc copy (${handled.join(', ')})`);
  });

  it('when started, then every process runs with the node flags of its image (scripts/node-flags.ts)', () => {
    for (const name of COMPONENTS) {
      const pid = pids(name).at(-1);
      assert.ok(pid !== undefined, `${name} started`);
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      assert.ok(argv.includes('--v8-pool-size=1'), `${name} runs with --v8-pool-size=1: ${argv.join(' ')}`);
    }
  });

  it('when a service is SIGKILLed, then the runner restarts it with a log line while the others keep answering', async () => {
    const contentPort = base + 1;
    const timelinePort = base + 2;
    const [killed] = pids('content-svc');
    assert.ok(killed !== undefined && alive(killed), output);
    let timelineAnswers = 0;
    let timelineFailures = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        if (await serving(timelinePort)) timelineAnswers++;
        else timelineFailures++;
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    process.kill(killed, 'SIGKILL');
    await until(() => (/^content-svc exited \(SIGKILL\) after [\d.]+ s; restarting in [\d.]+ s \(restart #1\)/m.test(output) ? true : undefined), 10_000, 'the exit line');
    const restarted = await until(() => pids('content-svc').find((pid) => pid !== killed), 15_000, 'content-svc to be started again');
    assert.ok(alive(restarted));
    await until(async () => ((await serving(contentPort)) ? true : undefined), 60_000, 'the restarted content-svc to be SERVING');
    watching = false;
    await watcher;
    assert.equal(runner.exitCode, null, `the runner kept running:\n${output}`);
    assert.ok(timelineAnswers > 0, 'timeline-svc was checked');
    assert.equal(timelineFailures, 0, 'timeline-svc answered SERVING all along');
    const gateway = await fetch(`http://127.0.0.1:${base + 20}/healthz`);
    assert.equal(gateway.status, 200);
    for (const name of COMPONENTS.filter((c) => c !== 'content-svc')) {
      assert.equal(pids(name).length, 1, `${name} was not restarted`);
      assert.ok(alive(pids(name)[0] ?? 0), `${name} is still running`);
    }
  });

  it('when the runner gets SIGINT, then every process it started exits and so does the runner', async () => {
    const all = COMPONENTS.flatMap(pids);
    assert.equal(all.length, 9, output);
    const exited = new Promise<number | null>((resolve) => runner.once('exit', (code) => resolve(code)));
    runner.kill('SIGINT');
    assert.equal(await exited, 0, output);
    for (const pid of all) assert.equal(alive(pid), false, `pid ${pid} still runs:\n${output}`);
    assert.doesNotMatch(output.slice(output.indexOf('stopping dailyfeed')), /started \(pid/, 'nothing is restarted while stopping');
  });
});
