// The read-only connection to content's tables (CONTENT_READ_DATABASE_URL): timeline's own role,
// which may point at a replica. The role has SELECT only and default_transaction_read_only=on
// (see read-role.ts), so the serving path cannot write even by mistake. A plain pg Pool rather
// than MikroORM: the read path is a handful of hand-written, parameterized queries, and the pool
// is the hottest object in the service.
import pg from 'pg';

export type Param = string | number | boolean | Date | null | readonly string[];

export interface ReadDb {
  query<Row>(text: string, params?: readonly Param[]): Promise<Row[]>;
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
  return {
    async query<Row>(text: string, params: readonly Param[] = []) {
      const result = await pool.query(text, params as unknown[]);
      return result.rows as Row[];
    },
    async ping() {
      await pool.query('select 1');
    },
    close: () => pool.end(),
  };
}
