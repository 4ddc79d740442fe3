// Component test: `migrate` run by several replicas at once (init containers start together) on a
// fresh database: one applies every migration, the others wait on the advisory lock and find
// nothing pending; nobody fails.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { TEST_DATABASE_URL } from '../../../test/support/spawn-service.ts';
import { connectPostgres, migrate } from '../src/adapters/postgres.ts';
import { migrations } from '../src/adapters/migrations/index.ts';

describe('member-svc migrate', () => {
  const name = `dailyfeed_migrate_${randomBytes(4).toString('hex')}`;
  const url = new URL(TEST_DATABASE_URL);
  const admin = (): pg.Client => new pg.Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });

  before(async () => {
    const c = admin();
    await c.connect();
    await c.query(`create database ${name}`);
    await c.end();
  });
  after(async () => {
    const c = admin();
    await c.connect();
    await c.query(`drop database if exists ${name} with (force)`);
    await c.end();
  });

  it('when three migrate runs start together on an empty database, then one applies every migration and the others apply none', async () => {
    const scratch = Object.assign(new URL(url), { pathname: `/${name}` }).toString();
    const pools = await Promise.all([1, 2, 3].map(() => connectPostgres(scratch, 2)));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      const counts = applied.map((names) => names.length).sort();
      assert.deepEqual(counts, [0, 0, migrations.length]);
      assert.deepEqual(applied.find((names) => names.length > 0), migrations.map((m) => m.name));
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });
});
