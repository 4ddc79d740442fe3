// What remembering Authenticate answers saves on a follow-feed read: CPU per request of member-svc
// and timeline-svc, read from /proc before and after, with timeline remembering answers
// (AUTH_MEMORY_ENTRIES default) and with every call asking member-svc (AUTH_MEMORY_ENTRIES=0).
// Both timelines run side by side against one member-svc; each is driven in turn, so the other
// idles. Figures are CPU ms per request (user + system), not throughput: the machine is shared.
//   TEST_DATABASE_URL=... REDIS_URL=... KAFKA_BROKERS=... node bench/auth-memory.ts [--requests 3000] [--concurrency 8]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { CountryCode, Gender, MemberServiceClient, SignupRequest } from '@dailyfeed/gen/member/v1/member';
import { TimelineServiceClient } from '@dailyfeed/gen/timeline/v1/timeline';
import { migrateService, spawnService, TEST_DATABASE_URL, type SpawnedService } from '../test/support/spawn-service.ts';
import { cpuSnapshot } from './cpu.ts';

const { values: args } = parseArgs({ options: { requests: { type: 'string', default: '3000' }, concurrency: { type: 'string', default: '8' } } });
const REQUESTS = Number(args.requests);
const CONCURRENCY = Number(args.concurrency);
const READ_URL = TEST_DATABASE_URL.replace(/^postgres(ql)?:\/\/[^@/]*@/, 'postgres://dailyfeed_timeline_ro@');

type Cb<Res> = (err: ServiceError | null, res: Res) => void;
const call = <Req, Res>(method: (req: Req, md: Metadata, opts: { deadline: number }, cb: Cb<Res>) => unknown, req: Req, md = new Metadata()): Promise<Res> =>
  new Promise((resolve, reject) => void method(req, md, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))));
const bearer = (token: string): Metadata => {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
};

async function main(): Promise<void> {
  migrateService('content');
  const services: SpawnedService[] = [];
  try {
    const member = await spawnService('member', { PASSWORD_SCRYPT_LOG_N: '14', IMAGE_ADDR: '127.0.0.1:1' });
    services.push(member);
    const timelineEnv = { MEMBER_ADDR: member.address, CONTENT_READ_DATABASE_URL: READ_URL, LOG_LEVEL: 'warn' };
    const remembering = await spawnService('timeline', { ...timelineEnv, FANOUT_GROUP_ID: `bench-on-${randomBytes(4).toString('hex')}` });
    services.push(remembering);
    const asking = await spawnService('timeline', { ...timelineEnv, AUTH_MEMORY_ENTRIES: '0', FANOUT_GROUP_ID: `bench-off-${randomBytes(4).toString('hex')}` });
    services.push(asking);

    const members = new MemberServiceClient(member.address, credentials.createInsecure());
    const tokens: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const suffix = randomBytes(6).toString('hex');
      const email = `bench-${suffix}@auth-memory.example`;
      await call(members.signup.bind(members), SignupRequest.fromPartial({ email, password: 'Passw0rd!x', memberName: `b ${suffix}`, handle: `bam_${suffix}`, gender: Gender.GENDER_OTHER, countryCode: CountryCode.COUNTRY_CODE_KR }));
      const login = await call(members.login.bind(members), { email, password: 'Passw0rd!x', client: { deviceInfo: 'bench', ipAddress: '127.0.0.1' } });
      tokens.push(login.tokens?.accessToken ?? '');
    }
    members.close();

    for (const [label, timeline] of [['asking member-svc every call', asking], ['remembering answers', remembering], ['asking member-svc every call (again)', asking], ['remembering answers (again)', remembering]] as const) {
      const client = new TimelineServiceClient(timeline.address, credentials.createInsecure());
      const read = (i: number) => call(client.listFollowingPosts.bind(client), { page: 0, size: 10 }, bearer(tokens[i % tokens.length] ?? ''));
      for (let i = 0; i < 200; i += 1) await read(i); // warm-up: JIT, connections, remembered answers
      const pids = { member: member.process.pid ?? 0, timeline: timeline.process.pid ?? 0 };
      const before = cpuSnapshot(pids);
      const started = Date.now();
      let next = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < REQUESTS) await read(next++);
      }));
      const after = cpuSnapshot(pids);
      const per = (name: string) => (((after.get(name) ?? 0) - (before.get(name) ?? 0)) / REQUESTS).toFixed(3);
      console.log(`follow feed, ${label}: member ${per('member')} ms + timeline ${per('timeline')} ms CPU/request (${REQUESTS} requests in ${Date.now() - started} ms)`);
      client.close();
    }
  } finally {
    for (const s of services.reverse()) await s.stop();
  }
}

await main();
