// The drills' own infrastructure, never the developer's: a fresh database on the local
// PostgreSQL reached through a TCP proxy the drill can cut, a redis-server started for the run,
// and a Kafka broker of its own (infra/infra.sh with its own run folder and free ports).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { freePort } from '../../test/support/spawn-service.ts';

export const PG_HOST = process.env.DRILLS_PG_HOST ?? '127.0.0.1';
export const PG_PORT = Number(process.env.DRILLS_PG_PORT ?? 5432);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Drops and re-creates the drill database, so every run counts from an empty store. */
export async function freshDatabase(name: string): Promise<void> {
  if (!/^dailyfeed_drills\w*$/.test(name)) throw new Error(`drill databases are named dailyfeed_drills*: ${name}`);
  const admin = new pg.Client({ host: PG_HOST, port: PG_PORT, user: 'postgres', database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
}

/** A TCP proxy in front of PostgreSQL: cut() refuses new connections and resets open ones. */
export interface PgProxy {
  readonly port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startPgProxy(): Promise<PgProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (server !== undefined) return resolve();
      const s = createServer((client) => {
        const upstream = createConnection({ host: PG_HOST, port: PG_PORT });
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
      server = s;
    });
  const cut = async (): Promise<void> => {
    const s = server;
    server = undefined;
    const closed = s ? new Promise<void>((resolve) => s.close(() => resolve())) : Promise.resolve();
    for (const socket of sockets) socket.resetAndDestroy();
    await closed;
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}

/** A redis-server of the drill's own, keeping nothing on disk (like the dev one). */
export interface DrillRedis {
  readonly port: number;
  readonly url: string;
  /** Kills it and starts it again on the same port, empty. */
  restartEmpty(): Promise<void>;
  stop(): Promise<void>;
  /** For an exit handler: SIGKILL, no waiting. */
  killNow(): void;
}

export async function startRedis(runDir: string): Promise<DrillRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', runDir], { stdio: 'ignore' });
    const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined); // refused until the server listens: the loop below retries
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch (err: unknown) {
        client.disconnect();
        if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer`, { cause: err });
        await sleep(100);
      }
    }
  };
  const stop = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async restartEmpty() {
      await stop();
      await start();
    },
    stop,
    killNow: () => void child?.kill('SIGKILL'),
  };
}

/** A single-node KRaft broker from infra/infra.sh, in its own run folder on free ports. */
export interface DrillKafka {
  readonly port: number;
  readonly brokers: string;
  /** Graceful stop (SIGTERM, as infra.sh does). */
  stop(): Promise<void>;
  /** Starts it (again, on the same ports and data); resolves once it is ready. */
  start(): Promise<void>;
  /** Stops it and deletes its folder. */
  dispose(): Promise<void>;
  /** For an exit handler: stops it synchronously. */
  stopNow(): void;
}

async function brokerAnswers(brokers: string, timeoutMs: number): Promise<boolean> {
  const admin = new Kafka({ clientId: 'drills-probe', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 3000 }).admin();
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      try {
        await admin.connect();
        await admin.listTopics();
        return true;
      } catch {
        await sleep(1000);
      }
    }
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Picks its ports and folder; start() brings it up. */
export async function createKafka(repoRoot: string, runDir: string): Promise<DrillKafka> {
  const port = await freePort();
  const controllerPort = await freePort();
  const dir = join(runDir, `kafka-${port}`);
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, INFRA_RUN_DIR: dir, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(controllerPort), KAFKA_HEAP: '-Xms128m -Xmx512m' };
  const infra = (command: 'kafka-up' | 'kafka-down'): Promise<void> =>
    new Promise((resolve, reject) => {
      let output = '';
      const child = spawn('bash', [join(repoRoot, 'infra/infra.sh'), command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const tail = (): string => output.trim().split('\n').slice(-3).join('\n');
      child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`infra.sh ${command} failed (${code}); see ${dir}/logs: ${tail()}`))));
    });
  // infra.sh gives a booting broker 90 s; on a loaded machine it may need longer, and it keeps booting.
  const up = async (): Promise<void> => {
    try {
      await infra('kafka-up');
    } catch (err: unknown) {
      if (!(await brokerAnswers(`127.0.0.1:${port}`, 180_000))) throw err;
    }
  };
  return {
    port,
    brokers: `127.0.0.1:${port}`,
    stop: () => infra('kafka-down'),
    start: up,
    async dispose() {
      await infra('kafka-down');
      rmSync(dir, { recursive: true, force: true });
    },
    stopNow: () => void spawnSync('bash', [join(repoRoot, 'infra/infra.sh'), 'kafka-down'], { env, stdio: 'ignore' }),
  };
}
