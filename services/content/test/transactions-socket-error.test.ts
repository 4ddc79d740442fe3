// Component test of sql.ts's transactions when the connection to PostgreSQL fails mid-transaction
// (the fault drill cuts PostgreSQL mid-burst; a pipelined write then meets ECONNRESET). A checked-out
// node-postgres client emits the socket's error as an 'error' event, and pg-pool listens only on
// idle clients: unhandled, it ended content-svc. The transaction must fail with the error instead,
// the process carry on, and the pool replace the broken connection.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connectPostgres, migrate, type Postgres } from '../src/adapters/postgres.ts';
import { query, transaction } from '../src/adapters/sql.ts';
import { TEST_DATABASE_URL } from './support/helpers.ts';

describe('content-svc transactions when the connection fails', () => {
  let pg: Postgres;

  before(async () => {
    await migrate(TEST_DATABASE_URL);
    pg = connectPostgres(TEST_DATABASE_URL, 1);
  });

  after(async () => {
    await pg.close();
  });

  it('when the socket resets inside a transaction, then the transaction fails with the error, nothing is unhandled, and the pool serves the next statement on a new connection', async () => {
    const pidOf = async (): Promise<number> => (await query<{ pid: number }>(pg.pool, 'select pg_backend_pid() as pid'))[0]!.pid;
    const before = await pidOf();
    const reset = Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET' });
    await assert.rejects(
      transaction(pg.pool, async (trx) => {
        await trx.query('select 1');
        (trx as unknown as { connection: { stream: Socket } }).connection.stream.destroy(reset);
        await trx.query('select 2');
      }),
      (err: Error) => /ECONNRESET|not queryable|Connection terminated/i.test(err.message),
    );
    const afterwards = await pidOf();
    assert.notEqual(afterwards, before, 'the broken connection was discarded, the statement ran on a new one');
  });
});
