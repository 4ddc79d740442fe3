// Component test of the outbox completer against the test database: rows the immediate path
// published in many small batches are marked COMPLETED together (one statement per linger, not one
// per batch), on a connection that commits without waiting for the WAL flush, and nothing is left
// pending when it closes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { createCompleter } from '../src/adapters/outbox-publisher.ts';
import { connectPostgres, migrate, type Postgres } from '../src/adapters/postgres.ts';
import { query, type Binding } from '../src/adapters/sql.ts';
import { silentLog, TEST_DATABASE_URL } from './support/helpers.ts';

describe('content-svc outbox completer', () => {
  let db: Postgres;
  const tag = `completer-test-${randomUUID()}`;
  const sql = <T>(text: string, bindings: readonly Binding[] = []) => query<T>(db.pool, text, bindings);
  const pendingRows = async (count: number): Promise<string[]> =>
    (
      await sql<{ id: string }>(
        `insert into content.outbox (message_key, topic, payload) select ?, 'member-activity-20260101', '\\x00' from generate_series(1, ?) returning id`,
        [tag, count],
      )
    ).map((r) => r.id);
  const states = async (): Promise<Record<string, number>> => {
    const rows = await sql<{ state: string; n: string }>(`select state, count(*) as n from content.outbox where message_key = ? group by 1`, [tag]);
    return Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  };
  /** The relaxed pool, counting the statements sent through it. */
  const counting = (): { pool: pg.Pool; statements: () => number } => {
    let n = 0;
    const pool = new Proxy(db.relaxed, {
      get(target, prop, receiver) {
        if (prop !== 'query') return Reflect.get(target, prop, receiver) as unknown;
        return (...args: Parameters<pg.Pool['query']>) => {
          n += 1;
          return (target.query as (...a: unknown[]) => unknown)(...args);
        };
      },
    });
    return { pool, statements: () => n };
  };

  before(async () => {
    await migrate(TEST_DATABASE_URL);
    db = connectPostgres(TEST_DATABASE_URL, 2);
  });
  after(async () => {
    await sql('delete from content.outbox where message_key = ?', [tag]);
    await db.close();
  });

  it('when forty batches are published within the linger, then one statement marks them all COMPLETED', async () => {
    const ids = await pendingRows(40);
    const { pool, statements } = counting();
    const completer = createCompleter(pool, silentLog);
    for (const id of ids) completer.add([id]);
    assert.deepEqual(await states(), { PENDING: 40 }, 'nothing is marked before the linger');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual(await states(), { COMPLETED: 40 });
    assert.equal(statements(), 1, 'one update for the forty batches');
    await completer.close();
  });

  it('when the completer closes, then rows added since the last flush are marked at once', async () => {
    await sql('delete from content.outbox where message_key = ?', [tag]);
    const ids = await pendingRows(3);
    const completer = createCompleter(db.relaxed, silentLog);
    completer.add(ids);
    await completer.close();
    assert.deepEqual(await states(), { COMPLETED: 3 });
  });

  it('when marking fails (PostgreSQL unreachable), then nothing throws, the failure is logged and the rows stay PENDING for the relay', async () => {
    await sql('delete from content.outbox where message_key = ?', [tag]);
    const ids = await pendingRows(2);
    const unreachable = { query: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })) } as unknown as pg.Pool;
    const warnings: string[] = [];
    const completer = createCompleter(unreachable, { warn: (_obj, msg) => warnings.push(msg), error: () => undefined });
    completer.add(ids);
    await completer.close();
    assert.equal(warnings.length, 1, 'one warning for the failed flush');
    assert.deepEqual(await states(), { PENDING: 2 }, 'the relay will send them again');
  });

  it('when the relaxed pool commits, then it does not wait for the WAL flush (synchronous_commit off)', async () => {
    const [row] = (await db.relaxed.query<{ synchronous_commit: string }>('show synchronous_commit')).rows;
    assert.equal(row?.synchronous_commit, 'off');
    const [main] = (await db.pool.query<{ synchronous_commit: string }>('show synchronous_commit')).rows;
    assert.equal(main?.synchronous_commit, 'on', 'writes still wait for durability');
  });
});
