// Benchmark: a login flood from one client address against member-svc behind the edge, while a
// legitimate member logs in from another address. Runs member-svc as a process at the production
// scrypt cost (log2 N = 17) and the edge in-process (TRUST_PROXY on, so X-Forwarded-For sets each
// request's address). The flood: FLOOD_CONNECTIONS keep-alive connections sending RATE logins/s
// in total (wrong passwords for a real account and unknown emails, each costing one scrypt); the
// member: one login every 500 ms. Prints the member's latency (p50/p99/max) and statuses, the
// flood's statuses, and member-svc's CPU per login attempt.
//   node bench/login-flood.ts                    admission control and throttles as configured by default
//   node bench/login-flood.ts --unbounded        no hashing bound, no throttles: the behaviour before
//   SECONDS=20 RATE=20 FLOOD_CONNECTIONS=40
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startGateway } from '../gateway/test/support/harness.ts';
import { spawnService } from '../test/support/spawn-service.ts';
import { cpuSnapshot } from './cpu.ts';

const SECONDS = Number(process.env.SECONDS ?? 20);
const RATE = Number(process.env.RATE ?? 20);
const FLOOD_CONNECTIONS = Number(process.env.FLOOD_CONNECTIONS ?? 40);
const unbounded = process.argv.includes('--unbounded');

const limits: Record<string, string> = unbounded
  ? {
      PASSWORD_HASH_CONCURRENCY: '16',
      PASSWORD_HASH_QUEUE: '1000',
      PASSWORD_HASH_PER_CLIENT: '0',
      PASSWORD_HASH_MAX_WAIT_MS: '600000',
      LOGINS_PER_ADDRESS: '1000000',
      FAILED_LOGINS_PER_ACCOUNT: '1000000',
      SIGNUPS_PER_ADDRESS: '1000000',
    }
  : // member-svc's defaults (config.ts), spelled out because the test spawner lifts the bounds.
    {
      PASSWORD_HASH_CONCURRENCY: '2',
      PASSWORD_HASH_QUEUE: '8',
      PASSWORD_HASH_PER_CLIENT: '1',
      PASSWORD_HASH_MAX_WAIT_MS: '1500',
      LOGINS_PER_ADDRESS: '30',
      FAILED_LOGINS_PER_ACCOUNT: '50',
      SIGNUPS_PER_ADDRESS: '10',
    };
const member = await spawnService('member', { PASSWORD_SCRYPT_LOG_N: '17', LOG_LEVEL: 'warn', ...limits });
const gateway = await startGateway({ addresses: { member: member.address }, edge: { trustProxy: true } });
const base = new URL(gateway.base);

interface Answer {
  readonly status: number;
  readonly ms: number;
}

function login(agent: Agent, address: string, email: string, password: string): Promise<Answer> {
  const body = JSON.stringify({ email, password });
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { agent, host: base.hostname, port: base.port, path: '/api/authentication/login', method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

function count(answers: readonly Answer[]): string {
  const by = new Map<number, number>();
  for (const a of answers) by.set(a.status, (by.get(a.status) ?? 0) + 1);
  return [...by].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ');
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

try {
  // The legitimate member, signed up through the edge from its own address.
  const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
  const email = `flood-${suffix}@bench.example`;
  const password = 'Passw0rd!x';
  const signup = JSON.stringify({ email, password, memberName: `bench ${suffix}`, handle: `flood_${suffix}`, gender: 'OTHER', countryCode: 'KR', languageCode: 'ko' });
  const res = await fetch(`${gateway.base}/api/authentication/signup`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.9.0.2' }, body: signup });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);

  const floodAgent = new Agent({ keepAlive: true, maxSockets: FLOOD_CONNECTIONS });
  const memberAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  const end = Date.now() + SECONDS * 1000;
  const flood: Answer[] = [];
  const legit: Answer[] = [];
  const cpuBefore = cpuSnapshot({ member: member.process.pid ?? 0 });
  const interval = (FLOOD_CONNECTIONS / RATE) * 1000;
  const workers = Array.from({ length: FLOOD_CONNECTIONS }, async (_, i) => {
    await sleep((i * interval) / FLOOD_CONNECTIONS);
    while (Date.now() < end) {
      const next = Date.now() + interval;
      // Half guess the member's password, half try unknown emails: both cost one scrypt.
      const target = i % 2 === 0 ? email : `nobody-${randomUUID()}@bench.example`;
      flood.push(await login(floodAgent, '10.9.0.1', target, 'Wrong0pass!'));
      await sleep(Math.max(0, next - Date.now()));
    }
  });
  const member_ = (async () => {
    while (Date.now() < end) {
      legit.push(await login(memberAgent, '10.9.0.2', email, password));
      await sleep(500);
    }
  })();
  await Promise.all([...workers, member_]);
  const cpuAfter = cpuSnapshot({ member: member.process.pid ?? 0 });
  floodAgent.destroy();
  memberAgent.destroy();

  const latencies = legit.map((a) => a.ms).sort((a, b) => a - b);
  const attempts = flood.length + legit.length;
  const memberCpu = (cpuAfter.get('member') ?? 0) - (cpuBefore.get('member') ?? 0);
  console.log(`mode: ${unbounded ? 'unbounded (no admission control, no throttles)' : 'bounded (admission control + throttles)'}; ${SECONDS}s, flood ${FLOOD_CONNECTIONS} connections at ${RATE}/s from one address`);
  console.log(`legitimate logins: ${legit.length} (${count(legit)}), p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies.at(-1) ?? NaN).toFixed(0)} ms`);
  console.log(`flood: ${flood.length} answered (${count(flood)})`);
  console.log(`member-svc CPU: ${memberCpu} ms over ${attempts} attempts = ${(memberCpu / attempts).toFixed(1)} ms/attempt`);
} finally {
  await gateway.close();
  await member.stop();
}
