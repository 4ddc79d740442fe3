// Tells "PostgreSQL cannot answer now" (down, restarting, refusing connections, pool exhausted:
// the same call may succeed in a moment) from "this statement failed" (the data or the query).
// The first becomes UNAVAILABLE / DATABASE_UNAVAILABLE (adapters/grpc-errors.ts), which the edge
// answers with 503 and Retry-After; the second stays INTERNAL. Every service keeps the same copy
// of this file (services share no code) so that a database outage looks the same everywhere.

// Socket failures, and the SQLSTATEs of a server that is not taking work: class 08 (connection
// exception), 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up
// or in recovery), 53300 too_many_connections; 28000/28P01/3D000: the role or database is refused
// right now (a failover to a server not yet provisioned looks like this).
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '28000', '28P01', '3D000']);
// pg and knex report a lost or unobtainable connection only in the message.
const MESSAGES = /Connection terminated|Connection ended unexpectedly|connection is closed|not queryable|timeout exceeded when trying to connect|Timeout acquiring a connection/i;
// MikroORM wraps driver errors; the driver's error is on `cause` (or `previous`).
const MAX_DEPTH = 5;

export function isDatabaseUnavailable(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < MAX_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const e = current as { code?: unknown; sqlState?: unknown; name?: unknown; message?: unknown; cause?: unknown; previous?: unknown };
    for (const code of [e.code, e.sqlState]) {
      if (typeof code === 'string' && (SOCKET_CODES.has(code) || SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
    }
    if (e.name === 'KnexTimeoutError' || e.name === 'ConnectionException') return true;
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
    current = e.cause ?? e.previous;
  }
  return false;
}
