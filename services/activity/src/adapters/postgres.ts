// PostgreSQL through MikroORM: one connection pool per process, the service's own schema, and
// versioned migrations listed in code (adapters/migrations/index.ts) run by `migrate`.
import { Migrator } from '@mikro-orm/migrations';
import pgDriver from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { migrations } from './migrations/index.ts';

export const SCHEMA = 'activity';

export interface Postgres {
  readonly orm: MikroORM;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export async function connectPostgres(url: string, poolMax: number): Promise<Postgres> {
  const orm = await MikroORM.init({
    clientUrl: url,
    schema: SCHEMA,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: { tableName: 'schema_migrations', migrationsList: migrations, transactional: true, allOrNothing: true, snapshot: false },
    pool: { min: 0, max: poolMax },
    allowGlobalContext: true,
    debug: false,
  });
  return {
    orm,
    async ping() {
      await orm.em.getConnection().execute('select 1');
    },
    close: () => orm.close(true),
  };
}

/** Creates the schema if needed and applies pending migrations; returns their names. */
export async function migrate(pg: Postgres): Promise<string[]> {
  // One migrator at a time per schema: replicas' init containers start together. A session-level
  // advisory lock on a connection of its own (not from the pool the migrator uses) is held until
  // the migrations are done; a second migrate waits, then finds nothing pending.
  const lock = new pgDriver.Client({ connectionString: String(pg.orm.config.get('clientUrl')) });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', [`dailyfeed:migrate:${SCHEMA}`]);
    await pg.orm.em.getConnection().execute(`create schema if not exists ${SCHEMA}`);
    const applied = await pg.orm.getMigrator().up();
    return applied.map((m) => m.name);
  } finally {
    await lock.end(); // closing the session releases the lock
  }
}
