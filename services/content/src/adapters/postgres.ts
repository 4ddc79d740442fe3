// PostgreSQL: the serving path uses one plain pg Pool (sql.ts runs its statements prepared); the
// service's own schema and its versioned migrations (adapters/migrations/index.ts) go through
// MikroORM, opened only by `migrate`.
import { Migrator } from '@mikro-orm/migrations';
import pgDriver from 'pg';
import { MikroORM } from '@mikro-orm/postgresql';
import { migrations } from './migrations/index.ts';

export const SCHEMA = 'content';

export interface Postgres {
  readonly pool: pgDriver.Pool;
  /**
   * One connection whose commits do not wait for the WAL flush (synchronous_commit off): only for
   * bookkeeping whose loss in a PostgreSQL crash is harmless (marking published outbox rows).
   */
  readonly relaxed: pgDriver.Pool;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function connectPostgres(url: string, poolMax: number): Postgres {
  const pool = new pgDriver.Pool({
    connectionString: url,
    max: poolMax,
    idleTimeoutMillis: 30_000,
    // An exhausted pool or an unreachable server fails the call (UNAVAILABLE) instead of holding it.
    connectionTimeoutMillis: 5000,
    application_name: 'content-svc',
    // A statement is sent without waiting for the one before it to be answered (node-postgres
    // pipelining): sql.ts sends a transaction's BEGIN and first statement together.
    pipeline: true,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // pg-pool listens for 'error' only on idle clients: a socket that fails while a transaction holds
  // its client (PostgreSQL cut mid-transaction: a pipelined write meets ECONNRESET) would emit an
  // 'error' nobody handles and end the process. The transaction's statements fail with the error
  // anyway, and pg-pool discards a client that is no longer queryable when it is released.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const relaxed = new pgDriver.Pool({
    connectionString: url,
    max: 1,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 5000,
    application_name: 'content-svc',
    options: '-c synchronous_commit=off',
  });
  relaxed.on('error', () => undefined);
  return {
    pool,
    relaxed,
    async ping() {
      await pool.query('select 1');
    },
    close: async () => {
      await Promise.all([pool.end(), relaxed.end()]);
    },
  };
}

/** Creates the schema if needed and applies pending migrations; returns their names. */
export async function migrate(url: string): Promise<string[]> {
  // One migrator at a time per schema: replicas' init containers start together. A session-level
  // advisory lock on a connection of its own (not from the pool the migrator uses) is held until
  // the migrations are done; a second migrate waits, then finds nothing pending.
  const lock = new pgDriver.Client({ connectionString: url });
  await lock.connect();
  const orm = await MikroORM.init({
    clientUrl: url,
    schema: SCHEMA,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    migrations: { tableName: 'schema_migrations', migrationsList: migrations, transactional: true, allOrNothing: true, snapshot: false },
    pool: { min: 0, max: 2 },
    allowGlobalContext: true,
    debug: false,
  });
  try {
    await lock.query('select pg_advisory_lock(hashtext($1))', [`dailyfeed:migrate:${SCHEMA}`]);
    await orm.em.getConnection().execute(`create schema if not exists ${SCHEMA}`);
    const applied = await orm.getMigrator().up();
    return applied.map((m) => m.name);
  } finally {
    await orm.close(true);
    await lock.end(); // closing the session releases the lock
  }
}
