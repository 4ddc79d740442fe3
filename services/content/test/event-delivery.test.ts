// Component test: no committed write loses its event. Writer crash: content-svc runs as a child
// process and is SIGKILLed in the middle of a write burst; after a restart every committed
// post's POST_CREATE is in Kafka. Kafka outage: with the broker stopped 500 writes all succeed;
// once it is back every event arrives, one per write, with keys in the specified format.
// The outage stops the shared broker: it is restarted in `finally` and in `after`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { ContentServiceClient } from '@dailyfeed/gen/content/v1/content';
import { spawnService, type SpawnedService } from '../../../test/support/spawn-service.ts';
import { startService } from '../src/app.ts';
import { connectPostgres, migrate, type Postgres } from '../src/adapters/postgres.ts';
import { query } from '../src/adapters/sql.ts';
import { contentApi, contentConfig, createMember, eventually, readTopics, recentTopics, silentLog, type TestMember } from './support/helpers.ts';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const infra = (command: 'kafka-down' | 'kafka-up') => execFileSync('bash', [join(root, 'infra/infra.sh'), command], { stdio: 'ignore', timeout: 120_000 });
const KEY_TS = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{9}';
const createKey = (postId: string, memberId: string) => `member_activity:kafka_event:POST_CREATE###${postId}###${memberId}`;

/** Retries quickly so that delivery after an outage or restart takes seconds, not minutes. */
const FAST_RELAY = {
  OUTBOX_RELAY_INTERVAL_MS: '200',
  OUTBOX_RELAY_GRACE_MS: '1000',
  OUTBOX_BACKOFF_BASE_MS: '200',
  OUTBOX_BACKOFF_CAP_MS: '2000',
  OUTBOX_MAX_ATTEMPTS: '1000',
  PUBLISH_PROBE_INTERVAL_MS: '500',
  // Long enough for the first sends to a broker that is just starting: a send given up while it
  // is on the wire may still land, and would arrive twice.
  PUBLISH_TIMEOUT_MS: '10000',
};

/** Runs `total` tasks with `concurrency` lanes; stops taking new ones once `stop()` is true. */
async function burst(total: number, concurrency: number, task: (i: number) => Promise<void>, stop = () => false): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && !stop()) await task(next++);
    }),
  );
}

describe('content-svc event delivery', () => {
  let pg: Postgres;
  let member: SpawnedService;

  before(async () => {
    await migrate(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed_test');
    pg = connectPostgres(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed_test', 2);
    member = await spawnService('member');
  });
  after(async () => {
    infra('kafka-up');
    await member.stop();
    await pg.close();
  });

  const sql = <T>(text: string, bindings: string[] = []) => query<T>(pg.pool, text, bindings);
  const keysInKafka = async (expected: ReadonlySet<string>, timeoutMs: number) => {
    const records = await readTopics(recentTopics(), (r) => [...expected].every((k) => r.some((x) => x.key === k)), timeoutMs);
    return records.map((r) => r.key);
  };

  it('when the writer is SIGKILLed mid-burst and restarted, then every committed write has its event in Kafka', { timeout: 240_000 }, async () => {
    const writer: TestMember = await createMember(member.address, 'crash');
    const env = { MEMBER_ADDR: member.address, ...FAST_RELAY };
    const first = await spawnService('content', env);
    const client = new ContentServiceClient(first.address, credentials.createInsecure());
    const api = contentApi(client);
    let acknowledged = 0;
    let killed = false;
    const acked: string[] = [];
    await burst(
      400,
      16,
      async (i) => {
        try {
          const { post } = await api.createPost({ content: `crash burst ${i}` }, writer.md());
          acked.push(post?.id ?? '');
          acknowledged += 1;
          if (acknowledged === 120 && !killed) {
            killed = true;
            await first.kill();
          }
        } catch {
          // calls in flight when the process died
        }
      },
      () => killed,
    );
    client.close();
    const committed = (await sql<{ id: string }>(`select id from content.posts where author_id = ?`, [writer.id])).map((r) => r.id);
    const unpublished = await sql<{ n: string }>(
      `select count(*) as n from content.outbox where message_key like ? and state = 'PENDING'`,
      [`%:POST_CREATE###%###${writer.id}`],
    );
    silentLog.info({ committed: committed.length, unpublished: unpublished[0]?.n }, 'writer killed');
    for (const id of acked) assert.ok(committed.includes(id), `acknowledged post ${id} is committed`);

    const second = await spawnService('content', env);
    try {
      const expected = new Set(committed.map((id) => createKey(id, writer.id)));
      await eventually(
        async () => {
          const [row] = await sql<{ n: string }>(`select count(*) as n from content.outbox where message_key like ? and state <> 'COMPLETED'`, [
            `%:POST_CREATE###%###${writer.id}`,
          ]);
          return row?.n === '0' ? true : undefined;
        },
        60_000,
        'every outbox row of the burst to be published',
      );
      const seen = new Set(await keysInKafka(expected, 60_000));
      const missing = [...expected].filter((k) => !seen.has(k));
      assert.deepEqual(missing, [], `${missing.length} of ${expected.size} committed writes have no event`);
    } finally {
      await second.stop();
    }
  });

  it('when Kafka is down during 500 writes, then every write succeeds and every event arrives once the broker is back', { timeout: 300_000 }, async () => {
    const [alice, bob] = await Promise.all([createMember(member.address, 'outage'), createMember(member.address, 'outbob')]);
    const service = await startService(contentConfig(member.address, FAST_RELAY), silentLog);
    const client = new ContentServiceClient(`127.0.0.1:${service.grpcPort}`, credentials.createInsecure());
    const api = contentApi(client);
    try {
      const target = (await api.createPost({ content: 'liked during the outage' }, alice.md())).post?.id ?? '';
      const created: string[] = [];
      const failures: unknown[] = [];
      try {
        infra('kafka-down');
        const likes = (async () => {
          // 50 like/unlike pairs by one member on one post: 100 repeatable events with distinct keys.
          for (let i = 0; i < 50; i += 1) {
            await api.likePost(target, bob.md(randomUUID())).catch((err: unknown) => failures.push(err));
            await api.unlikePost(target, bob.md(randomUUID())).catch((err: unknown) => failures.push(err));
          }
        })();
        await burst(400, 16, async (i) => {
          try {
            const { post } = await api.createPost({ content: `outage ${i}` }, alice.md(randomUUID()));
            created.push(post?.id ?? '');
          } catch (err: unknown) {
            failures.push(err);
          }
        });
        await likes;
      } finally {
        infra('kafka-up');
      }
      assert.deepEqual(failures, [], 'every write succeeds while Kafka is down');
      assert.equal(created.length, 400);

      const expected = new Set(created.map((id) => createKey(id, alice.id)));
      const likePrefix = `member_activity:kafka_event:LIKE_POST###${target}###${bob.id}###`;
      const cancelPrefix = `member_activity:kafka_event:LIKE_CANCEL_POST###${target}###${bob.id}###`;
      const records = await readTopics(
        recentTopics(),
        (r) => {
          const keys = new Set(r.map((x) => x.key));
          return [...expected].every((k) => keys.has(k)) && [...keys].filter((k) => k.startsWith(likePrefix) || k.startsWith(cancelPrefix)).length >= 100;
        },
        150_000,
      );
      const keys = records.map((r) => r.key);
      const mine = keys.filter((k) => expected.has(k));
      assert.equal(new Set(mine).size, 400, 'every create event arrived');
      assert.equal(mine.length, 400, 'no create event arrived twice');
      const likeKeys = keys.filter((k) => k.startsWith(likePrefix));
      const cancelKeys = keys.filter((k) => k.startsWith(cancelPrefix));
      assert.equal(new Set(likeKeys).size, 50);
      assert.equal(new Set(cancelKeys).size, 50);
      assert.equal(likeKeys.length + cancelKeys.length, 100, 'no like event arrived twice');
      for (const k of [...likeKeys, ...cancelKeys]) assert.match(k, new RegExp(`###${KEY_TS}$`));
    } finally {
      client.close();
      await service.stop();
    }
  });
});
