// Component test: post views counted by timeline-svc in Redis (HINCRBY content:post_views:pending
// <postId> 1) are added to posts.view_count by content-svc: by the `flush-views` job command
// and by the running service's timer, including a processing key a crashed flusher left behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { connectPostgres, migrate, type Postgres } from '../src/adapters/postgres.ts';
import { query } from '../src/adapters/sql.ts';
import { createViewFlusher, PENDING_VIEWS_KEY, PROCESSING_KEYS, PROCESSING_PREFIX } from '../src/adapters/view-flusher.ts';
import { startService } from '../src/app.ts';
import { contentConfig, eventually, TEST_DATABASE_URL } from './support/helpers.ts';

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

describe('content-svc post views', () => {
  let pg: Postgres;
  let redis: Redis;

  before(async () => {
    await migrate(TEST_DATABASE_URL);
    pg = connectPostgres(TEST_DATABASE_URL, 2);
    redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  });
  after(async () => {
    redis.disconnect();
    await pg.close();
  });

  const newPost = async () =>
    (await query<{ id: string }>(pg.pool, `insert into content.posts (author_id, content) values (1, 'viewed') returning id`))[0]?.id ?? '';
  const views = async (id: string) => (await query<{ n: string }>(pg.pool, `select view_count as n from content.posts where id = ?`, [id]))[0]?.n;

  it('when views are pending in Redis, then the flush-views job adds them to view_count and empties the hash', async () => {
    const [a, b] = [await newPost(), await newPost()];
    await redis.hincrby(PENDING_VIEWS_KEY, a, 3);
    await redis.hincrby(PENDING_VIEWS_KEY, b, 1);
    // A processing key of a flusher that died long ago is applied too.
    const leftover = `${PROCESSING_PREFIX}${Date.now() - 3_600_000}:crashed`;
    await redis.hset(leftover, a, '2');
    const job = spawnSync(process.execPath, [main, 'flush-views'], { env: { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn' }, encoding: 'utf8' });
    assert.equal(job.status, 0, job.stderr);
    assert.equal(await views(a), '5');
    assert.equal(await views(b), '1');
    assert.equal(await redis.exists(leftover), 0);
  });

  it('when a flusher died holding views, then a later flush applies them from the list of processing keys, without scanning the keyspace after its first flush', async () => {
    const flusher = createViewFlusher(redis, pg.pool, 60_000);
    await flusher.flush(); // the first flush of a process scans once for unlisted leftovers
    const scans = async () => Number(/cmdstat_scan:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);
    const scansBefore = await scans();
    const id = await newPost();
    const leftover = `${PROCESSING_PREFIX}${Date.now() - 3_600_000}:died`;
    await redis.multi().hset(leftover, id, '4').zadd(PROCESSING_KEYS, Date.now() - 3_600_000, leftover).exec();
    await redis.hincrby(PENDING_VIEWS_KEY, id, 1);
    for (let i = 0; i < 5; i += 1) await flusher.flush();
    assert.equal(await views(id), '5');
    assert.equal(await redis.exists(leftover), 0);
    assert.equal(await redis.zscore(PROCESSING_KEYS, leftover), null, 'applied keys leave the list');
    assert.equal(await scans(), scansBefore, 'flushes after the first never SCAN');
  });

  it('when the service runs, then its timer flushes pending views', async () => {
    const service = await startService(contentConfig('127.0.0.1:1', { VIEW_FLUSH_INTERVAL_MS: '100', OUTBOX_RELAY_INTERVAL_MS: '0' }), pino({ level: 'silent' }));
    try {
      const id = await newPost();
      await redis.hincrby(PENDING_VIEWS_KEY, id, 1);
      await redis.hincrby(PENDING_VIEWS_KEY, id, 1);
      await eventually(async () => ((await views(id)) === '2' ? true : undefined), 5000, 'views to be flushed');
    } finally {
      await service.stop();
    }
  });
});
