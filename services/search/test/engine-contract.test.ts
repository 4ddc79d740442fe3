// The search engine contract: the same cases against every engine behind the SearchIndex port —
// PostgreSQL (always), the FAKE Typesense HTTP server of test/support/fake-typesense.ts (always;
// no Typesense server can run on this machine), and a real Typesense when TYPESENSE_URL (and
// TYPESENSE_API_KEY) are set, skipped visibly otherwise. Every case uses ids and words of its own,
// so the shared test database and a shared Typesense collection do not disturb it.
import assert from 'node:assert/strict';
import { randomInt, randomUUID } from 'node:crypto';
import { after, before, describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import { migrateService, TEST_DATABASE_URL } from '../../../test/support/spawn-service.ts';
import { connectPostgres, type Postgres } from '../src/adapters/postgres.ts';
import { reindexFromContent } from '../src/adapters/reindex.ts';
import { createSearchIndex } from '../src/adapters/search-index.ts';
import { createSql } from '../src/adapters/sql.ts';
import { createTypesenseIndex, ensureCollection } from '../src/adapters/typesense-index.ts';
import { DomainError } from '../src/domain/errors.ts';
import type { IndexChange } from '../src/domain/index-event.ts';
import type { SearchIndex } from '../src/domain/search-engine.ts';
import { startFakeTypesense } from './support/fake-typesense.ts';

interface Engine {
  readonly index: SearchIndex;
  /** Makes the engine unreachable (Typesense only). */
  readonly takeDown?: () => Promise<void>;
  close(): Promise<void>;
}

const id = (): string => String(randomInt(1_000_000_000, 2 ** 47));
const word = (stem: string): string => `${stem}${randomUUID().replaceAll('-', '').slice(0, 10)}`;
const T0 = Date.UTC(2026, 0, 1);
const at = (ms: number): Date => new Date(T0 + ms);

let postgres: Postgres;
const admin = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });

async function typesenseEngine(url: string, apiKey: string, takeDown?: () => Promise<void>): Promise<Engine> {
  const options = { url, apiKey, collection: `contract_${randomUUID().slice(0, 8)}`, timeoutMs: 2000 };
  await ensureCollection(options);
  await ensureCollection(options); // idempotent: the second start finds it
  return { index: createTypesenseIndex(options, createSearchIndex(createSql(postgres))), close: async () => {}, ...(takeDown ? { takeDown } : {}) };
}

const ENGINES: { name: string; start(): Promise<Engine | string> }[] = [
  { name: 'postgres', start: async () => ({ index: createSearchIndex(createSql(postgres)), close: async () => {} }) },
  {
    name: 'typesense (FAKE http server)',
    start: async () => {
      const fake = await startFakeTypesense();
      let down = false;
      const takeDown = async () => {
        down = true;
        await fake.close();
      };
      const engine = await typesenseEngine(fake.url, fake.apiKey, takeDown);
      return { ...engine, close: async () => (down ? undefined : fake.close()) };
    },
  },
  {
    name: 'typesense (real, TYPESENSE_URL)',
    start: async () => {
      const url = process.env.TYPESENSE_URL;
      if (!url) return 'TYPESENSE_URL not set';
      return typesenseEngine(url, process.env.TYPESENSE_API_KEY ?? '');
    },
  },
];

before(async () => {
  migrateService('search');
  migrateService('content');
  postgres = await connectPostgres(TEST_DATABASE_URL, 4);
});
after(async () => {
  await postgres?.close();
  await admin.end();
});

const postIds = async (index: SearchIndex, keyword: string, size = 10, page = 0): Promise<string[]> =>
  (await index.searchPosts(keyword, size, page * size)).rows.map((r) => r.postId);
const commentIds = async (index: SearchIndex, keyword: string): Promise<string[]> =>
  (await index.searchComments(keyword, 100, 0)).rows.map((r) => r.commentId).sort();
const post = (postId: string, content: string, ms: number, authorId = '7'): IndexChange => ({ kind: 'upsert-post', postId, authorId, content, at: at(ms) });
const comment = (commentId: string, postId: string, content: string, ms: number, parentId?: string): IndexChange => ({
  kind: 'upsert-comment',
  commentId,
  postId,
  parentId,
  authorId: '7',
  content,
  at: at(ms),
});

for (const engine of ENGINES) {
  describe(`search engine contract: ${engine.name}`, () => {
    let started: Engine | string = 'not started';
    before(async () => {
      started = await engine.start();
    });
    after(async () => {
      if (typeof started !== 'string') await started.close();
    });

    /** Runs the case against this engine, or skips it visibly with the reason. */
    const contract = (name: string, body: (e: Engine, t: TestContext) => Promise<void>): void => {
      it(name, async (t: TestContext) => {
        if (typeof started === 'string') {
          t.skip(started);
          return;
        }
        await body(started, t);
      });
    };

    contract('a post is found by a word in any case, inside a word, and only when every word matches; its fields come back', async ({ index }) => {
      const w = word('Kiwi');
      const p = id();
      await index.applyMany([post(p, `hello ${w} world`, 1000, '42')]);
      assert.deepEqual(await postIds(index, w.toUpperCase()), [p]);
      assert.deepEqual(await postIds(index, w.slice(2, 9)), [p], 'a substring inside the word');
      assert.deepEqual(await postIds(index, `${w} world`), [p]);
      assert.deepEqual(await postIds(index, `${w} absentword`), []);
      const [row] = (await index.searchPosts(w, 10, 0)).rows;
      assert.deepEqual(row, { postId: p, authorId: '42', content: `hello ${w} world`, createdAt: at(1000), updatedAt: at(1000) });
    });

    contract('an older event arriving after a newer one is ignored (posts and comments); the creation time stays', async ({ index }) => {
      const [old, fresh] = [word('old'), word('new')];
      const [p, c] = [id(), id()];
      await index.applyMany([post(p, `${fresh}`, 2000), comment(c, p, `${fresh}`, 2000)]);
      await index.applyMany([post(p, `${old}`, 1000), comment(c, p, `${old}`, 1000)]);
      assert.deepEqual(await postIds(index, old), []);
      assert.deepEqual(await postIds(index, fresh), [p]);
      assert.deepEqual(await commentIds(index, old), []);
      assert.deepEqual(await commentIds(index, fresh), [c]);
      await index.applyMany([post(p, `${fresh} edited`, 3000)]);
      const [row] = (await index.searchPosts(`${fresh} edited`, 10, 0)).rows;
      assert.deepEqual([row?.createdAt, row?.updatedAt], [at(2000), at(3000)]);
      // The same event twice (a redelivery) changes nothing.
      await index.applyMany([post(p, `${fresh} edited`, 3000), post(p, `${fresh} edited`, 3000)]);
      assert.equal((await index.searchPosts(fresh, 10, 0)).total, 1);
    });

    contract('a batch holding many posts, one of them three times out of order, indexes each once with its newest text', async ({ index }) => {
      const w = word('batch');
      const posts = Array.from({ length: 30 }, () => id());
      const twice = posts[7]!;
      await index.applyMany([
        ...posts.map((p, i) => post(p, `${w} number${i}`, 1000 + i)),
        post(twice, `${w} newest`, 5000),
        post(twice, `${w} older`, 4000),
      ]);
      assert.equal((await index.searchPosts(w, 50, 0)).total, 30);
      assert.deepEqual(await postIds(index, `${w} newest`), [twice]);
      assert.deepEqual(await postIds(index, `${w} older`), []);
      const [row] = (await index.searchPosts(`${w} newest`, 10, 0)).rows;
      assert.deepEqual([row?.createdAt, row?.updatedAt], [at(1007), at(5000)]);
    });

    contract('a delete is final: a create arriving after it (or replayed) does not revive the post', async ({ index }) => {
      const w = word('gone');
      const [p, q] = [id(), id()];
      await index.applyMany([post(p, w, 1000), { kind: 'delete-post', postId: p, at: at(2000) }, post(p, w, 3000)]);
      // Delete seen before its create: a tombstone.
      await index.applyMany([{ kind: 'delete-post', postId: q, at: at(2000) }, post(q, w, 1000)]);
      assert.deepEqual(await postIds(index, w), []);
    });

    contract('a deleted comment hides its replies and theirs; a sibling stays; a reply arriving after the delete is hidden; depth and reply counts', async ({ index }) => {
      const w = word('subtree');
      const p = id();
      const [top, reply, nested, sibling, late] = [id(), id(), id(), id(), id()];
      await index.applyMany([
        comment(top, p, `${w} top`, 1000),
        comment(sibling, p, `${w} sibling`, 1100),
        comment(reply, p, `${w} reply`, 1200, top),
        comment(nested, p, `${w} nested`, 1300, reply),
      ]);
      const before = await index.postComments(p, 10, 0);
      assert.deepEqual(
        before.rows.map((r) => [r.commentId, r.parentId, r.depth, r.replyCount]),
        [
          [top, null, 0, 1],
          [sibling, null, 0, 0],
          [reply, top, 1, 1],
          [nested, reply, 2, 0],
        ],
      );
      await index.applyMany([{ kind: 'delete-comment', commentId: top, postId: p, at: at(2000) }]);
      assert.deepEqual(await commentIds(index, w), [sibling]);
      await index.applyMany([comment(late, p, `${w} late`, 3000, top)]);
      assert.deepEqual(await commentIds(index, w), [sibling]);
      const after = await index.postComments(p, 10, 0);
      assert.deepEqual([after.rows.map((r) => r.commentId), after.total], [[sibling], 1]);
    });

    contract('a deleted post hides its comments, including one arriving after the delete', async ({ index }) => {
      const w = word('postgone');
      const p = id();
      const [c1, c2] = [id(), id()];
      await index.applyMany([post(p, w, 1000), comment(c1, p, w, 1100), { kind: 'delete-post', postId: p, at: at(2000) }, comment(c2, p, w, 3000)]);
      assert.deepEqual(await commentIds(index, w), []);
      assert.equal((await index.postComments(p, 10, 0)).total, 0);
    });

    contract('pages: posts newest first (ties by id, higher first), a post\'s comments oldest first, totals over every page', async ({ index }) => {
      const w = word('page');
      const ids = [id(), id(), id(), id(), id()].sort((a, b) => Number(a) - Number(b));
      // Two posts share a creation time: the higher id comes first.
      const times = [1000, 2000, 3000, 3000, 4000];
      await index.applyMany(ids.map((p, i) => post(p, `${w} ${i}`, times[i]!)));
      const newest = [ids[4], ids[3], ids[2], ids[1], ids[0]];
      assert.deepEqual(await postIds(index, w, 2, 0), newest.slice(0, 2));
      assert.deepEqual(await postIds(index, w, 2, 1), newest.slice(2, 4));
      assert.deepEqual(await postIds(index, w, 2, 2), newest.slice(4));
      assert.deepEqual(await postIds(index, w, 2, 3), []);
      assert.equal((await index.searchPosts(w, 2, 4)).total, 5);

      const p = id();
      const cs = [id(), id(), id()];
      await index.applyMany([comment(cs[0]!, p, 'c', 3000), comment(cs[1]!, p, 'c', 1000), comment(cs[2]!, p, 'c', 2000)]);
      const first = await index.postComments(p, 2, 0);
      const second = await index.postComments(p, 2, 2);
      assert.deepEqual([...first.rows, ...second.rows].map((r) => r.commentId), [cs[1], cs[2], cs[0]]);
      assert.deepEqual([first.total, second.total], [3, 3]);
    });

    contract('comment likes count liked members only, and a deleted comment counts 0', async ({ index }) => {
      const [p, c, d] = [id(), id(), id()];
      const like = (commentId: string, memberId: string, liked: boolean, ms: number): IndexChange => ({ kind: 'comment-like', commentId, memberId, liked, at: at(ms) });
      await index.applyMany([comment(c, p, 'x', 1000), comment(d, p, 'x', 1000), like(c, '1', true, 1100), like(c, '2', true, 1100), like(c, '2', false, 1200), like(d, '1', true, 1100)]);
      assert.deepEqual([...(await index.commentLikeCounts([c, d])).entries()].sort(), [[c, 1], [d, 1]].sort());
      await index.applyMany([{ kind: 'delete-comment', commentId: d, postId: p, at: at(2000) }]);
      assert.deepEqual([...(await index.commentLikeCounts([c, d])).entries()], [[c, 1]]);
    });

    contract('reindex from content\'s tables: live rows found with their dates, deleted rows and a deleted comment\'s replies hidden, a newer event kept, a second run changes nothing', async ({ index }) => {
      const w = word('reindex');
      const [{ max: postsBefore }] = (await admin.query<{ max: string | null }>('select max(id) as max from content.posts')).rows as [{ max: string | null }];
      const [{ max: commentsBefore }] = (await admin.query<{ max: string | null }>('select max(id) as max from content.comments')).rows as [{ max: string | null }];
      const insertPost = async (text: string, deleted = false): Promise<string> =>
        (await admin.query<{ id: string }>(
          `insert into content.posts (author_id, content, is_deleted, created_at, updated_at, deleted_at)
           values (9, $1, $2, $3, $4, $5) returning id`,
          [text, deleted, at(1000), at(1500), deleted ? at(1600) : null],
        )).rows[0]!.id;
      const insertComment = async (postId: string, text: string, parentId: string | null, depth: number, deleted = false): Promise<string> =>
        (await admin.query<{ id: string }>(
          `insert into content.comments (post_id, parent_id, author_id, content, depth, is_deleted, created_at, deleted_at)
           values ($1, $2, 9, $3, $4, $5, $6, $7) returning id`,
          [postId, parentId, text, depth, deleted, at(1000), deleted ? at(1700) : null],
        )).rows[0]!.id;
      const live = await insertPost(`${w} live`);
      const newer = await insertPost(`${w} stale`);
      const deleted = await insertPost(`${w} deleted`, true);
      const top = await insertComment(live, `${w} top`, null, 0, true);
      // content hides replies with their comment (its own flag may still be false here).
      const reply = await insertComment(live, `${w} reply`, top, 1);
      const other = await insertComment(live, `${w} other`, null, 0);
      // An event newer than the table row is already indexed for `newer`.
      await index.applyMany([post(newer, `${w} fresher`, 5000)]);

      const options = { afterPostId: postsBefore ?? '0', afterCommentId: commentsBefore ?? '0' };
      const done = await reindexFromContent(createSql(postgres), index, options);
      assert.ok(done.posts >= 3 && done.comments >= 3, JSON.stringify(done));
      assert.deepEqual((await postIds(index, w)).sort(), [live, newer].sort());
      assert.deepEqual(await postIds(index, `${w} fresher`), [newer]);
      assert.deepEqual(await postIds(index, `${w} deleted`), [], `post ${deleted} is deleted in content`);
      const [row] = (await index.searchPosts(`${w} live`, 10, 0)).rows;
      assert.deepEqual([row?.authorId, row?.createdAt, row?.updatedAt], ['9', at(1000), at(1500)]);
      assert.deepEqual(await commentIds(index, w), [other]);
      assert.ok(!(await commentIds(index, `${w} reply`)).includes(reply));

      await reindexFromContent(createSql(postgres), index, options);
      assert.deepEqual((await postIds(index, w)).sort(), [live, newer].sort());
      assert.deepEqual(await commentIds(index, w), [other]);
    });

    contract('an engine that cannot be reached fails UNAVAILABLE (DATABASE_UNAVAILABLE), never a wrong answer', async (e, t) => {
      if (!e.takeDown) {
        t.skip('this suite does not stop PostgreSQL or a real Typesense (database-down tests cover PostgreSQL)');
        return;
      }
      await e.takeDown();
      const started = Date.now();
      for (const call of [() => e.index.searchPosts('any', 10, 0), () => e.index.applyMany([post(id(), 'x', 1)]), () => e.index.ping()]) {
        await assert.rejects(call(), (err: unknown) => {
          assert.ok(err instanceof DomainError, String(err));
          assert.deepEqual([err.kind, err.reason, err.metadata['store']], ['unavailable', 'DATABASE_UNAVAILABLE', 'typesense']);
          return true;
        });
      }
      assert.ok(Date.now() - started < 2000, 'refused connections fail at once, not after the timeout');
    });
  });
}
