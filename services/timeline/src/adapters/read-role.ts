// Provisioning of timeline's read-only role, run by `migrate` with the primary (owner) URL after
// content's migrations. Idempotent and safe when several migrations run at once (an advisory lock
// serializes them; roles are cluster-wide, grants are per database). The role gets LOGIN, USAGE
// on schema `content`, SELECT on its tables now and on tables postgres creates there later, no
// write grant, and default_transaction_read_only=on as a second guard. Identifiers and the
// password go through format(%I/%L) on the server, never through string concatenation here.
import type { Postgres } from './postgres.ts';

type Run = (sql: string, params?: readonly string[]) => Promise<{ rows: unknown[] }>;

const LOCK_KEY = 7_164_001; // any constant shared by every timeline migrate

export interface ReadRole {
  readonly name: string;
  readonly password: string | undefined;
}

/** The role (user name) and password of a read URL. */
export function readRoleOf(url: string): ReadRole {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.username);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`CONTENT_READ_DATABASE_URL: role name "${name}" must match [a-z_][a-z0-9_]*`);
  return { name, password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password) };
}

export async function ensureReadRole(pg: Postgres, role: ReadRole): Promise<void> {
  const knex = pg.orm.em.getKnex();
  await knex.transaction(async (trx) => {
    const run: Run = (sql, params = []) => trx.raw<{ rows: unknown[] }>(sql, [...params]);
    await run('select pg_advisory_xact_lock(?::bigint)', [String(LOCK_KEY)]);
    const { rows } = await run('select 1 from pg_roles where rolname = ?', [role.name]);
    if (rows.length === 0) {
      await executeFormatted(run, 'create role %I login', [role.name]);
    }
    const statements = [
      `alter role %I with login nosuperuser nocreatedb nocreaterole noinherit`,
      `alter role %I set default_transaction_read_only = on`,
      `grant usage on schema content to %I`,
      `revoke insert, update, delete, truncate, references, trigger on all tables in schema content from %I`,
      `grant select on all tables in schema content to %I`,
      `alter default privileges for role postgres in schema content grant select on tables to %I`,
    ];
    for (const statement of statements) await executeFormatted(run, statement, [role.name]);
    if (role.password !== undefined) await executeFormatted(run, `alter role %I password %L`, [role.name, role.password]);
  });
}

/** Builds the statement with format() on the server and executes it there (DDL takes no binds). */
async function executeFormatted(run: Run, template: string, args: string[]): Promise<void> {
  const placeholders = args.map(() => '?::text').join(', ');
  await run(`select set_config('timeline.ddl', format(?::text, ${placeholders}), true)`, [template, ...args]);
  await run(`do $$ begin execute current_setting('timeline.ddl'); end $$`);
}
