// The read-only connection to content's tables (CONTENT_READ_DATABASE_URL): timeline's own role,
// which may point at a replica. The role has SELECT only and default_transaction_read_only=on
// (see read-role.ts), so the serving path cannot write even by mistake. A plain pg Pool rather
// than MikroORM: the read path is a handful of hand-written, parameterized queries, and the pool
// is the hottest object in the service.
import pg from 'pg';
import { DomainError } from '../domain/errors.ts';

export type Param = string | number | boolean | Date | null | readonly string[];

/** Statements named by their text (up to this many): beyond it, a new text runs unnamed. */
const MAX_NAMED = 200;

export interface ReadDb {
  /**
   * Runs a query as a prepared statement, parsed and planned once per connection: named `name`,
   * or, when it has parameters, by its text (`timeline_auto_N`; the read path's texts are fixed,
   * so the names stay few). Without parameters it runs as sent (it may hold several statements).
   */
  query<Row>(text: string, params?: readonly Param[], name?: string): Promise<Row[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const TIMESTAMPTZ = 1184;
const DIGIT_0 = 48;

/** The decimal digits of text[from, to), or -1 when one is not a digit. */
function digits(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i += 1) {
    const d = text.charCodeAt(i) - DIGIT_0;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * timestamptz text as PostgreSQL sends it (DateStyle ISO): "2025-11-02 09:15:00.123456+00", the
 * offset possibly "+05:30". pg's parser (a regex and several parseInt per value) was ~3 % of
 * timeline's CPU on feed pages (two timestamps a row); this reads the digits in place, to the
 * millisecond as pg does, and leaves anything else (BC, infinity, years before 1000, offsets with
 * seconds) to pg's parser.
 */
export function parseTimestamptz(text: string, fallback: (text: string) => Date): Date {
  const n = text.length;
  if (n < 22 || text[4] !== '-' || text[7] !== '-' || text[10] !== ' ' || text[13] !== ':' || text[16] !== ':') return fallback(text);
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  let i = 19;
  let ms = 0;
  if (text[i] === '.') {
    let end = i + 1;
    while (end < n && text.charCodeAt(end) >= DIGIT_0 && text.charCodeAt(end) <= DIGIT_0 + 9) end += 1;
    const fraction = text.slice(i + 1, Math.min(end, i + 4)).padEnd(3, '0');
    ms = digits(fraction, 0, 3);
    i = end;
  }
  const sign = text[i] === '+' ? 1 : text[i] === '-' ? -1 : 0;
  const offsetHours = digits(text, i + 1, i + 3);
  const rest = n - (i + 3);
  const offsetMinutes = rest === 0 ? 0 : rest === 3 && text[i + 3] === ':' ? digits(text, i + 4, i + 6) : -1;
  if (year < 1000 || month < 1 || day < 1 || hour < 0 || minute < 0 || second < 0 || ms < 0 || sign === 0 || offsetHours < 0 || offsetMinutes < 0) return fallback(text);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
}

export function connectReadDb(url: string, poolMax: number, statementTimeoutMs: number): ReadDb {
  const pgTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (text: string) => Date;
  const timestamptz = (text: string): Date => parseTimestamptz(text, pgTimestamptz);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 2000,
    // A runaway query fails instead of holding a pooled connection.
    statement_timeout: statementTimeoutMs,
    application_name: 'timeline-svc',
    types: { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === TIMESTAMPTZ && format !== 'binary' ? timestamptz : (pg.types.getTypeParser(oid, format ?? 'text') as unknown))) as typeof pg.types.getTypeParser },
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const names = new Map<string, string>();
  const nameOf = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED) names.set(text, (name = `timeline_auto_${names.size + 1}`));
    return name;
  };
  return {
    async query<Row>(text: string, params: readonly Param[] = [], given?: string) {
      const name = given ?? (params.length > 0 ? nameOf(text) : undefined);
      try {
        const result = await pool.query({ text, values: params as unknown[], ...(name === undefined ? {} : { name }) });
        return result.rows as Row[];
      } catch (err: unknown) {
        throw unavailable(err) ?? err;
      }
    },
    async ping() {
      await pool.query('select 1');
    },
    close: () => pool.end(),
  };
}

// SQLSTATEs that mean "the database cannot answer now", not "this query is wrong":
// query_canceled (statement_timeout), too_many_connections, admin/crash shutdown, cannot_connect_now.
const TRANSIENT_STATES = new Set(['57014', '53300', '57P01', '57P02', '57P03']);
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/**
 * A database that is down, overloaded or out of pooled connections is UNAVAILABLE (retryable),
 * never INTERNAL: pg's pool rejects with "timeout exceeded when trying to connect" once no
 * connection frees up within connectionTimeoutMillis.
 */
function unavailable(err: unknown): DomainError | undefined {
  if (!(err instanceof Error)) return undefined;
  const code = (err as Error & { code?: unknown }).code;
  const transient =
    (typeof code === 'string' && (TRANSIENT_STATES.has(code) || TRANSIENT_CODES.has(code))) ||
    /timeout exceeded when trying to connect|Connection terminated/i.test(err.message);
  return transient ? new DomainError('unavailable', 'DATABASE_UNAVAILABLE', 'the content database is unavailable; retry later', { cause: err }) : undefined;
}
