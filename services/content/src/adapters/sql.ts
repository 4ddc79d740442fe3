// Parameterized SQL over one pg Pool: `?` placeholders only, never string building with values.
// Arrays go in as PostgreSQL array literals (`= any(?::bigint[])`). The serving path is a handful
// of statements run thousands of times, so each distinct text becomes a prepared statement (parsed
// and planned once per connection): measured on this machine, half the PostgreSQL CPU and half the
// client CPU of an unnamed insert. MikroORM (postgres.ts) only runs the migrations.
import type pg from 'pg';

export type Db = pg.Pool | pg.PoolClient;
export type Binding = string | number | boolean | null | Date | Buffer;

interface Statement {
  readonly text: string;
  readonly name: string | undefined;
}

/** Texts built from a variable number of rows (batches) are distinct; past this many, unnamed. */
const MAX_PREPARED = 200;
const statements = new Map<string, Statement>();

/** `?` → `$n` outside quoted literals, once per distinct text. */
function statementOf(sql: string): Statement {
  const known = statements.get(sql);
  if (known) return known;
  let n = 0;
  const text = sql.replace(/'(?:[^']|'')*'|\?/g, (token) => (token === '?' ? `$${++n}` : token));
  const statement = { text, name: statements.size < MAX_PREPARED ? `content_${statements.size}` : undefined };
  if (statement.name !== undefined) statements.set(sql, statement);
  return statement;
}

export async function query<T>(db: Db, sql: string, bindings: readonly Binding[] = []): Promise<T[]> {
  const { text, name } = statementOf(sql);
  const result = await db.query<T & pg.QueryResultRow>({ text, values: [...bindings], ...(name === undefined ? {} : { name }) });
  return result.rows;
}

export async function queryOne<T>(db: Db, sql: string, bindings: readonly Binding[] = []): Promise<T | undefined> {
  const rows = await query<T>(db, sql, bindings);
  return rows[0];
}

/**
 * Sends `last` (the transaction's last statement) and COMMIT right behind it in one write, and
 * resolves to that statement's result once both are answered. If `last` fails, PostgreSQL has
 * aborted the transaction and the COMMIT rolls it back: `last`'s error is thrown. Nothing may fail
 * after it in the transaction's body.
 */
export type CommitBehind = <R>(last: () => Promise<R>) => Promise<R>;

interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * The pooled connection's socket. node-postgres keeps it on `connection.stream` and corks it itself
 * around the messages of one statement; corking it around several statements sends them in one
 * write, which PostgreSQL reads and answers in one go (one wake-up on each side instead of two).
 */
function socketOf(client: pg.PoolClient): Corkable | undefined {
  const stream = (client as unknown as { connection?: { stream?: Partial<Corkable> } }).connection?.stream;
  return typeof stream?.cork === 'function' && typeof stream.uncork === 'function' ? (stream as Corkable) : undefined;
}

/**
 * Runs `body` in one transaction on one pooled connection; a connection that failed is discarded.
 * On a pipelining pool (postgres.ts) nothing waits for BEGIN: it goes out in one write with the
 * body's first statement; a body that ends with `commitBehind` saves the COMMIT's round trip as well.
 */
export async function transaction<T>(pool: pg.Pool, body: (trx: pg.PoolClient, commitBehind: CommitBehind) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const socket = socketOf(client);
  // BEGIN waits in the socket for the body's first statement, sent in this same tick.
  socket?.cork();
  process.nextTick(() => socket?.uncork());
  const begun = client.query('begin');
  let committed = false;
  const commitBehind: CommitBehind = async <R>(last: () => Promise<R>): Promise<R> => {
    committed = true;
    socket?.cork();
    let sent: [Promise<R>, Promise<pg.QueryResult>];
    try {
      sent = [last(), client.query('commit')];
    } finally {
      socket?.uncork();
    }
    const [result, commit] = await Promise.allSettled(sent);
    if (result.status === 'rejected') throw result.reason;
    if (commit.status === 'rejected') throw commit.reason;
    if (commit.value.command !== 'COMMIT') throw new Error(`the transaction ended with ${commit.value.command}, not COMMIT`);
    return result.value;
  };
  try {
    const result = await body(client, commitBehind);
    await begun;
    if (!committed) await client.query('commit');
    client.release();
    return result;
  } catch (err: unknown) {
    await begun.catch(() => undefined);
    // After a COMMIT that rolled back, this ROLLBACK only draws a warning (no transaction in progress).
    const broken = await client.query('rollback').then(
      () => undefined,
      (rollbackFailed: unknown) => (rollbackFailed instanceof Error ? rollbackFailed : new Error(String(rollbackFailed))),
    );
    client.release(broken);
    throw err;
  }
}

/** `{1,2,3}` for `?::bigint[]`; ids are validated decimal strings. */
export function bigintArray(ids: readonly string[]): string {
  for (const id of ids) if (!/^-?\d+$/.test(id)) throw new Error(`not an integer id: ${id}`);
  return `{${ids.join(',')}}`;
}

/**
 * A timestamptz column as a Date. pg returns a Date; PostgreSQL's text form
 * (`2026-01-02 03:04:05.123456+00`, what MikroORM's driver setup returned) is parsed as well.
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
