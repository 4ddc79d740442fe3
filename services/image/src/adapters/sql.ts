// Parameterized SQL over the MikroORM connection's knex: `?` placeholders only, never string
// building with values. Arrays go in as PostgreSQL array literals (`= any(?::uuid[])`) because
// knex would expand a JS array binding into a list.
import type { Knex } from '@mikro-orm/postgresql';
import { isImageId } from '../domain/image-id.ts';
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

/** `{id,id}` for `?::uuid[]`; only validated image ids can be written into the literal. */
export function uuidArray(ids: readonly string[]): string {
  for (const id of ids) if (!isImageId(id)) throw new Error(`not an image id: ${id}`);
  return `{${ids.join(',')}}`;
}

/** `{hash,hash}` for `?::char(64)[]`; only lowercase SHA-256 hex can be written into the literal. */
export function hexArray(hashes: readonly string[]): string {
  for (const h of hashes) if (!/^[0-9a-f]{64}$/.test(h)) throw new Error('not a SHA-256 hex digest');
  return `{${hashes.join(',')}}`;
}
