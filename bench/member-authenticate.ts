// Bench: Authenticate throughput and latency. Starts member-svc on port 0 against the real
// PostgreSQL and Redis, signs up a member, logs in, then fires Authenticate (MEMBER view)
// through the generated client with bounded concurrency for a bounded time, and prints calls/s,
// p50 and p99.
//   node bench/member-authenticate.ts [--seconds 10] [--concurrency 32] [--view member|summary|profile]
import { credentials, Metadata } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AuthenticateView, CountryCode, Gender, MemberServiceClient, type AuthenticateResponse, type LoginRequest, type LoginResponse } from '@dailyfeed/gen/member/v1/member';
import { startService } from '../services/member/src/app.ts';
import { loadConfig } from '../services/member/src/config.ts';
import { connectPostgres, migrate } from '../services/member/src/adapters/postgres.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    view: { type: 'string', default: 'member' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const views: Record<string, AuthenticateView> = {
  member: AuthenticateView.AUTHENTICATE_VIEW_MEMBER,
  summary: AuthenticateView.AUTHENTICATE_VIEW_SUMMARY,
  profile: AuthenticateView.AUTHENTICATE_VIEW_PROFILE,
};
const view = views[values.view] ?? AuthenticateView.AUTHENTICATE_VIEW_MEMBER;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed';

const pg = await connectPostgres(DATABASE_URL, 2);
await migrate(pg).finally(() => pg.close());
const service = await startService(loadConfig({ ...process.env, GRPC_PORT: '0', METRICS_PORT: '0', DATABASE_URL, LOG_LEVEL: 'silent' }), pino({ level: 'silent' }));
const client = new MemberServiceClient(`127.0.0.1:${service.grpcPort}`, credentials.createInsecure());

const unary = <Req, Res>(fn: (req: Req, md: Metadata, cb: (err: Error | null, res: Res) => void) => unknown, req: Req, md = new Metadata()): Promise<Res> =>
  new Promise((resolve, reject) => fn(req, md, (err, res) => (err ? reject(err) : resolve(res))));

const suffix = randomBytes(5).toString('hex');
const email = `bench_${suffix}@example.test`;
await unary(client.signup.bind(client), {
  email,
  password: 'Passw0rd!',
  memberName: 'Bench',
  handle: `bench_${suffix}`,
  gender: Gender.GENDER_OTHER,
  countryCode: CountryCode.COUNTRY_CODE_KR,
  verificationStatus: 0,
  privacyLevel: 0,
});
const login = await unary<LoginRequest, LoginResponse>(client.login.bind(client), { email, password: 'Passw0rd!', client: undefined });
const auth = new Metadata();
auth.set('authorization', `Bearer ${login.tokens?.accessToken ?? ''}`);

const authenticate = (): Promise<AuthenticateResponse> => unary(client.authenticate.bind(client), { view }, auth);
for (let i = 0; i < 200; i++) await authenticate(); // warm-up: JIT, connection, caches

const latencies: number[] = [];
let errors = 0;
const started = performance.now();
const deadline = started + seconds * 1000;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      try {
        await authenticate();
        latencies.push(performance.now() - t);
      } catch {
        errors += 1;
      }
    }
  }),
);
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number): string => (latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0).toFixed(2);
process.stdout.write(
  `member Authenticate (view=${values.view}, concurrency=${concurrency}, ${seconds}s): ` +
    `${latencies.length} calls, ${(latencies.length / elapsed).toFixed(0)} calls/s, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, errors ${errors}\n`,
);
client.close();
await service.stop();
