// Benchmark: CreatePost throughput through gRPC with every event published to Kafka.
// Runs member-svc and content-svc as processes (as in production) against the test database,
// signs up MEMBERS members, then sends TOTAL creates with CONCURRENCY calls in flight, spread
// over the members. Prints the RPC rate and latency percentiles, and the rate counted until the
// last event of the run was published (outbox row COMPLETED), which is the figure that matters.
//   node bench/content-writes.ts            TOTAL=5000 CONCURRENCY=32 MEMBERS=16
import { randomUUID } from 'node:crypto';
import { credentials, Metadata } from '@grpc/grpc-js';
import pg from 'pg';
import { ContentServiceClient, type CreatePostResponse } from '@dailyfeed/gen/content/v1/content';
import { CountryCode, Gender, MemberServiceClient, SignupRequest, type LoginResponse } from '@dailyfeed/gen/member/v1/member';
import { spawnService, TEST_DATABASE_URL } from '../test/support/spawn-service.ts';

const TOTAL = Number(process.env.TOTAL ?? 5000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const MEMBERS = Number(process.env.MEMBERS ?? 16);

const member = await spawnService('member');
const content = await spawnService('content', { MEMBER_ADDR: member.address, LOG_LEVEL: 'warn' });
const members = new MemberServiceClient(member.address, credentials.createInsecure());
const client = new ContentServiceClient(content.address, credentials.createInsecure());
const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
await db.connect();

try {
  const tokens: { id: string; md: Metadata }[] = [];
  for (let i = 0; i < MEMBERS; i += 1) {
    const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
    const email = `bench-${suffix}@bench.example`;
    const password = 'Passw0rd!x';
    await new Promise<void>((resolve, reject) =>
      members.signup(
        SignupRequest.fromPartial({ email, password, memberName: `bench ${suffix}`, handle: `bench_${suffix}`, gender: Gender.GENDER_OTHER, countryCode: CountryCode.COUNTRY_CODE_KR }),
        (err) => (err ? reject(err) : resolve()),
      ),
    );
    const login = await new Promise<LoginResponse>((resolve, reject) =>
      members.login({ email, password, client: { deviceInfo: 'bench', ipAddress: '127.0.0.1' } }, (err, res) => (err ? reject(err) : resolve(res))),
    );
    const md = new Metadata();
    md.set('authorization', `Bearer ${login.tokens?.accessToken ?? ''}`);
    tokens.push({ id: login.member?.memberId ?? '', md });
  }

  const create = (i: number): Promise<CreatePostResponse> => {
    const who = tokens[i % tokens.length];
    if (!who) throw new Error('no member');
    const md = who.md.clone();
    md.set('idempotency-key', randomUUID());
    return new Promise((resolve, reject) =>
      client.createPost({ content: `bench post ${i} ${'lorem ipsum '.repeat(10)}` }, md, { deadline: Date.now() + 30_000 }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  };

  // Warm-up: connections, JIT, caches.
  await Promise.all(Array.from({ length: 200 }, (_, i) => create(i)));

  const latencies: number[] = [];
  const ids: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < TOTAL) {
        const i = next++;
        const t0 = performance.now();
        const res = await create(i);
        latencies.push(performance.now() - t0);
        ids.push(res.post?.id ?? '');
      }
    }),
  );
  const rpcSeconds = (performance.now() - started) / 1000;
  const keys = ids.map((id) => id);
  for (;;) {
    const { rows } = await db.query<{ n: string }>(
      `select count(*) as n from content.outbox o
        where o.state = 'COMPLETED' and o.message_key = any(select 'member_activity:kafka_event:POST_CREATE###' || p.id || '###' || p.author_id
                                                         from content.posts p where p.id = any($1::bigint[]))`,
      [keys],
    );
    if (Number(rows[0]?.n) >= TOTAL) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const publishedSeconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => (latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0).toFixed(1);
  console.log(`content-writes: ${TOTAL} CreatePost, concurrency ${CONCURRENCY}, ${MEMBERS} members, idempotency keys on`);
  console.log(`  RPC throughput            ${(TOTAL / rpcSeconds).toFixed(0)} creates/s (${rpcSeconds.toFixed(2)} s)`);
  console.log(`  latency p50 / p99         ${pct(50)} ms / ${pct(99)} ms`);
  console.log(`  with all events published ${(TOTAL / publishedSeconds).toFixed(0)} creates/s (last event ${publishedSeconds.toFixed(2)} s after start)`);
} finally {
  client.close();
  members.close();
  await db.end();
  await content.stop();
  await member.stop();
}
