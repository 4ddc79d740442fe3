// Benchmark: CPU per created post in every process the post touches, at a fixed moderate rate.
//
// Starts member, content, activity, search and timeline as their own processes (as in
// production) against the configured test database, Redis and Kafka, signs up MEMBERS members who
// each follow FOLLOWS others (so the fan-out consumer has feeds to write), warms up, measures the
// idle CPU of every process for IDLE_S seconds, then sends TOTAL CreatePost calls at RATE per
// second (open loop), waits until every consumer group has committed past the last event, and
// prints, per process, CPU ms per post with the idle rate over the same time subtracted:
//   content, member, activity, search, timeline  the service processes (by pid);
//   kafka     the broker JVM of KAFKA_PID_FILE (default .run/kafka.pid);
//   postgres  the backends connected to this run's database (shared background writers excluded);
//   redis     the redis-server listening on REDIS_URL's port;
//   bench     this process (the load generator).
// It also checks delivery: every post has exactly one activity row and one search row.
//   node bench/post-cost.ts        RATE=50 TOTAL=1000 MEMBERS=20 FOLLOWS=10 IDLE_S=5
// With PROFILE=dir each service runs with --cpu-prof and writes its profile there on exit.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { credentials, Metadata } from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { ContentServiceClient } from '@dailyfeed/gen/content/v1/content';
import { CountryCode, Gender, MemberServiceClient, SignupRequest, type LoginResponse } from '@dailyfeed/gen/member/v1/member';
import { spawnService, TEST_DATABASE_URL, type SpawnedService } from '../test/support/spawn-service.ts';

const RATE = Number(process.env.RATE ?? 50);
const TOTAL = Number(process.env.TOTAL ?? 1000);
const MEMBERS = Number(process.env.MEMBERS ?? 20);
const FOLLOWS = Math.min(Number(process.env.FOLLOWS ?? 10), MEMBERS - 1);
const IDLE_S = Number(process.env.IDLE_S ?? 5);
const BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const KAFKA_PID_FILE = process.env.KAFKA_PID_FILE ?? '.run/kafka.pid';
const PROFILE = process.env.PROFILE;
const GROUPS = ['member-activity-consumer-group-activity-svc', 'search-indexer-search-svc', 'timeline-fanout'];

const databaseName = new URL(TEST_DATABASE_URL).pathname.slice(1);
const redisPort = new URL(REDIS_URL).port || '6379';
const kafkaPid = Number(readFileSync(KAFKA_PID_FILE, 'utf8').trim());

const common = { KAFKA_BROKERS: BROKERS, REDIS_URL, LOG_LEVEL: 'warn', ...(PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${PROFILE}` } : {}) };
const services: SpawnedService[] = [];
const start = async (name: Parameters<typeof spawnService>[0], env: Record<string, string> = {}) => {
  const s = await spawnService(name, { ...common, ...env });
  services.push(s);
  return s;
};

/**
 * CPU ms (user + system) per process of this run, from /proc. PostgreSQL backends come and go
 * with the pools' idle timeouts, and an exited process's CPU is gone from /proc: a sampler reads
 * every relevant pid every 100 ms and keeps each pid's last figure, so a backend that ended during
 * the run still counts (up to its last 100 ms).
 */
const lastSeen = new Map<number, { name: string; ms: number }>();
const ignoredPids = new Set<number>();
function sample(): void {
  const pids = new Map<number, string>(services.map((s) => [s.process.pid ?? -1, s.name]));
  pids.set(kafkaPid, 'kafka');
  pids.set(process.pid, 'bench');
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (ignoredPids.has(pid) && !pids.has(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      let name = pids.get(pid) ?? lastSeen.get(pid)?.name;
      if (name === undefined) {
        const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (comm === 'postgres' && cmdline.includes(` ${databaseName} `)) name = 'postgres';
        else if (comm.startsWith('redis-server') && cmdline.includes(`:${redisPort}`)) name = 'redis';
      }
      if (name === undefined) {
        ignoredPids.add(pid);
        continue;
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      lastSeen.set(pid, { name, ms: (Number(fields[11]) + Number(fields[12])) * 10 });
    } catch {
      // exited meanwhile
    }
  }
}
const sampler = setInterval(sample, 100);

function cpu(): Map<string, number> {
  sample();
  const out = new Map<string, number>();
  for (const { name, ms } of lastSeen.values()) out.set(name, (out.get(name) ?? 0) + ms);
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const call = <T>(fn: (cb: (err: Error | null, res: T) => void) => void) => new Promise<T>((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));

// Whatever happens, the processes this bench started go with it.
const stopAll = async (): Promise<void> => {
  for (const s of services.reverse()) await s.stop();
};
process.on('uncaughtException', (err) => {
  console.error(err);
  for (const s of services) s.process.kill('SIGKILL');
  process.exit(1);
});

const [member, content] = await (async () => {
  try {
    const m = await start('member');
    const c = await start('content', { MEMBER_ADDR: m.address });
    const t = await start('timeline', { MEMBER_ADDR: m.address });
    await start('activity', { MEMBER_ADDR: m.address });
    await start('search', { MEMBER_ADDR: m.address, TIMELINE_ADDR: t.address });
    return [m, c, t] as const;
  } catch (err: unknown) {
    await stopAll();
    throw err;
  }
})();

const members = new MemberServiceClient(member.address, credentials.createInsecure());
const client = new ContentServiceClient(content.address, credentials.createInsecure());
const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
await db.connect();
const admin = new Kafka({ clientId: 'bench-post-cost', brokers: [BROKERS], logLevel: logLevel.NOTHING }).admin();
await admin.connect();

/** Total lag of the three consumer groups over today's topics. */
async function lag(): Promise<number> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith('member-activity-'));
  let total = 0;
  for (const topic of topics) {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    for (const groupId of GROUPS) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const p of committed?.partitions ?? []) {
        const end = ends.get(p.partition) ?? 0;
        const at = Number(p.offset) < 0 ? 0 : Number(p.offset);
        // A group that starts at the end (timeline) has no offset on an untouched partition.
        if (Number(p.offset) >= 0 || groupId !== 'timeline-fanout') total += Math.max(0, end - at);
      }
    }
  }
  return total;
}

async function drained(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await lag()) > 0) {
    if (Date.now() > deadline) throw new Error('consumers did not catch up');
    await sleep(100);
  }
}

try {
  const authors: { id: string; md: Metadata }[] = [];
  for (let i = 0; i < MEMBERS; i += 1) {
    const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
    const email = `cost-${suffix}@bench.example`;
    const password = 'Passw0rd!x';
    const signup = SignupRequest.fromPartial({ email, password, memberName: `cost ${suffix}`, handle: `cost_${suffix}`, gender: Gender.GENDER_OTHER, countryCode: CountryCode.COUNTRY_CODE_KR });
    await call((cb) => members.signup(signup, cb));
    const login = await call<LoginResponse>((cb) => members.login({ email, password, client: { deviceInfo: 'bench', ipAddress: '127.0.0.1' } }, cb));
    const md = new Metadata();
    md.set('authorization', `Bearer ${login.tokens?.accessToken ?? ''}`);
    authors.push({ id: login.member?.memberId ?? '', md });
  }
  for (const [i, a] of authors.entries()) {
    for (let k = 1; k <= FOLLOWS; k += 1) {
      const target = authors[(i + k) % authors.length]!;
      await call((cb) => members.follow({ memberId: target.id }, a.md, cb));
    }
  }

  const ids: string[] = [];
  let failed = 0;
  // A failed call is counted, not fatal: on a loaded machine a deadline can pass.
  const create = async (i: number): Promise<void> => {
    const who = authors[i % authors.length]!;
    const md = who.md.clone();
    md.set('idempotency-key', randomUUID());
    try {
      const res = await call<{ post?: { id: string } }>((cb) => client.createPost({ content: `cost post ${i} ${'lorem ipsum '.repeat(10)}` }, md, cb));
      ids.push(res.post?.id ?? '');
    } catch {
      failed += 1;
    }
  };
  const paced = async (count: number): Promise<number> => {
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < count; i += 1) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      inflight.push(create(i));
    }
    await Promise.all(inflight);
    return performance.now() - t0;
  };

  await paced(Math.min(200, TOTAL)); // warm-up: JIT, pools, group joins
  await drained(120_000);
  ids.length = 0;
  failed = 0;

  const idle0 = cpu();
  await sleep(IDLE_S * 1000);
  const idle1 = cpu();

  const before = cpu();
  const t0 = performance.now();
  const sendMs = await paced(TOTAL);
  await drained(120_000);
  const elapsedMs = performance.now() - t0;
  const after = cpu();

  const { rows } = await db.query<{ activity: string; search: string }>(
    `select (select count(*) from activity.activities where post_id = any($1::bigint[]) and message_key like '%POST_CREATE%') as activity,
            (select count(*) from search.posts where post_id = any($1::bigint[])) as search`,
    [ids],
  );
  console.log(`post-cost: ${TOTAL} CreatePost at ${RATE}/s (sent in ${(sendMs / 1000).toFixed(1)} s, all groups committed after ${(elapsedMs / 1000).toFixed(1)} s); ${MEMBERS} members following ${FOLLOWS} each`);
  const posts = ids.length;
  console.log(`  created ${posts}, failed ${failed}; delivered: activity ${rows[0]?.activity}/${posts}, search ${rows[0]?.search}/${posts}`);
  let total = 0;
  const names = ['kafka', 'content', 'member', 'search', 'timeline', 'activity', 'postgres', 'redis', 'bench'];
  for (const name of names) {
    const used = (after.get(name) ?? 0) - (before.get(name) ?? 0);
    const idleRate = ((idle1.get(name) ?? 0) - (idle0.get(name) ?? 0)) / (IDLE_S * 1000);
    const perPost = (used - idleRate * elapsedMs) / posts;
    if (name !== 'bench') total += perPost;
    console.log(`  ${name.padEnd(9)} ${perPost.toFixed(2).padStart(6)} ms/post   (raw ${(used / posts).toFixed(2)}, idle ${(idleRate * 1000).toFixed(0)} ms/s)`);
  }
  console.log(`  total     ${total.toFixed(2).padStart(6)} ms/post (without the bench)`);
} finally {
  client.close();
  members.close();
  await admin.disconnect();
  await db.end();
  clearInterval(sampler);
  await stopAll();
}
