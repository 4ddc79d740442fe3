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

export function connectReadDb(url: string, poolMax: number, statementTimeoutMs: number): ReadDb {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 2000,
    // A runaway query fails instead of holding a pooled connection.
    statement_timeout: statementTimeoutMs,
    application_name: 'timeline-svc',
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
