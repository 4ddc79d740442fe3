// `npm start`: runs dailyfeed on this machine. Brings up PostgreSQL, Redis and Kafka (starting
// what is not already running), applies every service's migrations, starts the six services and
// the gateway as separate supervised processes (one that exits is restarted with backoff, the
// others keep serving: scripts/supervisor.ts), prints one line per component once it is healthy,
// and on Ctrl-C stops everything it started. Service logs go to .run/logs/<name>.log.
//
// Overrides (the supervision test runs a second copy beside the developer's):
//   START_PORT_BASE=N  gRPC ports N..N+5 (member, content, timeline, image, search, activity),
//                      metrics ports N+10..N+15, gateway N+20 (default: the standard ports)
//   SKIP_INFRA=1       use the PostgreSQL/Redis/Kafka named by DATABASE_URL, REDIS_URL,
//                      KAFKA_BROKERS (inherited by every service) instead of infra/infra.sh
//   KAFKA_PORT         the broker infra/infra.sh brings up (default 9092)
//
// `--replicas member=2[,image=3...]` runs that many supervised copies of a service (at most 9).
// Copy k (k = 2, 3...) is named <svc>-k and listens on the first copy's gRPC and metrics ports
// + 100·(k−1). Every caller then gets all of them as one grpc-js target
// (`ipv4:127.0.0.1:50051,127.0.0.1:50151`), balanced round robin under the generated
// outlier detection (mesh/generated/grpc/<svc>.json), so a failing copy can be ejected.
//
// `npm run dev` is `npm start -- --watch`: each service and the edge run under `node --watch`,
// which restarts that process when one of the files it loaded changes.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata } from '@grpc/grpc-js';
import { HealthClient, HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import { dockerfileOf, imageNodeFlags } from './node-flags.ts';
import { createSupervisor } from './supervisor.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const portBase = process.env.START_PORT_BASE === undefined ? undefined : Number(process.env.START_PORT_BASE);
if (portBase !== undefined && !(Number.isInteger(portBase) && portBase > 0 && portBase + 20 < 65536)) {
  process.stderr.write(`START_PORT_BASE must be a port number below 65515 (got ${process.env.START_PORT_BASE})\n`);
  process.exit(2);
}
const skipInfra = process.env.SKIP_INFRA === '1';
const watch = process.argv.includes('--watch');
const SHORT_NAMES = ['member', 'content', 'timeline', 'image', 'search', 'activity'] as const;
const replicas = parseReplicas(process.argv);
function parseReplicas(argv: readonly string[]): ReadonlyMap<string, number> {
  const at = argv.indexOf('--replicas');
  const counts = new Map<string, number>();
  if (at === -1) return counts;
  for (const item of (argv[at + 1] ?? '').split(',')) {
    const [name = '', count = ''] = item.split('=');
    const n = Number(count);
    if (!(SHORT_NAMES as readonly string[]).includes(name) || !Number.isInteger(n) || n < 1 || n > 9) {
      process.stderr.write(`--replicas expects <service>=<1..9>[,...] with a service among ${SHORT_NAMES.join(', ')} (got "${item}")\n`);
      process.exit(2);
    }
    counts.set(name, n);
  }
  return counts;
}
const SERVICES = SHORT_NAMES.map((short, i) => ({
  short,
  name: `${short}-svc`,
  /** The grpc.health.v1 name of its readiness ('' is liveness only). */
  readiness: `dailyfeed.${short}.v1.${short[0]!.toUpperCase()}${short.slice(1)}Service`,
  dir: `services/${short}`,
  grpc: portBase === undefined ? 50051 + i : portBase + i,
  metrics: portBase === undefined ? 9451 + i : portBase + 10 + i,
}));
/** Each copy of each service: the first keeps the service's name and ports, copy k adds 100·(k−1). */
const INSTANCES = SERVICES.flatMap((service) =>
  Array.from({ length: replicas.get(service.short) ?? 1 }, (_, k) => ({
    ...service,
    name: k === 0 ? service.name : `${service.name}-${k + 1}`,
    grpc: service.grpc + 100 * k,
    metrics: service.metrics + 100 * k,
  })),
);
if (INSTANCES.some((i) => i.grpc > 65535 || i.metrics > 65535)) {
  process.stderr.write('START_PORT_BASE is too high for the --replicas asked for (copy k takes the ports + 100·(k−1))\n');
  process.exit(2);
}
const GATEWAY_PORT = portBase === undefined ? 8080 : portBase + 20;
/** Every component gets every peer's address (all copies of one as a grpc-js ipv4 target); each reads only the ones its config declares. */
const ADDRESSES = Object.fromEntries(
  SERVICES.map((s) => {
    const ports = INSTANCES.filter((i) => i.short === s.short).map((i) => `127.0.0.1:${i.grpc}`);
    return [`${s.short.toUpperCase()}_ADDR`, ports.length === 1 ? ports[0] : `ipv4:${ports.join(',')}`];
  }),
);
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

const kafkaWasUp = skipInfra || (await portOpen(Number(process.env.KAFKA_PORT ?? 9092)));
if (!skipInfra) run('bash', ['infra/infra.sh', 'up'], 'infra:up');
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

const supervisor = createSupervisor((line) => process.stdout.write(`${line}\n`));
// Services read the mesh-generated grpc-js config of each callee from a path (<CALLEE>_GRPC_CONFIG_FILE).
const grpcConfigFiles = Object.fromEntries(SHORT_NAMES.map((t) => [`${t.toUpperCase()}_GRPC_CONFIG_FILE`, join(root, 'mesh/generated/grpc', `${t}.json`)]));
// and its resilience profile (<CALLEE>_RESILIENCE_FILE): circuit breakers and client rate limits are on by default.
const resilienceFiles = Object.fromEntries(['member', 'timeline', 'image'].map((t) => [`${t.toUpperCase()}_RESILIENCE_FILE`, join(root, 'mesh/generated/resilience', `${t}.json`)]));
const serviceEnv = (service: (typeof INSTANCES)[number]): NodeJS.ProcessEnv => ({
  ...process.env,
  ...ADDRESSES,
  ...grpcConfigFiles,
  ...resilienceFiles,
  GRPC_PORT: String(service.grpc),
  METRICS_PORT: String(service.metrics),
});
const gatewayEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ...ADDRESSES, HTTP_PORT: String(GATEWAY_PORT) });
function launch(name: string, dir: string, env: NodeJS.ProcessEnv): void {
  const args = [...imageNodeFlags(root, dockerfileOf(dir)), ...(watch ? ['--watch'] : []), '--import', join(root, dir, 'src/tracing.ts'), join(root, dir, 'src/main.ts')];
  supervisor.start({ name, command: process.execPath, args, cwd: root, env, logFile: join(logs, `${name}.log`) });
}

function grpcServing(port: number, service: string): Promise<boolean> {
  const client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise((resolve) => {
    client.check({ service }, new Metadata(), { deadline: Date.now() + 1000 }, (err, res) => {
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
    await supervisor.stopAll(15_000);
    if (!kafkaWasUp) spawnSync('bash', ['infra/infra.sh', 'down'], { cwd: root, stdio: 'inherit' });
  }
  process.exit(code);
}
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

for (const service of INSTANCES) launch(service.name, service.dir, serviceEnv(service));
launch('gateway', 'gateway', gatewayEnv());

const pad = (s: string) => s.padEnd(13);
await Promise.all([
  ...INSTANCES.map(async (service) => {
    if (await waitUntil(() => grpcServing(service.grpc, service.readiness), 60_000)) {
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
