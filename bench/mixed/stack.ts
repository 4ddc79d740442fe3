// bench/mixed: the system under test. Brings up (or reuses) PostgreSQL, Redis and Kafka through
// infra/infra.sh, creates and migrates the bench's own database, and runs the six services and
// the REST edge as their own processes (`node <the image's flags> services/<name>/src/main.ts`,
// `node <flags> gateway/src/main.ts`) on free ports, as `npm start` does, with the edge's rate
// limits off.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata } from '@grpc/grpc-js';
import { HealthClient, HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import pg from 'pg';
import { dockerfileOf, imageNodeFlags } from '../../scripts/node-flags.ts';
import { freePort } from '../../test/support/spawn-service.ts';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const SERVICES = ['member', 'content', 'timeline', 'image', 'search', 'activity'] as const;
export type ServiceName = (typeof SERVICES)[number];
export type ProcessName = ServiceName | 'edge';

/** Consumer groups of the bench's stack: its own, so a development stack on the same broker never shares partitions with it. */
/** scrypt cost (log2 N) of the bench's member-svc, whose members are seeded at it; production runs 17 (member config). */
export const BENCH_SCRYPT_LOG_N = 14;
export const GROUPS = { activity: 'bench-mixed-activity', search: 'bench-mixed-search', timeline: 'bench-mixed-timeline-fanout' } as const;

export interface Infra {
  readonly adminUrl: string;
  readonly redisUrl: string;
  readonly redisPort: number;
  readonly kafkaBroker: string;
  readonly kafkaPort: number;
}

export function infraFromEnv(): Infra {
  const redisPort = Number(process.env.REDIS_PORT ?? 6379);
  const kafkaPort = Number(process.env.KAFKA_PORT ?? 9092);
  return {
    adminUrl: process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    // Its own Redis database, emptied when a stack starts: stored feeds start cold, and bench member ids never meet development data.
    redisUrl: `redis://127.0.0.1:${redisPort}/${process.env.BENCH_REDIS_DB ?? '14'}`,
    redisPort,
    kafkaBroker: `127.0.0.1:${kafkaPort}`,
    kafkaPort,
  };
}

/** infra/infra.sh up with the same ports (it reuses what runs and starts what does not). SKIP_INFRA=1 skips it. */
export function infraUp(): void {
  if (process.env.SKIP_INFRA === '1') return;
  const result = spawnSync('bash', [join(root, 'infra/infra.sh'), 'up'], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DATABASES: 'postgres' } });
  if (result.status !== 0) throw new Error(`infra/infra.sh up failed (exit ${result.status})`);
}

export function databaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates the database when missing; true when it was created. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<boolean> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`database name ${name}: use [a-z0-9_] only`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (rows.length > 0) return false;
    await admin.query(`create database ${name}`);
    return true;
  } finally {
    await admin.end();
  }
}

function migrateOne(name: ServiceName, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'services', name, 'src/main.ts'), 'migrate'], {
      env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} migrate failed (exit ${code}): ${out.slice(-2000)}`))));
  });
}

/** Every service's migrations; timeline's last (it grants its read-only role on content's tables). */
export async function migrateAll(url: string): Promise<void> {
  await Promise.all(SERVICES.filter((s) => s !== 'timeline').map((s) => migrateOne(s, url)));
  await migrateOne('timeline', url);
}

export interface Stack {
  readonly edge: string;
  readonly timelineAddr: string;
  readonly pids: ReadonlyMap<ProcessName, number>;
  readonly metricsPorts: ReadonlyMap<ServiceName, number>;
  /** Rejects as soon as any process of the stack exits on its own. */
  readonly crashed: Promise<never>;
  stop(): Promise<void>;
}

export interface StackOptions {
  readonly infra: Infra;
  readonly databaseUrl: string;
  readonly logLevel?: string;
  /** NODE_OPTIONS for every process (e.g. --cpu-prof --cpu-prof-dir=...). */
  readonly nodeOptions?: string;
  readonly tag: string;
}

/** Readiness ('' is liveness only): the service's own grpc.health.v1 name, e.g. dailyfeed.member.v1.MemberService. */
function grpcServing(port: number, short: string): Promise<boolean> {
  const service = `dailyfeed.${short}.v1.${short.charAt(0).toUpperCase()}${short.slice(1)}Service`;
  const client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) =>
    client.check({ service }, new Metadata(), { deadline: Date.now() + 1000 }, (err, res) => {
      client.close();
      resolve(!err && res.status === Serving.SERVING);
    }),
  );
}

async function httpHealthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { infra } = options;
  const ports = new Map<ProcessName, number>();
  const metricsPorts = new Map<ServiceName, number>();
  for (const name of [...SERVICES, 'edge'] as const) ports.set(name, await freePort());
  for (const name of SERVICES) metricsPorts.set(name, await freePort());
  const addr = (name: ServiceName): string => `127.0.0.1:${ports.get(name)}`;
  const read = new URL(options.databaseUrl);
  read.username = 'dailyfeed_timeline_ro';
  read.password = '';
  const profiles = liftedProfiles();
  const common: Record<string, string> = {
    DATABASE_URL: options.databaseUrl,
    CONTENT_READ_DATABASE_URL: read.toString(),
    REDIS_URL: infra.redisUrl,
    KAFKA_BROKERS: infra.kafkaBroker,
    MEMBER_ADDR: addr('member'),
    CONTENT_ADDR: addr('content'),
    TIMELINE_ADDR: addr('timeline'),
    IMAGE_ADDR: addr('image'),
    SEARCH_ADDR: addr('search'),
    ACTIVITY_ADDR: addr('activity'),
    KAFKA_CONSUMER_GROUP: GROUPS.activity,
    SEARCH_GROUP_ID: GROUPS.search,
    FANOUT_GROUP_ID: GROUPS.timeline,
    // The bench's template member is signed up at the lowest allowed cost; serving paths never hash.
    PASSWORD_SCRYPT_LOG_N: String(BENCH_SCRYPT_LOG_N),
    // Every load client is 127.0.0.1: member-svc's per-address login/signup throttles and its
    // per-client hashing bound would count the whole load as one client.
    LOGINS_PER_ADDRESS: '1000000',
    SIGNUPS_PER_ADDRESS: '1000000',
    FAILED_LOGINS_PER_ACCOUNT: '1000000',
    PASSWORD_HASH_PER_CLIENT: '0',
    PASSWORD_HASH_QUEUE: '1000',
    PASSWORD_HASH_MAX_WAIT_MS: '20000',
    RATE_LIMIT_ENABLED: 'false', // the edge only: one load generator would otherwise be throttled as one client
    // Circuit breakers on every call path, as deployed; the profiles' client rate limits lifted
    // (see liftedProfiles).
    RESILIENCE_DIR: profiles,
    MEMBER_RESILIENCE_FILE: join(profiles, 'member.json'),
    TIMELINE_RESILIENCE_FILE: join(profiles, 'timeline.json'),
    IMAGE_RESILIENCE_FILE: join(profiles, 'image.json'),
    KAFKAJS_NO_PARTITIONER_WARNING: '1',
    ...(options.logLevel ? { LOG_LEVEL: options.logLevel } : {}),
    ...(options.nodeOptions ? { NODE_OPTIONS: options.nodeOptions } : {}),
  };
  mkdirSync(join(root, '.run/logs'), { recursive: true });
  const children = new Map<ProcessName, ChildProcess>();
  let stopping = false;
  let fail: (err: Error) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => (fail = reject));
  crashed.catch(() => undefined); // observed by whoever races it
  const launch = (name: ProcessName, script: string, env: Record<string, string>): void => {
    const logFile = join(root, '.run/logs', `bench-${options.tag}-${name}.log`);
    // The child writes its log file itself: relayed through this process, every log line cost the
    // load generator CPU on the cores it shares with the stack.
    const out = openSync(logFile, 'w');
    const child = spawn(process.execPath, [...imageNodeFlags(root, dockerfileOf(script)), join(root, script)], { cwd: root, env: { ...process.env, ...common, ...env }, stdio: ['ignore', out, out] });
    closeSync(out);
    child.on('exit', (code, signal) => {
      if (!stopping) fail(new Error(`${name} exited (${signal ?? code}); see ${logFile}`));
    });
    children.set(name, child);
  };
  // PGAPPNAME names each service's connections (node-postgres reads it where a pool sets no
  // application_name) so the bench can tell PostgreSQL's CPU by client.
  for (const name of SERVICES) launch(name, `services/${name}/src/main.ts`, { GRPC_PORT: String(ports.get(name)), METRICS_PORT: String(metricsPorts.get(name)), PGAPPNAME: `${name}-svc` });
  launch('edge', 'gateway/src/main.ts', { HTTP_PORT: String(ports.get('edge')) });
  const stop = async (): Promise<void> => {
    stopping = true;
    const exits = [...children.values()].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => new Promise((r) => c.once('exit', r)));
    for (const child of children.values()) child.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 15_000))]);
    for (const child of children.values()) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const healthy = async (name: ProcessName): Promise<void> => {
    const port = ports.get(name) ?? 0;
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      if (await (name === 'edge' ? httpHealthy(port) : grpcServing(port, name))) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${name} not healthy after 90 s; see .run/logs/bench-${options.tag}-${name}.log`);
  };
  try {
    await Promise.race([Promise.all([...children.keys()].map(healthy)), crashed]);
  } catch (err) {
    await stop();
    throw err;
  }
  const pids = new Map([...children].map(([name, child]) => [name, child.pid ?? 0] as const));
  return { edge: `http://127.0.0.1:${ports.get('edge')}`, timelineAddr: addr('timeline'), pids, metricsPorts, crashed, stop };
}

/**
 * The mesh's resilience profiles with their client rate limits lifted, in .run/bench-resilience:
 * the seed's limits (200 calls/s per caller instance for member and timeline) would answer most
 * of a saturating load with 429, as the edge's per-client limit would (RATE_LIMIT_ENABLED=false).
 * The breakers keep the profiles' numbers, so their cost per call is in the figures.
 */
export function liftedProfiles(): string {
  const from = join(root, 'mesh/generated/resilience');
  const dir = join(root, '.run/bench-resilience');
  mkdirSync(dir, { recursive: true });
  for (const file of readdirSync(from).filter((f) => f.endsWith('.json'))) {
    const profile = JSON.parse(readFileSync(join(from, file), 'utf8')) as { rateLimiter: { limitForPeriod: number } };
    profile.rateLimiter.limitForPeriod = 1_000_000_000;
    writeFileSync(join(dir, file), `${JSON.stringify(profile, null, 2)}\n`);
  }
  return dir;
}
