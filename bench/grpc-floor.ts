// Bench: the floor under every RPC on this machine, the CPU cost of one no-op unary gRPC call
// (grpc.health.v1 Check, answered from memory by timeline-svc) through grpc-js, client and server
// both counted. It puts the feed benches in proportion: a follow-feed page is one such call from
// the client plus one to member-svc (Authenticate), a Redis and a PostgreSQL round trip.
//
//   node bench/grpc-floor.ts [--seconds 10] [--concurrency 32]
import { parseArgs } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { HealthClient } from '@dailyfeed/gen/grpc/health/v1/health';
import { migrateService, spawnService, TEST_DATABASE_URL } from '../test/support/spawn-service.ts';
import { cpuPerRequest, cpuSnapshot } from './cpu.ts';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '32' } } });

// timeline's migration grants its read-only role on content's tables, so content's schema comes
// first (a fresh database has none), and the service reads through that role like in production.
migrateService('content');
const readUrl = new URL(TEST_DATABASE_URL);
readUrl.username = 'dailyfeed_timeline_ro';
const server = await spawnService('timeline', { LOG_LEVEL: 'warn', HEALTH_INTERVAL_MS: '5000', CONTENT_READ_DATABASE_URL: readUrl.toString() });
try {
  const clients = Array.from({ length: 4 }, () => new HealthClient(server.address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  const check = (i: number): Promise<void> =>
    new Promise((resolve, reject) => clients[i % clients.length]!.check({ service: '' }, (err) => (err ? reject(err) : resolve())));
  for (let i = 0; i < 2000; i += 1) await check(i); // warm-up
  const pids = { server: server.process.pid ?? 0, bench: process.pid };
  const before = cpuSnapshot(pids);
  const end = performance.now() + Number(args.seconds) * 1000;
  let calls = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Number(args.concurrency) }, async () => {
      while (performance.now() < end) await check((calls += 1));
    }),
  );
  const rate = calls / ((performance.now() - started) / 1000);
  // Only the two processes of the call: on a shared machine the other entries (every postgres,
  // redis-server and java process) would charge other people's work to it.
  const only = (m: Map<string, number>): Map<string, number> => new Map([...m].filter(([name]) => name in pids));
  process.stdout.write(`no-op unary gRPC (${args.concurrency} in flight): ${rate.toFixed(0)} calls/s, ${cpuPerRequest(only(before), only(cpuSnapshot(pids)), calls)}\n`);
  for (const c of clients) c.close();
} finally {
  await server.stop();
}
