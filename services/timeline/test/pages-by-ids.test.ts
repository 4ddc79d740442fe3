// Component tests of the batched page reads against content's tables through timeline's read-only
// role: the follow feed's pages (PostsReader.pageByIds) and an author's posts with the viewer's
// liked flags (byAuthor with a viewer: my feed, a member's posts). Pages asked for in the same
// turn of the event loop are read by one statement, and each reader still gets exactly its own
// page with its own liked flags.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../../../test/support/spawn-service.ts';
import { createPostsReader, type PostsReader } from '../src/adapters/posts-reader.ts';
import { connectReadDb, type ReadDb } from '../src/adapters/read-db.ts';
import { createFixtures, type Fixtures } from './support/fixtures.ts';
import { prepareDatabase, READ_URL } from './support/harness.ts';

describe('timeline-svc batched page reads', () => {
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

  it("when several readers ask for authors' pages in the same turn, then one statement reads them, each newest first with its own offset and liked flags", async () => {
    const other = String(base + 3);
    const t0 = new Date('2030-01-01T00:00:00Z');
    const mine = [];
    for (let i = 0; i < 5; i += 1) mine.push(await fixtures.post({ authorId: other, createdAt: new Date(t0.getTime() + i * 1000) }));
    await fixtures.post({ authorId: other, createdAt: new Date(t0.getTime() + 9000), deleted: true });
    await fixtures.likePost(mine[4]!, alice);
    await fixtures.likePost(mine[2]!, bob);
    statements.length = 0;
    const [first, second, forBob, empty] = await Promise.all([
      posts.byAuthor(other, { page: 0, size: 1, offset: 0, limit: 2 }, alice),
      posts.byAuthor(other, { page: 2, size: 1, offset: 2, limit: 2 }, alice),
      posts.byAuthor(other, { page: 1, size: 1, offset: 1, limit: 2 }, bob),
      posts.byAuthor(author + '9', { page: 0, size: 4, offset: 0, limit: 5 }, bob),
    ]);
    assert.deepEqual(statements, ['timeline_author_pages'], 'one statement for the four pages');
    const view = (rows: readonly { id: string }[]) => rows.map((r) => `${r.id}:${(r as unknown as { liked: boolean }).liked}`);
    assert.deepEqual(view(first), [`${mine[4]}:true`, `${mine[3]}:false`], 'newest first, the deleted post left out');
    assert.deepEqual(view(second), [`${mine[2]}:false`, `${mine[1]}:false`]);
    assert.deepEqual(view(forBob), [`${mine[3]}:false`, `${mine[2]}:true`]);
    assert.deepEqual(empty, []);
  });

  it('when an author page lies past 2^31 rows (the largest page number times 100), then it is empty, not an error', async () => {
    const farthest = 2_147_483_647 * 100;
    assert.deepEqual(await posts.byAuthor(author, { page: 2_147_483_647, size: 100, offset: farthest, limit: 101 }, bob), []);
  });
});
