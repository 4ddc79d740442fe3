// Tells "PostgreSQL cannot be reached or refuses us" (wait and retry everything, store nothing
// else either) from "this statement failed" (the data or a privilege; other writes still work).
import { isDatabaseUnavailable } from './pg-unavailable.ts';

/** The same test the RPCs use for DATABASE_UNAVAILABLE (pg-unavailable.ts). */
export function isConnectionError(err: unknown): boolean {
  return isDatabaseUnavailable(err);
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
