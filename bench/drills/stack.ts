// The stack a drill breaks: member, content, timeline, search and activity as their own
// processes (`node services/<name>/src/main.ts`, as in production) and the gateway process in
// front of them, all on free ports, every DATABASE_URL through the drill's PostgreSQL proxy.
// image-svc is left out: no drill writes images.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { HealthClient, HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import { freePort } from '../../test/support/spawn-service.ts';
import { sleep } from './infra.ts';

export type ServiceName = 'member' | 'content' | 'timeline' | 'search' | 'activity';
export type ComponentName = ServiceName | 'gateway';

export interface Component {
  readonly name: ComponentName;
  readonly port: number;
  readonly pid: () => number | undefined;
  /** Starts the process (again, on the same ports) and waits until it is healthy. */
  start(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
  healthy(): Promise<boolean>;
  /** How the process ended on its own (not through kill) since the last call, e.g. 'code 1'; then forgotten. */
  takeUnexpectedExits(): string[];
}

export interface StackOptions {
  readonly repoRoot: string;
  readonly logDir: string;
  readonly databaseUrl: string;
  readonly readUrl: string;
  readonly redisUrl: string;
  readonly kafkaBrokers: string;
  /** Resolves once the broker is ready: content and the consumers wait for it, member does not. */
  readonly kafkaUp: Promise<void>;
  /** Extra environment for every process (e.g. consumer settings). */
  readonly env?: Record<string, string>;
}

export interface Stack {
  readonly edge: string;
  readonly components: ReadonlyMap<ComponentName, Component>;
  get(name: ComponentName): Component;
  /** Restarts whatever is not healthy (between drills, so one drill's damage is not the next one's). */
  heal(): Promise<ComponentName[]>;
  stop(): Promise<void>;
}

/** Readiness ('' is liveness only): the service's own grpc.health.v1 name, e.g. dailyfeed.member.v1.MemberService. */
function grpcServing(port: number, short: string): Promise<boolean> {
  const service = `dailyfeed.${short}.v1.${short.charAt(0).toUpperCase()}${short.slice(1)}Service`;
  const client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client.check({ service }, new Metadata(), { deadline: Date.now() + 2000 }, (err, res) => {
      client.close();
      resolve(!err && res.status === Serving.SERVING);
    });
  });
}

async function httpHealthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

function migrate(options: StackOptions, name: ServiceName): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(options.repoRoot, 'services', name, 'src/main.ts'), 'migrate'], {
      env: { ...process.env, ...options.env, DATABASE_URL: options.databaseUrl, CONTENT_READ_DATABASE_URL: options.readUrl, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} migrate failed: ${err}`))));
  });
}

function component(name: ComponentName, port: number, script: string, env: NodeJS.ProcessEnv, logDir: string): Component {
  let child: ChildProcess | undefined;
  let killing = false;
  let unexpected: string[] = [];
  const healthy = (): Promise<boolean> => (name === 'gateway' ? httpHealthy(port) : grpcServing(port, name));
  return {
    name,
    port,
    pid: () => child?.pid,
    healthy,
    async start() {
      const out = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
      const c = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      c.stdout.pipe(out);
      c.stderr.pipe(out);
      child = c;
      killing = false;
      c.once('exit', (code, signal) => {
        if (!killing) unexpected.push(signal === null ? `code ${String(code)}` : `signal ${signal}`);
      });
      const deadline = Date.now() + 120_000;
      while (Date.now() < deadline) {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`${name} exited while starting; see ${join(logDir, `${name}.log`)}`);
        if (await healthy()) return;
        await sleep(250);
      }
      throw new Error(`${name} not healthy after 120 s; see ${join(logDir, `${name}.log`)}`);
    },
    async kill(signal) {
      const c = child;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      killing = true;
      c.kill(signal);
      await exited;
    },
    takeUnexpectedExits() {
      const taken = unexpected;
      unexpected = [];
      return taken;
    },
  };
}

async function waitHealthy(c: Component, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await c.healthy()) return true;
    if (Date.now() > deadline) return false;
    await sleep(500);
  }
}

/** timeline-svc's FEED_CAP in the drills: a stored feed holds this many newest posts. */
export const DRILL_FEED_CAP = 800;

export async function startStack(options: StackOptions): Promise<Stack> {
  mkdirSync(options.logDir, { recursive: true });
  const names: ServiceName[] = ['member', 'content', 'timeline', 'search', 'activity'];
  const ports = new Map<ComponentName, number>();
  for (const name of [...names, 'gateway'] as const) ports.set(name, await freePort());
  const addr = (name: ServiceName): string => `127.0.0.1:${ports.get(name) ?? 0}`;
  const shared: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    DATABASE_URL: options.databaseUrl,
    CONTENT_READ_DATABASE_URL: options.readUrl,
    REDIS_URL: options.redisUrl,
    KAFKA_BROKERS: options.kafkaBrokers,
    MEMBER_ADDR: addr('member'),
    CONTENT_ADDR: addr('content'),
    TIMELINE_ADDR: addr('timeline'),
    SEARCH_ADDR: addr('search'),
    ACTIVITY_ADDR: addr('activity'),
    // No image-svc in the drills: the edge's image routes answer 503.
    IMAGE_ADDR: `127.0.0.1:${await freePort()}`,
    HEALTH_INTERVAL_MS: '500',
    FEED_CAP: String(DRILL_FEED_CAP),
    PASSWORD_SCRYPT_LOG_N: '14',
    LOG_LEVEL: 'info',
    // Every load client is 127.0.0.1: member-svc's per-address login/signup throttles and its
    // per-client hashing bound would count the whole load as one client.
    LOGINS_PER_ADDRESS: '1000000',
    SIGNUPS_PER_ADDRESS: '1000000',
    FAILED_LOGINS_PER_ACCOUNT: '1000000',
    PASSWORD_HASH_PER_CLIENT: '0',
    PASSWORD_HASH_QUEUE: '1000',
    PASSWORD_HASH_MAX_WAIT_MS: '20000',
  };
  const components = new Map<ComponentName, Component>();
  for (const name of names) {
    const env = { ...shared, GRPC_PORT: String(ports.get(name)), METRICS_PORT: String(await freePort()) };
    components.set(name, component(name, ports.get(name) ?? 0, join(options.repoRoot, 'services', name, 'src/main.ts'), env, options.logDir));
  }
  const gatewayPort = ports.get('gateway') ?? 0;
  // The edge's per-backend bound sized as an operator would for this stack: near a backend's
  // concurrency at saturation (the overload drill measures content-svc saturating at ~16 writes
  // in flight on 2 cores); the default (64) suits larger replicas.
  const gatewayEnv = { ...shared, HTTP_PORT: String(gatewayPort), RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'warn', SHED_MAX_IN_FLIGHT_PER_BACKEND: '16' };
  components.set('gateway', component('gateway', gatewayPort, join(options.repoRoot, 'gateway/src/main.ts'), gatewayEnv, options.logDir));
  const get = (name: ComponentName): Component => {
    const c = components.get(name);
    if (c === undefined) throw new Error(`no component ${name}`);
    return c;
  };

  // Timeline's migration grants its read-only role on content's tables, so it runs last.
  await Promise.all((['member', 'content', 'search', 'activity'] as const).map((name) => migrate(options, name)));
  await migrate(options, 'timeline');
  try {
    await get('member').start();
    await options.kafkaUp;
    // content creates today's and tomorrow's day topics, which the consumers subscribe to.
    await get('content').start();
    await Promise.all((['timeline', 'search', 'activity', 'gateway'] as const).map((name) => get(name).start()));
  } catch (err: unknown) {
    // A component that did not come up fails the start: the ones that did must not outlive it.
    await Promise.all([...components.values()].map((c) => c.kill('SIGKILL')));
    throw err;
  }

  const stack: Stack = {
    edge: `http://127.0.0.1:${gatewayPort}`,
    components,
    get,
    async heal() {
      const healed: ComponentName[] = [];
      for (const c of components.values()) {
        // A service checks its dependencies every HEALTH_INTERVAL_MS: give it time to see them back.
        if (await waitHealthy(c, 30_000)) continue;
        await c.kill('SIGKILL');
        await c.start();
        healed.push(c.name);
      }
      // The edge's channels reconnect with backoff: wait until it reaches member-svc again.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const res = await fetch(`http://127.0.0.1:${gatewayPort}/api/members/profile/@nobody_drill`).catch(() => undefined);
        if (res !== undefined && res.status !== 503) break;
        await sleep(500);
      }
      return healed;
    },
    async stop() {
      const all = [...components.values()];
      await Promise.race([Promise.all(all.map((c) => c.kill('SIGTERM'))), sleep(15_000)]);
      await Promise.all(all.map((c) => c.kill('SIGKILL')));
    },
  };
  return stack;
}

/** SIGKILLs the stack's processes (for an exit handler: the drill process died or was interrupted). */
export function killNow(stack: Stack): void {
  for (const c of stack.components.values()) {
    const pid = c.pid();
    try {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
