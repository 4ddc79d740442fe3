// Component test of creating a post as one statement (write-runner.ts's blind writes, id-blocks.ts)
// against the test database, with content-svc's own pool: what leaves PostgreSQL's socket, what the
// database holds afterwards, and the ids taken ahead from the posts' identity sequence.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { CreatePostRequest, CreatePostResponse } from '@dailyfeed/gen/content/v1/content';
import { createIdBlocks } from '../src/adapters/id-blocks.ts';
import type { ImmediateQueue } from '../src/adapters/outbox-relay.ts';
import type { ClaimedRow } from '../src/adapters/outbox-repo.ts';
import { connectPostgres, migrate, type Postgres } from '../src/adapters/postgres.ts';
import { newPost } from '../src/adapters/posts-repo.ts';
import { query } from '../src/adapters/sql.ts';
import { createWriteRunner, type WriteRunner } from '../src/adapters/write-runner.ts';
import { createEventClock } from '../src/domain/event-clock.ts';
import { recordFlushes, TEST_DATABASE_URL } from './support/helpers.ts';

describe('content-svc blind writes: a new post in one statement', () => {
  let pg: Postgres;
  let runner: WriteRunner;
  const enqueued: ClaimedRow[] = [];
  // The protocol messages of each call that hands bytes to the kernel ('Q begin', 'B', 'E', 'S').
  const flushes: string[][] = [];

  before(async () => {
    await migrate(TEST_DATABASE_URL);
    pg = connectPostgres(TEST_DATABASE_URL, 1);
    recordFlushes(pg.pool, flushes);
    let nanos = BigInt(Date.now()) * 1_000_000n;
    const queue: ImmediateQueue = { enqueue: (rows) => void enqueued.push(...rows), idle: () => Promise.resolve() };
    runner = createWriteRunner(pg.pool, createEventClock(() => (nanos += 1000n)), queue);
  });

  after(async () => {
    await pg.close();
  });

  const createPost = (id: string, content: string, key?: string) => {
    const metadata = new Metadata();
    if (key !== undefined) metadata.set('idempotency-key', key);
    return runner.run({
      metadata,
      memberId: '7',
      method: 'CreatePost',
      request: CreatePostRequest.fromPartial({ content }),
      requestCodec: CreatePostRequest,
      responseCodec: CreatePostResponse,
      blind: (at) => {
        const { row, statement } = newPost(id, '7', content, at);
        return {
          statements: [statement],
          response: CreatePostResponse.fromPartial({ post: { id: row.id, content: row.content, createdAt: row.createdAt } }),
          activities: [{ action: 'POST_CREATE', memberId: '7', postId: row.id, content }],
        };
      },
    });
  };

  it('when a post is created with an idempotency key, then the post, its event and the key leave in one write as one statement, without BEGIN or COMMIT', async () => {
    const ids = createIdBlocks(pg.pool, 'content.posts', 'id', { size: 4, maxAgeMs: 60_000 });
    const id = await ids.next();
    flushes.length = 0;
    enqueued.length = 0;
    const content = `blind-${randomUUID()}`;
    const answer = await createPost(id, content, randomUUID());
    const shown = flushes.map((f) => f.join(',')).join(' | ');
    assert.equal(flushes.length, 1, `one write; writes: ${shown}`);
    assert.deepEqual(flushes[0]?.filter((m) => m === 'B' || m.startsWith('Q')), ['B'], `one statement, no BEGIN or COMMIT; writes: ${shown}`);
    const [post] = await query<{ id: string; content: string; createdAt: Date; likes: string; comments: string; views: string }>(
      pg.pool,
      `select id, content, created_at as "createdAt", like_count as likes, comment_count as comments, view_count as views from content.posts where id = ?`,
      [id],
    );
    assert.deepEqual(post, { id, content, createdAt: answer.post?.createdAt, likes: '0', comments: '0', views: '0' });
    const outbox = await query<{ id: string; key: string }>(pg.pool, `select id, message_key as key from content.outbox where message_key like ?`, [`%POST_CREATE###${id}###7`]);
    assert.equal(outbox.length, 1);
    assert.deepEqual(enqueued.map((r) => r.id), [outbox[0]?.id], 'the committed event goes to the immediate publisher');
  });

  it('when the same key comes again, then the first answer is returned and nothing of the second write stays', async () => {
    const ids = createIdBlocks(pg.pool, 'content.posts', 'id', { size: 2, maxAgeMs: 60_000 });
    const key = randomUUID();
    const content = `blind-again-${randomUUID()}`;
    const first = await createPost(await ids.next(), content, key);
    const secondId = await ids.next();
    const second = await createPost(secondId, content, key);
    assert.deepEqual(second, first);
    const rows = await query<{ id: string }>(pg.pool, `select id from content.posts where content = ?`, [content]);
    assert.deepEqual(rows.map((r) => r.id), [first.post?.id]);
    const events = await query(pg.pool, `select 1 from content.outbox where message_key like ?`, [`%POST_CREATE###${secondId}###7`]);
    assert.equal(events.length, 0, 'the refused statement wrote no event');
  });

  it('when ids are asked for together, then each is distinct, one round trip serves a block, and the identity default keeps counting past them', async () => {
    const ids = createIdBlocks(pg.pool, 'content.posts', 'id', { size: 8, maxAgeMs: 60_000 });
    flushes.length = 0;
    const taken = await Promise.all(Array.from({ length: 20 }, () => ids.next()));
    assert.equal(new Set(taken).size, 20);
    assert.equal(flushes.length, 3, 'three blocks of eight for twenty ids');
    const [later] = await query<{ id: string }>(pg.pool, `insert into content.posts (author_id, content) values (7, ?) returning id`, [`identity-${randomUUID()}`]);
    const highest = taken.map(BigInt).reduce((a, b) => (a > b ? a : b));
    assert.ok(BigInt(later?.id ?? '0') > highest, `the identity default (${later?.id}) comes after every id taken ahead (${highest})`);
  });

  it('when a block is older than its age limit, then its unused ids are dropped and a fresh block is taken', async () => {
    let clock = 0;
    const ids = createIdBlocks(pg.pool, 'content.posts', 'id', { size: 8, maxAgeMs: 1000, now: () => clock });
    const first = BigInt(await ids.next());
    const second = BigInt(await ids.next());
    assert.equal(second, first + 1n, 'the same block while it is young');
    clock = 1001;
    const third = BigInt(await ids.next());
    assert.ok(third > first + 7n, `a fresh block (${third}) after the old one (${first}..${first + 7n})`);
  });
});
