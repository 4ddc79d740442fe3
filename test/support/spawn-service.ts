// Test support: runs a service as its own process (`node services/<name>/src/main.ts`), the way
// it runs in production, on free ports, and waits until it reports ready (SERVING under its
// service name). Component
// tests of one service use it to get a real instance of another (e.g. member-svc for
// Authenticate) without importing that service's code, and crash tests use kill() to SIGKILL it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import { waitForHealth } from './grpc.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed_test';

/** The mesh-generated grpc-js config of every callee, by path, as scripts/start.ts passes them. */
export const GRPC_CONFIG_FILES = Object.fromEntries(
  ['member', 'content', 'timeline', 'image', 'search', 'activity'].map((t) => [`${t.toUpperCase()}_GRPC_CONFIG_FILE`, join(root, 'mesh/generated/grpc', `${t}.json`)]),
);

/**
 * member-svc's revocation channel for the services of this test process. Redis pub/sub ignores
 * the database number, so test files running at once would otherwise hear each other's member-svc:
 * heartbeats of a member-svc that another file stops read as silence, its revocations as noise.
 */
export const TEST_REVOCATION_CHANNEL = `dailyfeed:member:revocations:test-${process.pid}`;

export type ServiceName = 'member' | 'content' | 'timeline' | 'image' | 'search' | 'activity';

export interface SpawnedService {
  readonly name: ServiceName;
  readonly grpcPort: number;
  readonly address: string;
  readonly process: ChildProcess;
  /** Where its stdout and stderr (pino JSON lines) go. */
  readonly logFile: string;
  /** SIGTERM and wait for exit (graceful). */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit (crash). */
  kill(): Promise<void>;
}

/** Ports drawn by freePort: below the kernel's ephemeral range (32768-60999 on Linux). */
export const FREE_PORT_RANGE = { low: 20_000, high: 32_000 } as const;

/**
 * A port that is free now, drawn below the kernel's ephemeral range. A port the kernel hands out
 * (listen(0)) can be taken as the source port of any outgoing connection (to PostgreSQL, Redis,
 * Kafka) before the process it is meant for binds it, which failed runs with EADDRINUSE now and
 * then; outgoing connections never take a port below the range.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = FREE_PORT_RANGE.low + Math.floor(Math.random() * (FREE_PORT_RANGE.high - FREE_PORT_RANGE.low));
    if (await portFree(port)) return port;
  }
  throw new Error(`no free port found in ${FREE_PORT_RANGE.low}-${FREE_PORT_RANGE.high}`);
}

/** Whether something can listen on this loopback port right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Applies a service's migrations to the test database (idempotent). */
export function migrateService(name: ServiceName, env: Record<string, string> = {}): void {
  const result = spawnSync(process.execPath, [join(root, 'services', name, 'src/main.ts'), 'migrate'], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`${name} migrate failed: ${result.stderr}${result.stdout}`);
}

/** readyWithinMs: how long to wait for SERVING; generous, since on a loaded machine (tests in parallel, tracing on) a boot can take half a minute. */
export async function spawnService(name: ServiceName, env: Record<string, string> = {}, { readyWithinMs = 90_000 } = {}): Promise<SpawnedService> {
  migrateService(name, env);
  // env.GRPC_PORT brings a stopped service back on its old port (its callers keep their address).
  const grpcPort = env['GRPC_PORT'] !== undefined ? Number(env['GRPC_PORT']) : await freePort();
  const metricsPort = await freePort();
  mkdirSync(join(root, '.run/logs'), { recursive: true });
  const logFile = join(root, '.run/logs', `test-${name}-${grpcPort}.log`);
  const log = createWriteStream(logFile);
  // As the image runs it: the tracing bootstrap first (it does nothing without OTEL_EXPORTER_OTLP_ENDPOINT).
  const child = spawn(process.execPath, ['--import', join(root, 'services', name, 'src/tracing.ts'), join(root, 'services', name, 'src/main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: TEST_DATABASE_URL,
      GRPC_PORT: String(grpcPort),
      METRICS_PORT: String(metricsPort),
      LOG_LEVEL: 'info',
      HEALTH_INTERVAL_MS: '500',
      // member-svc's login/signup throttles count per client address, and every test client is
      // 127.0.0.1: tests about the throttles set their own limits.
      LOGINS_PER_ADDRESS: '100000',
      SIGNUPS_PER_ADDRESS: '100000',
      FAILED_LOGINS_PER_ACCOUNT: '100000',
      PASSWORD_HASH_PER_CLIENT: '0',
      PASSWORD_HASH_QUEUE: '1000',
      PASSWORD_HASH_MAX_WAIT_MS: '20000',
      REVOCATION_CHANNEL: TEST_REVOCATION_CHANNEL,
      ...GRPC_CONFIG_FILES,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const status = await waitForHealthOrExit(name, grpcPort, exited, readyWithinMs);
  if (status !== Serving.SERVING) {
    child.kill('SIGKILL');
    throw new Error(`${name} did not become SERVING; see .run/logs/test-${name}-${grpcPort}.log`);
  }
  return {
    name,
    grpcPort,
    address: `127.0.0.1:${grpcPort}`,
    process: child,
    logFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The name a service reports readiness under (its full gRPC service name; '' is liveness). */
export function readinessName(name: ServiceName): string {
  return `dailyfeed.${name}.v1.${name[0]?.toUpperCase() ?? ''}${name.slice(1)}Service`;
}

async function waitForHealthOrExit(name: ServiceName, port: number, exited: Promise<void>, withinMs: number): Promise<Serving | 'exited'> {
  const deadline = Date.now() + withinMs;
  let done = false;
  void exited.then(() => {
    done = true;
  });
  while (!done && Date.now() < deadline) {
    try {
      const status = await waitForHealth(port, Serving.SERVING, 500, readinessName(name));
      if (status === Serving.SERVING) return status;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return done ? 'exited' : Serving.NOT_SERVING;
}
