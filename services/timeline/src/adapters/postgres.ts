// The primary (owner) PostgreSQL connection through MikroORM, used only by `migrate`: the
// service's own `timeline` schema (versioned migrations in adapters/migrations/index.ts) and the
// provisioning of the read-only role. Serving never opens it; reads go through read-db.ts.
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import { migrations } from './migrations/index.ts';
import { ensureReadRole, readRoleOf } from './read-role.ts';

export const SCHEMA = 'timeline';

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

/**
 * Creates the schema if needed, applies pending migrations and, when a read URL is given,
 * provisions its read-only role (after content's migrations, so its tables get the grant).
 * Returns the names of the migrations applied.
 */
export async function migrate(pg: Postgres, contentReadUrl?: string): Promise<string[]> {
  await pg.orm.em.getConnection().execute(`create schema if not exists ${SCHEMA}`);
  const applied = await pg.orm.getMigrator().up();
  if (contentReadUrl !== undefined) await ensureReadRole(pg, readRoleOf(contentReadUrl));
  return applied.map((m) => m.name);
}
