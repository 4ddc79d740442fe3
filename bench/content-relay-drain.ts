// Benchmark: how long the relay needs to drain a backlog of publisher dead letters. Inserts
// COUNT due PENDING outbox rows (real MemberActivityEvent payloads for today's topic, as if a
// Kafka outage had left them behind), then runs the `relay-dead-letters` job command as its own
// process and reports its wall time and the rows it published per second.
//   node bench/content-relay-drain.ts       COUNT=10000
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { MemberActivityEvent, MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import { migrateService, TEST_DATABASE_URL } from '../test/support/spawn-service.ts';

const COUNT = Number(process.env.COUNT ?? 10_000);
const root = fileURLToPath(new URL('..', import.meta.url));
const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
const topic = `member-activity-${day}`;
const run = randomUUID().slice(0, 8);

migrateService('content');
// Today's topic must exist; the job creates it (and is part of what an operator would run).
const ensure = spawnSync(process.execPath, [join(root, 'services/content/src/main.ts'), 'ensure-topics'], {
  env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn' },
  encoding: 'utf8',
});
if (ensure.status !== 0) throw new Error(`ensure-topics failed: ${ensure.stderr}`);

const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
await db.connect();
try {
  for (let start = 0; start < COUNT; start += 1000) {
    const keys: string[] = [];
    const payloads: Buffer[] = [];
    for (let i = start; i < Math.min(COUNT, start + 1000); i += 1) {
      // Member 0 marks bench letters: no real member or write ever has it.
      const key = `member_activity:kafka_event:POST_UPDATE###${i + 1}###0###bench-${run}-${i}`;
      keys.push(key);
      payloads.push(
        Buffer.from(
          MemberActivityEvent.encode({ messageKey: key, type: MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_UPDATE, memberId: '0', postId: String(i + 1), createdAt: new Date() }).finish(),
        ),
      );
    }
    await db.query(
      `insert into content.outbox (message_key, topic, payload, attempts, last_error, next_attempt_at, created_at)
       select k, $2, p, 1, 'bench: broker unavailable', now(), now() - interval '1 minute' from unnest($1::text[], $3::bytea[]) as t(k, p)`,
      [keys, topic, payloads],
    );
  }
  const started = performance.now();
  const job = spawnSync(process.execPath, [join(root, 'services/content/src/main.ts'), 'relay-dead-letters'], {
    env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'info' },
    encoding: 'utf8',
  });
  const seconds = (performance.now() - started) / 1000;
  if (job.status !== 0) throw new Error(`relay job failed: ${job.stderr}${job.stdout}`);
  const summary = job.stdout.split('\n').find((l) => l.includes('relay run done')) ?? '';
  const { rows } = await db.query<{ state: string; n: string }>(
    `select state, count(*) as n from content.outbox where message_key like $1 group by state`,
    [`%###bench-${run}-%`],
  );
  const relayMs = (JSON.parse(summary || '{}') as { ms?: number }).ms ?? 0;
  console.log(`content-relay-drain: ${COUNT} due dead letters on ${topic}`);
  console.log(`  job wall time (process start to exit) ${seconds.toFixed(2)} s`);
  console.log(`  relay drain inside the job            ${(relayMs / 1000).toFixed(2)} s = ${(COUNT / (relayMs / 1000)).toFixed(0)} rows/s`);
  console.log(`  states after the run                  ${rows.map((r) => `${r.state}=${r.n}`).join(' ')}`);
} finally {
  await db.end();
}
