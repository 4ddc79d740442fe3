// `npm start`: runs dailyfeed on this machine. Brings up PostgreSQL, Redis and Kafka (starting
// what is not already running), applies every service's migrations, starts the six services and
// the gateway as separate processes, prints one line per component once it is healthy, and on
// Ctrl-C stops everything it started. Service logs go to .run/logs/<name>.log.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata } from '@grpc/grpc-js';
import { HealthClient, HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';

const root = fileURLToPath(new URL('..', import.meta.url));
const SERVICES = [
  { name: 'member-svc', dir: 'services/member', grpc: 50051, metrics: 9451 },
  { name: 'content-svc', dir: 'services/content', grpc: 50052, metrics: 9452 },
  { name: 'timeline-svc', dir: 'services/timeline', grpc: 50053, metrics: 9453 },
  { name: 'image-svc', dir: 'services/image', grpc: 50054, metrics: 9454 },
  { name: 'search-svc', dir: 'services/search', grpc: 50055, metrics: 9455 },
  { name: 'activity-svc', dir: 'services/activity', grpc: 50056, metrics: 9456 },
] as const;
const GATEWAY_PORT = 8080;
const started = Date.now();
const logs = join(root, '.run/logs');
mkdirSync(logs, { recursive: true });

const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

function run(command: string, args: string[], label: string): void {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    process.stderr.write(`${label} failed (exit ${result.status})\n`);
    process.exit(1);
  }
}

const kafkaWasUp = await portOpen(9092);
run('bash', ['infra/infra.sh', 'up'], 'infra:up');
// Each service owns its schema, so migrations run side by side — except timeline's, which grants
// its read-only role access to content's schema and so runs after content's.
const migrateAll = async (names: readonly string[]) =>
  Promise.all(
    SERVICES.filter((service) => names.includes(service.name)).map(
    (service) =>
      new Promise<{ name: string; code: number | null }>((resolve) => {
        const out = createWriteStream(join(logs, `${service.name}.log`), { flags: 'a' });
        const child = spawn(process.execPath, [join(service.dir, 'src/main.ts'), 'migrate'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout?.pipe(out);
        child.stderr?.pipe(out);
        child.on('exit', (code) => resolve({ name: service.name, code }));
      }),
    ),
  );
const migrations = [
  ...(await migrateAll(['member-svc', 'content-svc', 'image-svc', 'search-svc', 'activity-svc'])),
  ...(await migrateAll(['timeline-svc'])),
];
for (const { name, code } of migrations) {
  if (code !== 0) {
    process.stderr.write(`${name} migrate failed (exit ${code}); see .run/logs/${name}.log\n`);
    process.exit(1);
  }
}
process.stdout.write('migrations applied\n');

const children = new Map<string, ChildProcess>();
// Services read the mesh-generated grpc-js config of each callee from a path (<CALLEE>_GRPC_CONFIG_FILE).
const grpcConfigFiles = Object.fromEntries(['member', 'content', 'timeline', 'image', 'search', 'activity'].map((t) => [`${t.toUpperCase()}_GRPC_CONFIG_FILE`, join(root, 'mesh/generated/grpc', `${t}.json`)]));
function launch(name: string, dir: string): void {
  const out = createWriteStream(join(logs, `${name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, [join(dir, 'src/main.ts')], { cwd: root, env: { ...process.env, ...grpcConfigFiles }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      process.stderr.write(`${name} exited (${signal ?? code}); see .run/logs/${name}.log\n`);
      void stop(1);
    }
  });
  children.set(name, child);
}

function grpcServing(port: number): Promise<boolean> {
  const client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client.check({ service: '' }, new Metadata(), { deadline: Date.now() + 1000 }, (err, res) => {
      client.close();
      resolve(!err && res.status === Serving.SERVING);
    });
  });
}

async function httpHealthy(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  } catch {
    return false;
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

let stopping = false;
async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    process.stdout.write('\nstopping dailyfeed...\n');
    const exits = [...children.values()].map((child) => new Promise((resolve) => child.once('exit', resolve)));
    for (const child of children.values()) child.kill('SIGTERM');
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 15_000))]);
    for (const child of children.values()) child.kill('SIGKILL');
    if (!kafkaWasUp) spawnSync('bash', ['infra/infra.sh', 'down'], { cwd: root, stdio: 'inherit' });
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

for (const service of SERVICES) launch(service.name, service.dir);
launch('gateway', 'gateway');

const pad = (s: string) => s.padEnd(13);
await Promise.all([
  ...SERVICES.map(async (service) => {
    if (await waitUntil(() => grpcServing(service.grpc), 60_000)) {
      process.stdout.write(`${pad(service.name)} healthy  grpc 127.0.0.1:${service.grpc}  metrics http://127.0.0.1:${service.metrics}/metrics\n`);
    } else {
      process.stderr.write(`${pad(service.name)} not healthy after 60 s; see .run/logs/${service.name}.log\n`);
      await stop(1);
    }
  }),
  (async () => {
    if (await waitUntil(() => httpHealthy(GATEWAY_PORT), 60_000)) {
      process.stdout.write(`${pad('gateway')} healthy  http://127.0.0.1:${GATEWAY_PORT}  docs /docs  metrics /metrics\n`);
    } else {
      process.stderr.write(`gateway not healthy after 60 s; see .run/logs/gateway.log\n`);
      await stop(1);
    }
  })(),
]);
process.stdout.write(`dailyfeed is up in ${((Date.now() - started) / 1000).toFixed(1)} s — Ctrl-C stops everything it started\n`);
