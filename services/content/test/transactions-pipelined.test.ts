// Component test of sql.ts's transactions on content-svc's pool, against the test database: the
// pool pipelines (postgres.ts), so BEGIN goes out with the body's first statement and, with
// commitBehind, COMMIT with its last one; a last statement that fails rolls the whole body back.
// What the client writes to PostgreSQL's socket and when answers arrive are recorded in order, and
// which messages reach the kernel together (one write or writev call each).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type pgDriver from 'pg';
import { connectPostgres, migrate, type Postgres } from '../src/adapters/postgres.ts';
import { query, transaction } from '../src/adapters/sql.ts';
import { recordFlushes, TEST_DATABASE_URL } from './support/helpers.ts';

describe('content-svc transactions on the pipelining pool', () => {
  let pg: Postgres;
  // 'out:<message type>' for each protocol message written ('Q' a simple query such as BEGIN, 'B' a
  // statement's bind), 'in' for each chunk of answers read.
  const wire: string[] = [];
  // The messages of each call that hands bytes to the kernel: what leaves the socket together.
  const flushes: string[][] = [];

  before(async () => {
    await migrate(TEST_DATABASE_URL);
    pg = connectPostgres(TEST_DATABASE_URL, 1);
    recordFlushes(pg.pool, flushes);
    pg.pool.on('connect', (client: pgDriver.PoolClient) => {
      const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
      const write = socket.write.bind(socket) as (chunk: Buffer, ...rest: unknown[]) => boolean;
      socket.write = ((chunk: Buffer, ...rest: unknown[]) => {
        const text = chunk.subarray(5, chunk.length - 1).toString('utf8');
        wire.push(`out:${String.fromCharCode(chunk[0] ?? 0)}${chunk[0] === 0x51 ? ` ${text}` : ''}`);
        return write(chunk, ...rest);
      });
      // Ahead of node-postgres's own listener, which may send the next statement as it reads an answer.
      socket.prependListener('data', () => wire.push('in'));
    });
  });

  after(async () => {
    await pg.close();
  });

  /** The messages written from `from` up to the first answer read after it. */
  const burstFrom = (from: number): string[] => {
    const end = wire.indexOf('in', from);
    return wire.slice(from, end === -1 ? undefined : end);
  };

  it('when a transaction runs, then BEGIN is sent with its first statement and COMMIT with its last', async () => {
    await query(pg.pool, 'select 1'); // connected: the tap is in place
    wire.length = 0;
    const result = await transaction(pg.pool, async (trx, commitBehind) => {
      await query(trx, 'select 1 as first');
      return commitBehind(() => query<{ last: number }>(trx, 'select 2 as last'));
    });
    assert.deepEqual(result, [{ last: 2 }]);
    const begin = wire.indexOf('out:Q begin');
    assert.ok(begin >= 0, `BEGIN sent; wire: ${wire.join(' ')}`);
    assert.ok(burstFrom(begin).includes('out:B'), `the first statement went out before BEGIN was answered; wire: ${wire.join(' ')}`);
    const lastBind = wire.lastIndexOf('out:B');
    assert.ok(burstFrom(lastBind).includes('out:Q commit'), `COMMIT went out before the last statement was answered; wire: ${wire.join(' ')}`);
  });

  it('when a transaction runs, then BEGIN leaves in one write with its first statement, and the last statement in one write with COMMIT', async () => {
    await query(pg.pool, 'select 1'); // connected: the tap is in place
    flushes.length = 0;
    await transaction(pg.pool, async (trx, commitBehind) => {
      await query(trx, 'select 1 as first');
      await query(trx, 'select 2 as middle');
      return commitBehind(() => query(trx, 'select 3 as last'));
    });
    const shown = flushes.map((f) => f.join(',')).join(' | ');
    assert.ok(flushes.some((f) => f[0] === 'Q begin' && f.includes('B')), `BEGIN and the first statement in one write; writes: ${shown}`);
    assert.ok(flushes.some((f) => f.includes('B') && f.at(-1) === 'Q commit'), `the last statement and COMMIT in one write; writes: ${shown}`);
    assert.equal(flushes.length, 3, `three writes for three statements, BEGIN and COMMIT; writes: ${shown}`);
  });

  it('when the statement sent with COMMIT fails, then nothing of the transaction stays and its error is thrown', async () => {
    const tag = `pipelined-${randomUUID()}`;
    await assert.rejects(
      transaction(pg.pool, async (trx, commitBehind) => {
        await query(trx, `insert into content.posts (author_id, content) values (1, ?)`, [tag]);
        return commitBehind(() => query(trx, `select 1 / 0`));
      }),
      /division by zero/,
    );
    const [row] = await query<{ n: string }>(pg.pool, `select count(*) as n from content.posts where content = ?`, [tag]);
    assert.equal(row?.n, '0');
    // The connection went back to the pool outside any transaction (SAVEPOINT works only inside one).
    await assert.rejects(query(pg.pool, 'savepoint probe'), /transaction blocks/);
  });
});
