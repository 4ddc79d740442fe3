// Component test of outbox pruning against the test database: published rows older than the
// retention go, in batches; recent published rows and every dead letter (PENDING, PARKED), however
// old, stay.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { pruneCompleted } from '../src/adapters/outbox-repo.ts';
import { connectPostgres, migrate, type Postgres } from '../src/adapters/postgres.ts';
import { query, type Binding } from '../src/adapters/sql.ts';
import { TEST_DATABASE_URL } from './support/helpers.ts';

describe('content-svc outbox pruning', () => {
  let pg: Postgres;
  const tag = `prune-test-${randomUUID()}`;
  const sql = <T>(text: string, bindings: readonly Binding[] = []) => query<T>(pg.pool, text, bindings);
  const insert = async (state: string, publishedHoursAgo: number | null, count: number): Promise<void> => {
    await sql(
      `insert into content.outbox (message_key, topic, payload, state, published_at, created_at)
       select ?, 'member-activity-20260101', '\\x00', ?, case when ?::int is null then null else now() - make_interval(hours => ?::int) end,
              now() - make_interval(hours => 200)
         from generate_series(1, ?)`,
      [`${tag}:${state}:${publishedHoursAgo ?? 'none'}`, state, publishedHoursAgo ?? null, publishedHoursAgo ?? null, count],
    );
  };
  const left = async (): Promise<Record<string, number>> => {
    const rows = await sql<{ key: string; n: string }>(`select message_key as key, count(*) as n from content.outbox where message_key like ? group by 1`, [`${tag}:%`]);
    return Object.fromEntries(rows.map((r) => [r.key.slice(tag.length + 1), Number(r.n)]));
  };

  before(async () => {
    await migrate(TEST_DATABASE_URL);
    pg = connectPostgres(TEST_DATABASE_URL, 2);
  });
  after(async () => {
    await sql('delete from content.outbox where message_key like ?', [`${tag}:%`]);
    await pg.close();
  });

  it('when pruning runs, then published rows past the retention are deleted in batches and everything else stays', async () => {
    await insert('COMPLETED', 100, 25);
    await insert('COMPLETED', 10, 3);
    await insert('PENDING', null, 2);
    await insert('PARKED', null, 2);
    const deleted = await pruneCompleted(pg.pool, 72, 10);
    assert.ok(deleted >= 25, `deleted ${deleted}`); // other tests' old published rows may go too
    assert.deepEqual(await left(), { 'COMPLETED:10': 3, 'PENDING:none': 2, 'PARKED:none': 2 });
    assert.equal(await pruneCompleted(pg.pool, 72, 10), 0, 'nothing left to prune');
  });
});
