// Component tests of the follow feed's page read (PostsReader.pageByIds) against content's tables
// through timeline's read-only role: pages asked for in the same turn of the event loop are read
// by one statement, and each reader still gets exactly its own page with its own liked flags.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../../../test/support/spawn-service.ts';
import { createPostsReader, type PostsReader } from '../src/adapters/posts-reader.ts';
import { connectReadDb, type ReadDb } from '../src/adapters/read-db.ts';
import { createFixtures, type Fixtures } from './support/fixtures.ts';
import { prepareDatabase, READ_URL } from './support/harness.ts';

describe('timeline-svc follow-feed pages (pageByIds)', () => {
  let superuser: pg.Pool;
  let readDb: ReadDb;
  let fixtures: Fixtures;
  /** Statement names sent through the read connection, in order. */
  const statements: (string | undefined)[] = [];
  let posts: PostsReader;
  // Ids far from the sequences' ranges, unique per run.
  const base = 9_000_000_000 + randomInt(1_000_000_000);
  const [alice, bob, author] = [base, base + 1, base + 2].map(String) as [string, string, string];

  before(async () => {
    superuser = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    await prepareDatabase(superuser);
    readDb = connectReadDb(READ_URL, 4, 5000);
    const counted: ReadDb = {
      query: (text, params, name) => {
        statements.push(name);
        return readDb.query(text, params, name);
      },
      ping: () => readDb.ping(),
      close: () => readDb.close(),
    };
    posts = createPostsReader(counted);
    fixtures = createFixtures(superuser);
  });
  after(async () => {
    await fixtures.cleanup();
    await readDb.close();
    await superuser.end();
  });

  it('when two readers ask in the same turn, then one statement reads both pages and each gets its own posts and liked flags', async () => {
    const [p1, p2, p3] = [await fixtures.post({ authorId: author }), await fixtures.post({ authorId: author }), await fixtures.post({ authorId: author })];
    const gone = await fixtures.post({ authorId: author, deleted: true });
    await fixtures.likePost(p1, alice);
    await fixtures.likePost(p2, bob);
    statements.length = 0;
    const [forAlice, forBob] = await Promise.all([posts.pageByIds([p1, p2, gone], alice), posts.pageByIds([p2, p3], bob)]);
    assert.deepEqual(statements, ['timeline_pages_by_ids'], 'one statement for both pages');
    const flags = (rows: { id: string; liked: boolean }[]) => Object.fromEntries(rows.map((r) => [r.id, r.liked]));
    assert.deepEqual(flags(forAlice), { [p1]: true, [p2]: false }, "alice's page: the deleted post left out, her like only");
    assert.deepEqual(flags(forBob), { [p2]: true, [p3]: false }, "bob's page: his like only");
    assert.ok(forAlice.every((r) => r.authorId === author && typeof r.content === 'string' && r.createdAt instanceof Date));
  });

  it('when a reader asks alone, then its page is read as before', async () => {
    const p = await fixtures.post({ authorId: author, content: 'alone' });
    statements.length = 0;
    const rows = await posts.pageByIds([p], alice);
    assert.deepEqual(statements, ['timeline_pages_by_ids']);
    assert.deepEqual(rows.map((r) => [r.id, r.content, r.liked]), [[p, 'alone', false]]);
  });

  it('when more pages are asked for at once than one statement takes, then they are split and every page is answered', async () => {
    const p = await fixtures.post({ authorId: author });
    statements.length = 0;
    const all = await Promise.all(Array.from({ length: 40 }, () => posts.pageByIds([p], bob)));
    assert.equal(statements.length, 2, '32 pages, then 8');
    assert.ok(all.every((rows) => rows.length === 1 && rows[0]?.id === p));
  });

  it('when the statement fails, then every page of it fails (none waits forever)', async () => {
    const p = await fixtures.post({ authorId: author });
    const results = await Promise.allSettled([posts.pageByIds([p], alice), posts.pageByIds(['not-a-number'], bob)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  });
});
