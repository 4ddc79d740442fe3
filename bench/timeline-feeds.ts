// Bench: timeline-svc's follow feed, my feed and most popular through gRPC on the issue's data set
// (10,000 members, 1,000,000 posts, power-law followings averaging ~100), with a real member-svc
// (Authenticate, ListFollowingIds, GetSummariesByIds) and timeline-svc as their own processes,
// everything co-located on this machine.
//
//   node bench/timeline-feeds.ts [--rate 500] [--seconds 20] [--saturation-seconds 15]
//                                [--concurrency 32] [--callers 200] [--reseed]
//                                [--feeds 'follow feed,my feed,most popular'] [--auth-memory-entries 50000]
//                                [--write-rate 20]
//   BENCH_TIMELINE_NODE_OPTIONS / BENCH_MEMBER_NODE_OPTIONS (e.g. '--cpu-prof --cpu-prof-dir=/tmp/p')
//   pass NODE_OPTIONS to that service only, to profile it under this load.
//
// Data goes to its own database (BENCH_DATABASE_URL, default .../dailyfeed_bench), seeded once and
// reused. Shortcut, stated honestly: members and follows are generated with SQL straight into
// member-svc's tables (as its migration 0001 defines them) because 10,000 Signups (scrypt) and
// 1,000,000 Follow RPCs would take most of an hour; one member is signed up through member-svc and
// its password hash and profile enums are copied, so every generated member can Login through
// member-svc. Posts are generated in content's tables. Serving paths are all real.
//
// While the feeds are read, a writer adds --write-rate posts/s (row + POST_CREATE event on the
// bench's own day topic, as content-svc's relay would), so timeline-svc's fan-out and heavy-author
// lists work during the measurement. Redis database 15 is emptied at start: every caller's feed is
// built from PostgreSQL on their first read (reported separately), then served from Redis.
//
// Per feed it reports the callers' first reads, an open-loop run at a fixed offered rate (latency
// measured from each request's scheduled start, so a stalled server cannot hide queueing), a
// closed-loop run at saturation (throughput), and for both the CPU time each request cost every
// co-located process (read from /proc). Targets: follow feed p99 <= 20 ms at 500 req/s, >= 1,500
// req/s at saturation.
import { parseArgs } from 'node:util';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { MemberActivityEvent, MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import pg from 'pg';
import { CountryCode, Gender, MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { TimelineServiceClient } from '@dailyfeed/gen/timeline/v1/timeline';
import { freePort, migrateService, spawnService, type SpawnedService } from '../test/support/spawn-service.ts';
import { cpuPerRequest, cpuSnapshot } from './cpu.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    'saturation-seconds': { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '32' },
    callers: { type: 'string', default: '200' },
    reseed: { type: 'boolean', default: false },
    feeds: { type: 'string', default: 'follow feed,my feed,most popular' },
    'auth-memory-entries': { type: 'string', default: '50000' },
    'write-rate': { type: 'string', default: '20' },
  },
});
const MEMBERS = 10_000;
const POSTS = 1_000_000;
const PASSWORD = 'Passw0rd!';
const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BENCH_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed_bench';
// Its own Redis database, emptied at start: stored feeds are measured from cold, and bench member
// ids (which repeat the test database's ids) never meet the development data.
const REDIS_URL = process.env.BENCH_REDIS_URL ?? `${(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379').replace(/\/\d*$/, '')}/15`;
const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const READ_URL = (() => {
  const u = new URL(BENCH_URL);
  u.username = 'dailyfeed_timeline_ro';
  u.password = '';
  return u.toString();
})();

const log = (msg: string): void => void process.stdout.write(`[bench] ${msg}\n`);
// Events go to the bench's own day topic, so timeline's fan-out never mixes them with development events.
const TOPIC_PREFIX = 'bench-member-activity-';
const topicOfToday = (): string => `${TOPIC_PREFIX}${new Date().toISOString().slice(0, 10).replaceAll('-', '')}`;

/**
 * Writes posts while the feeds are read, as content-svc would: a row in content.posts, then its
 * POST_CREATE event on the day topic (what the outbox relay sends). Authors are drawn with the
 * same bias to popular members as the follows, so heavy authors post too; their first posts mark
 * them heavy in timeline's fan-out. Returns a stop function that reports what was written.
 */
async function startWriter(db: pg.Pool, rate: number): Promise<() => Promise<number>> {
  const kafka = new Kafka({ clientId: 'bench-writer', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  const { rows: authors } = await db.query<{ id: string }>(`select id from member.members where email like 'bench-%' order by id`);
  let written = 0;
  let stopped = false;
  const writeOne = async (): Promise<void> => {
    const author = authors[Math.floor(authors.length * Math.random() ** 3)]!.id;
    const { rows } = await db.query<{ id: string }>(`insert into content.posts (author_id, content) values ($1, 'bench write') returning id`, [author]);
    const postId = rows[0]!.id;
    const key = `member_activity:kafka_event:POST_CREATE###${postId}###${author}`;
    const value = MemberActivityEvent.encode({ messageKey: key, type: MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_CREATE, memberId: author, postId, createdAt: new Date() }).finish();
    await producer.send({ topic: topicOfToday(), acks: 1, messages: [{ key, value: Buffer.from(value) }] });
    written += 1;
  };
  const loop = (async () => {
    while (!stopped && rate > 0) {
      const next = performance.now() + 1000 / rate;
      await writeOne().catch((err: unknown) => log(`write failed: ${String(err)}`));
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    await producer.disconnect();
    return written;
  };
}

async function ensureTopic(): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-admin', brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topicOfToday())) await admin.createTopics({ topics: [{ topic: topicOfToday(), numPartitions: 6 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

async function ensureDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  const name = new URL(BENCH_URL).pathname.slice(1);
  const { rows } = await admin.query('select 1 from pg_database where datname = $1', [name]);
  if (rows.length === 0) await admin.query(`create database "${name.replace(/"/g, '')}"`);
  await admin.end();
}

/** Seeds members, follows and posts unless a previous run already did. */
async function seed(pool: pg.Pool, members: MemberServiceClient): Promise<void> {
  const db = await pool.connect(); // one session: the temp table below lives in it
  try {
    await seedWith(db, members);
  } finally {
    db.release();
  }
}

async function seedWith(db: pg.PoolClient, members: MemberServiceClient): Promise<void> {
  const { rows } = await db.query<{ m: string; p: string }>(
    `select (select count(*) from member.members where email like 'bench-%') as m, (select count(*) from content.posts) as p`,
  );
  if (!args.reseed && Number(rows[0]?.m) >= MEMBERS && Number(rows[0]?.p) >= POSTS) return void log('data set already seeded');
  const started = Date.now();
  await db.query('truncate content.comment_likes, content.post_likes, content.comments, content.posts');
  await db.query(`truncate member.follows, member.member_profile_images, member.member_profiles, member.members cascade`);
  // One real Signup: its hash (password PASSWORD) and enum encodings are copied to every member.
  await unary<unknown>((md, o, cb) =>
    members.signup(
      { email: 'bench-template@example.com', password: PASSWORD, memberName: 'bench template', handle: 'bench_template', gender: Gender.GENDER_OTHER, countryCode: CountryCode.COUNTRY_CODE_KR, verificationStatus: 0, privacyLevel: 0 },
      md, o, cb,
    ),
  );
  await db.query(
    `insert into member.members (email, password_hash)
     select 'bench-' || n || '@example.com', t.password_hash from generate_series(1, $1::int - 1) n,
       (select password_hash from member.members where email = 'bench-template@example.com') t`,
    [MEMBERS],
  );
  await db.query(
    `insert into member.member_profiles (member_id, member_name, handle, display_name, gender, language_code, country_code, verification_status, privacy_level)
     select m.id, 'bench ' || m.id, 'bench_' || m.id, 'Bench ' || m.id, t.gender, t.language_code, t.country_code, t.verification_status, t.privacy_level
     from member.members m, (select p.* from member.member_profiles p join member.members x on x.id = p.member_id where x.email = 'bench-template@example.com') t
     where m.email like 'bench-%' and m.email <> 'bench-template@example.com'`,
  );
  // Followings: out-degree Pareto(alpha 2, xmin 56) capped at 1000 (~100 after dropping repeats); followees drawn with
  // a bias to low ranks (rank = N * u^3), so in-degree is power-law too (a few very popular authors).
  await db.query(`create temp table ranks as select id, row_number() over (order by id) as rn from member.members where email like 'bench-%'`);
  await db.query(
    // (random() stays in subquery target lists, which PostgreSQL evaluates once per row.)
    `insert into member.follows (follower_id, followee_id)
     select g.follower, e.id from (
       select f.id as follower, 1 + floor($1::int * power(random(), 3))::int as rn
       from ranks f cross join lateral generate_series(1, least(1000, floor(56 / sqrt(1 - random())) + f.id * 0)::int) k
     ) g join ranks e on e.rn = g.rn
     where e.id <> g.follower
     on conflict do nothing`,
    [MEMBERS],
  );
  await db.query(`update member.member_profiles p set followings_count = c.n from (select follower_id, count(*) n from member.follows group by 1) c where c.follower_id = p.member_id`);
  await db.query(`update member.member_profiles p set followers_count = c.n from (select followee_id, count(*) n from member.follows group by 1) c where c.followee_id = p.member_id`);
  // Posts: authors uniform, created over the last year, power-law views and likes.
  await db.query(
    `insert into content.posts (author_id, content, created_at, view_count, like_count, comment_count)
     select r.id, 'bench post ' || g.n, now() - random() * interval '365 days',
            floor(10 / sqrt(1 - random()))::bigint, floor(2 / sqrt(1 - random()))::bigint - 2, floor(3 * random())::bigint
     from (select n, 1 + floor(random() * $2::int)::int as rn from generate_series(1, $1::int) n) g join ranks r on r.rn = g.rn`,
    [POSTS, MEMBERS],
  );
  // As autovacuum would by then: statistics, and the visibility map that index-only scans need.
  for (const table of ['content.posts', 'member.follows', 'member.members', 'member.member_profiles']) await db.query(`vacuum analyze ${table}`);
  log(`seeded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

type Cb<Res> = (err: ServiceError | null, res: Res) => void;
function unary<Res>(invoke: (md: Metadata, options: { deadline: number }, cb: Cb<Res>) => unknown, md = new Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => invoke(md, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))));
}

async function loginCallers(db: pg.Pool, members: MemberServiceClient, count: number): Promise<string[]> {
  // Callers sampled among members who follow someone, as the feed's real users.
  const { rows } = await db.query<{ email: string }>(
    `select m.email from member.members m join member.member_profiles p on p.member_id = m.id
     where m.email like 'bench-%' and p.followings_count > 0 order by random() limit $1`,
    [count],
  );
  const tokens: string[] = [];
  for (const { email } of rows) {
    const res = await unary<{ tokens?: { accessToken: string } }>((md, o, cb) => members.login({ email, password: PASSWORD, client: undefined }, md, o, cb));
    if (res.tokens) tokens.push(res.tokens.accessToken);
  }
  return tokens;
}

type Feed = 'follow feed' | 'my feed' | 'most popular';
type Call = (client: TimelineServiceClient, md: Metadata) => Promise<unknown>;
const calls: Record<Feed, Call> = {
  'follow feed': (c, md) => unary((m, o, cb) => c.listFollowingPosts({ page: 0, size: 20 }, m, o, cb), md),
  'my feed': (c, md) => unary((m, o, cb) => c.listMyPosts({ page: 0, size: 10 }, m, o, cb), md),
  'most popular': (c, md) => unary((m, o, cb) => c.listMostPopularPosts({ page: 0, size: 20, window: 0 }, m, o, cb), md),
};

function countError(errors: Map<string, number>, err: unknown): void {
  const e = err as Partial<ServiceError>;
  const key = `${e.code ?? '?'} ${(e.details ?? String(err)).split(/ after |,/)[0]?.slice(0, 40) ?? ''}`;
  errors.set(key, (errors.get(key) ?? 0) + 1);
}
const errorText = (errors: Map<string, number>): string => (errors.size === 0 ? '0' : [...errors].map(([k, n]) => `${n}x[${k}]`).join(' '));

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Open loop: one request every 1/rate s; latency from the scheduled start. */
async function fixedRate(call: Call, clients: TimelineServiceClient[], tokens: Metadata[], rate: number, seconds: number, pids: Record<string, number>) {
  const total = rate * seconds;
  const cpuBefore = cpuSnapshot(pids);
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      call(clients[i % clients.length]!, tokens[i % tokens.length]!).then(
        () => void latencies.push(performance.now() - due),
        (err: unknown) => countError(errors, err),
      ),
    );
  }
  await Promise.all(inFlight);
  const cpu = cpuPerRequest(cpuBefore, cpuSnapshot(pids), total);
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, achieved: total / ((performance.now() - start) / 1000), cpu };
}

/** Closed loop: `concurrency` workers back to back for `seconds`; throughput and latency. */
async function saturation(
  call: Call,
  clients: TimelineServiceClient[],
  tokens: Metadata[],
  concurrency: number,
  seconds: number,
  pids: Record<string, number>,
  maxRequests = Infinity,
) {
  const latencies: number[] = [];
  const errors = new Map<string, number>();
  const end = maxRequests === Infinity ? performance.now() + seconds * 1000 : Infinity;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < end && n < maxRequests) {
      const i = (n += 1);
      const t0 = performance.now();
      try {
        await call(clients[i % clients.length]!, tokens[i % tokens.length]!);
        latencies.push(performance.now() - t0);
      } catch (err: unknown) {
        countError(errors, err);
      }
    }
  };
  const started = performance.now();
  const cpuBefore = cpuSnapshot(pids);
  await Promise.all(Array.from({ length: concurrency }, worker));
  const cpu = cpuPerRequest(cpuBefore, cpuSnapshot(pids), Math.max(1, latencies.length));
  latencies.sort((a, b) => a - b);
  return { throughput: latencies.length / ((performance.now() - started) / 1000), p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors, cpu };
}

async function main(): Promise<void> {
  await ensureDatabase();
  // Health probes at the services' default interval, not the 500 ms the test helper uses.
  const env = { DATABASE_URL: BENCH_URL, REDIS_URL, LOG_LEVEL: 'warn', HEALTH_INTERVAL_MS: '5000' };
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
  const services: SpawnedService[] = [];
  try {
    const memberMetricsPort = await freePort();
    const member = await spawnService('member', {
      ...env,
      PASSWORD_SCRYPT_LOG_N: '14',
      METRICS_PORT: String(memberMetricsPort),
      ...(process.env.BENCH_MEMBER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_MEMBER_NODE_OPTIONS } : {}),
    });
    services.push(member);
    migrateService('content', env); // content's tables; content-svc itself is not needed
    const db = new pg.Pool({ connectionString: BENCH_URL, max: 2 });
    const members = new MemberServiceClient(member.address, credentials.createInsecure());
    await seed(db, members);
    const metricsPort = await freePort();
    await ensureTopic();
    const timeline = await spawnService('timeline', {
      ...env,
      CONTENT_READ_DATABASE_URL: READ_URL,
      MEMBER_ADDR: member.address,
      METRICS_PORT: String(metricsPort),
      AUTH_MEMORY_ENTRIES: args['auth-memory-entries'],
      ACTIVITY_TOPIC_PREFIX: TOPIC_PREFIX,
      ...(process.env.BENCH_TIMELINE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_TIMELINE_NODE_OPTIONS } : {}),
    });
    log(`timeline-svc AUTH_MEMORY_ENTRIES=${args['auth-memory-entries']} (0 = Authenticate asked of member-svc on every call)`);
    services.push(timeline);
    const { rows } = await db.query<{ m: string; f: string; p: string; avg: string; max: string }>(
      `select (select count(*) from member.members) m, (select count(*) from member.follows) f, (select count(*) from content.posts) p,
              (select round(avg(followings_count), 1) from member.member_profiles) avg, (select max(followers_count) from member.member_profiles) max`,
    );
    log(`data: ${rows[0]?.m} members, ${rows[0]?.p} posts, ${rows[0]?.f} follows (mean ${rows[0]?.avg} followings, most-followed has ${rows[0]?.max})`);
    const tokens = (await loginCallers(db, members, Number(args.callers))).map((t) => {
      const md = new Metadata();
      md.set('authorization', `Bearer ${t}`);
      return md;
    });
    log(`${tokens.length} callers logged in`);
    const pids = { member: member.process.pid ?? 0, timeline: timeline.process.pid ?? 0, bench: process.pid };
    const clients = Array.from({ length: 4 }, () => new TimelineServiceClient(timeline.address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
    const results: string[] = [];
    await new Promise((r) => setTimeout(r, 5000)); // timeline's fan-out consumer joins its group
    const stopWriter = await startWriter(db, Number(args['write-rate']));
    const writeStarted = performance.now();
    for (const feed of args.feeds.split(',').map((f) => f.trim()) as Feed[]) {
      if (!(feed in calls)) throw new Error(`unknown feed ${feed}; expected one of ${Object.keys(calls).join(', ')}`);
      // Warm-up: every caller reads once (for the follow feed this builds each caller's stored
      // feed from PostgreSQL, as an active member's first read would), then caches, JIT, pools.
      const cold = await saturation(calls[feed], clients.slice(0, 1), tokens, 1, 0, pids, tokens.length);
      log(`${feed}: first read of each of ${tokens.length} callers: p50 ${cold.p50.toFixed(1)} ms, p99 ${cold.p99.toFixed(1)} ms, errors ${errorText(cold.errors)}`);
      await saturation(calls[feed], clients, tokens, 8, 3, pids);
      const fixed = await fixedRate(calls[feed], clients, tokens, Number(args.rate), Number(args.seconds), pids);
      const sat = await saturation(calls[feed], clients, tokens, Number(args.concurrency), Number(args['saturation-seconds']), pids);
      results.push(
        `${feed.padEnd(13)} | ${args.rate}/s: p50 ${fixed.p50.toFixed(1)} ms, p99 ${fixed.p99.toFixed(1)} ms, errors ${errorText(fixed.errors)}, ${fixed.cpu}` +
          ` | saturation (${args.concurrency} in flight): ${sat.throughput.toFixed(0)} req/s, p50 ${sat.p50.toFixed(1)} ms, p99 ${sat.p99.toFixed(1)} ms, errors ${errorText(sat.errors)}` +
          ` | ${sat.cpu}`,
      );
      log(results[results.length - 1]!);
    }
    const written = await stopWriter();
    log(`${written} posts written meanwhile (${(written / ((performance.now() - writeStarted) / 1000)).toFixed(1)}/s), each fanned out by timeline-svc`);
    process.stdout.write(`\nresults (${new Date().toISOString()}):\n${results.join('\n')}\n`);
    // Cache effectiveness over the whole run, from timeline-svc's own counters.
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const counters = text.split('\n').filter((l) => /^dailyfeed_(feed_cache_total|author_cache_total|auth_memory_total|follow_feed_pages_total|fanout_events_total|fanout_list_writes_total)\{/.test(l));
    process.stdout.write(`timeline-svc counters:\n${counters.map((l) => `  ${l.replace(/,?service="timeline"/, '')}`).join('\n')}\n`);
    // What the run asked of member-svc, by method.
    const memberText = await (await fetch(`http://127.0.0.1:${memberMetricsPort}/metrics`)).text();
    const memberCalls = memberText.split('\n').filter((l) => l.startsWith('grpc_server_handling_seconds_count{') && l.includes('grpc_code="OK"'));
    process.stdout.write(`member-svc calls:\n${memberCalls.map((l) => `  ${/grpc_method="([^"]+)"/.exec(l)?.[1] ?? '?'} ${l.split(' ').pop()}`).join('\n')}\n`);
    for (const c of clients) c.close();
    members.close();
    await db.end();
  } finally {
    for (const s of services.reverse()) await s.stop();
  }
}

await main();
