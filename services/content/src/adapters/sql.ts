// Parameterized SQL over the MikroORM connection's knex: `?` placeholders only, never string
// building with values. Arrays go in as PostgreSQL array literals (`= any(?::bigint[])`) because
// knex would expand a JS array binding into a list.
import type { Knex } from '@mikro-orm/postgresql';
import type { Postgres } from './postgres.ts';

export type Db = Knex | Knex.Transaction;
export type Binding = string | number | boolean | null | Date | Buffer;

export function knexOf(pg: Postgres): Knex {
  return pg.orm.em.getKnex();
}

export async function query<T>(db: Db, sql: string, bindings: readonly Binding[] = []): Promise<T[]> {
  const result: { rows: T[] } = await db.raw(sql, [...bindings]);
  return result.rows;
}

export async function queryOne<T>(db: Db, sql: string, bindings: readonly Binding[] = []): Promise<T | undefined> {
  const rows = await query<T>(db, sql, bindings);
  return rows[0];
}

/** `{1,2,3}` for `?::bigint[]`; ids are validated decimal strings. */
export function bigintArray(ids: readonly string[]): string {
  for (const id of ids) if (!/^-?\d+$/.test(id)) throw new Error(`not an integer id: ${id}`);
  return `{${ids.join(',')}}`;
}

/**
 * A timestamptz column as a Date. MikroORM's pg driver setup returns timestamps as PostgreSQL
 * text (`2026-01-02 03:04:05.123456+00`), which Date cannot parse as is.
 */
export function asDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  const iso = value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) throw new Error(`unparseable timestamp: ${value}`);
  return date;
}

export function asDateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : asDate(value);
}
