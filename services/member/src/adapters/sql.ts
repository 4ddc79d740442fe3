// A small parameterized-SQL port over MikroORM's knex: `?` placeholders, rows back as plain
// objects, and transactions that hand the same port to the callback. Repositories take a `Sql`
// so they run the same way inside and outside a transaction.
import type { Postgres } from './postgres.ts';

type Knexish = ReturnType<Postgres['orm']['em']['getKnex']>;
type Binding = string | number | boolean | Date | Buffer | null;

export interface Sql {
  /** Runs one statement; returns its rows (RETURNING rows for writes). */
  query<Row>(text: string, params?: readonly Binding[]): Promise<Row[]>;
  /** Runs one statement; returns how many rows it touched. */
  run(text: string, params?: readonly Binding[]): Promise<number>;
  /** Runs fn in a transaction (nested calls reuse the outer one). */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
}

interface RawResult {
  rows: unknown[];
  rowCount: number | null;
}

export function createSql(pg: Postgres): Sql {
  return wrap(pg.orm.em.getKnex(), false);
}

function wrap(knex: Knexish, inTx: boolean): Sql {
  // knex types raw results as any; the pg driver answers { rows, rowCount }.
  const raw = async (text: string, params: readonly Binding[]): Promise<RawResult> => {
    const result: unknown = await knex.raw(text, [...params]);
    return result as RawResult;
  };
  const sql: Sql = {
    async query<Row>(text: string, params: readonly Binding[] = []) {
      return (await raw(text, params)).rows as Row[];
    },
    async run(text, params = []) {
      return (await raw(text, params)).rowCount ?? 0;
    },
    tx(fn) {
      if (inTx) return fn(sql);
      return knex.transaction((trx) => fn(wrap(trx as unknown as Knexish, true)));
    },
  };
  return sql;
}

/** True when err is PostgreSQL's unique_violation on the named index. */
export function isUniqueViolation(err: unknown, index?: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; constraint?: unknown };
  return e.code === '23505' && (index === undefined || e.constraint === index);
}

/** MikroORM's pg driver returns timestamptz as strings; rows are converted where they are read. */
export function asDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

export function asDateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : asDate(value);
}
