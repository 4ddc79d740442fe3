// Component tests of the read group's isolation: `migrate` provisions timeline's own role with
// SELECT only and default_transaction_read_only, a write through timeline's read connection is
// refused by PostgreSQL, and serving never opens the primary URL (DATABASE_URL).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import { waitForHealth } from '../../../test/support/grpc.ts';
import { TEST_DATABASE_URL } from '../../../test/support/spawn-service.ts';
import { connectReadDb, type ReadDb } from '../src/adapters/read-db.ts';
import { connectPostgres, migrate } from '../src/adapters/postgres.ts';
import { SERVICE_NAME } from '../src/server.ts';
import { prepareDatabase, READ_URL, startTimeline } from './support/harness.ts';

describe('timeline-svc read-only connection', () => {
  let superuser: pg.Pool;
  let readDb: ReadDb;

  before(async () => {
    superuser = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 2 });
    await prepareDatabase(superuser);
    readDb = connectReadDb(READ_URL, 2, 5000);
  });
  after(async () => {
    await readDb.close();
    await superuser.end();
  });

  it('when migrate runs again, then it succeeds and the role stays login, read-only and without write grants', async () => {
    const owner = await connectPostgres(TEST_DATABASE_URL, 2);
    await Promise.all([migrate(owner, READ_URL), migrate(owner, READ_URL)]).finally(() => owner.close());
    const { rows } = await superuser.query<{ login: boolean; config: string[] | null; writes: boolean; reads: boolean }>(
      `select r.rolcanlogin as login, r.rolconfig as config,
              has_table_privilege(r.rolname, 'content.posts', 'INSERT,UPDATE,DELETE,TRUNCATE') as writes,
              has_table_privilege(r.rolname, 'content.posts', 'SELECT') as reads
       from pg_roles r where r.rolname = 'dailyfeed_timeline_ro'`,
    );
    assert.deepEqual(rows[0], { login: true, config: ['default_transaction_read_only=on'], writes: false, reads: true });
  });

  it('when timeline reads through its connection, then SELECT works', async () => {
    const rows = await readDb.query<{ n: string }>('select count(*) as n from content.posts');
    assert.match(rows[0]?.n ?? '', /^\d+$/);
  });

  it('when a write goes through timeline\'s connection, then PostgreSQL refuses it', async () => {
    await assert.rejects(readDb.query(`insert into content.posts (author_id, content) values (1, 'x')`), /read-only transaction/);
    await assert.rejects(readDb.query('update content.posts set view_count = view_count + 1'), /read-only transaction/);
    await assert.rejects(readDb.query('delete from content.post_likes'), /read-only transaction/);
  });

  it('when the session even switches to read-write, then the missing grants still refuse the write', async () => {
    // A throwaway connection of the same role: the explicit transaction is left aborted.
    const session = connectReadDb(READ_URL, 1, 5000);
    try {
      await assert.rejects(session.query(`begin transaction read write; insert into content.posts (author_id, content) values (1, 'x')`), /permission denied/);
    } finally {
      await session.close();
    }
  });

  it('when DATABASE_URL (the primary) is out of reach, then timeline still serves from the read URL', async () => {
    const { service, client } = await startTimeline('127.0.0.1:1', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/dailyfeed_test' });
    try {
      assert.equal(await waitForHealth(service.grpcPort, Serving.SERVING, 10_000, SERVICE_NAME), Serving.SERVING);
    } finally {
      client.close();
      await service.stop();
    }
  });
});
