// A small parameterized-SQL port over MikroORM's knex: `?` placeholders, rows back as plain
// objects, and transactions (nested ones become savepoints) that hand the same port to the
// callback. Arrays travel as one JSON parameter (knex would expand a JS array into a list).
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Postgres } from './postgres.ts';

type Knexish = ReturnType<EntityManager['getKnex']>;
export type Binding = string | number | boolean | Date | Buffer | null;

export interface Sql {
  query<Row>(text: string, params?: readonly Binding[]): Promise<Row[]>;
  run(text: string, params?: readonly Binding[]): Promise<number>;
  /** Runs fn in a transaction; inside one, a savepoint that rolls back alone on failure. */
  tx<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
}

interface RawResult {
  rows: unknown[];
  rowCount: number | null;
}

export function createSql(pg: Postgres): Sql {
  return wrap(pg.orm.em.getKnex());
}

function wrap(knex: Knexish): Sql {
  const raw = async (text: string, params: readonly Binding[]): Promise<RawResult> =>
    await knex.raw(text, params);
  return {
    async query<Row>(text: string, params: readonly Binding[] = []) {
      return (await raw(text, params)).rows as Row[];
    },
    async run(text, params = []) {
      return (await raw(text, params)).rowCount ?? 0;
    },
    tx(fn) {
      return knex.transaction((trx) => fn(wrap(trx)));
    },
  };
}
