// The outbox, which doubles as the publisher dead-letter store: one row per activity event,
// inserted in the write's transaction. Publishers claim rows with FOR UPDATE SKIP LOCKED and
// keep the lock while they send, so two publishers (the immediate path, the relay, other
// replicas) never send the same row at the same time.
import type { RetryPolicy } from '../domain/retry-policy.ts';
import { afterFailure } from '../domain/retry-policy.ts';
import { asDate, bigintArray, query, type Binding, type Db } from './sql.ts';

export type OutboxState = 'PENDING' | 'COMPLETED' | 'PARKED';

export interface NewOutboxRow {
  readonly topic: string;
  readonly key: string;
  readonly payload: Buffer;
  /** The writing request's W3C traceparent (null without tracing). */
  readonly traceparent: string | null;
}

export interface ClaimedRow {
  readonly id: string;
  readonly topic: string;
  readonly key: string;
  readonly payload: Buffer;
  readonly traceparent: string | null;
  readonly attempts: number;
}

export interface OutboxRow extends ClaimedRow {
  readonly state: OutboxState;
  readonly lastError: string | null;
  readonly nextAttemptAt: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A data-modifying statement run in the same round trip as the insert (a `with` clause). */
export interface Alongside {
  readonly sql: string;
  readonly bindings: readonly Binding[];
}

/**
 * Inserts the events of a write; due at once, so a crash before publishing leaves them to the
 * relay. `alongside` statements (the change of a blind write, the idempotency key with its
 * response) ride in the same statement as `with` clauses, saving a round trip each. The statement
 * is sent before this returns (sql.ts's CommitBehind relies on it).
 */
export async function insertOutbox(db: Db, rows: readonly NewOutboxRow[], alongside: readonly Alongside[] = []): Promise<string[]> {
  const withClauses = (list: readonly Alongside[]): string => (list.length === 0 ? '' : `with ${list.map((a, i) => `alongside_${i} as (${a.sql})`).join(', ')} `);
  if (rows.length === 0) {
    const last = alongside.at(-1);
    if (last !== undefined) await query(db, `${withClauses(alongside.slice(0, -1))}${last.sql}`, alongside.flatMap((a) => a.bindings));
    return [];
  }
  const values = rows.map(() => '(?, ?, ?, ?)').join(', ');
  const inserted = await query<{ id: string }>(
    db,
    `${withClauses(alongside)}insert into content.outbox (message_key, topic, payload, traceparent) values ${values} returning id`,
    [...alongside.flatMap((a) => a.bindings), ...rows.flatMap((r) => [r.key, r.topic, r.payload, r.traceparent])],
  );
  return inserted.map((r) => r.id);
}

const CLAIM_COLUMNS = `id, topic, message_key as "key", payload, traceparent, attempts`;

/**
 * Locks up to `limit` due rows. Never-attempted rows younger than `graceMs` are left to the
 * immediate publisher of the process that wrote them; older ones were orphaned by a crash.
 */
export function claimDue(db: Db, limit: number, graceMs: number): Promise<ClaimedRow[]> {
  return query<ClaimedRow>(
    db,
    `select ${CLAIM_COLUMNS} from content.outbox
      where state = 'PENDING' and next_attempt_at <= now()
        and (attempts > 0 or created_at <= now() - make_interval(secs => ?))
      order by next_attempt_at, id limit ? for update skip locked`,
    [graceMs / 1000, limit],
  );
}

/** Only PENDING rows change: a row another publisher completed meanwhile stays as it is. */
export async function markCompleted(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await query(
    db,
    `update content.outbox set state = 'COMPLETED', attempts = attempts + 1, last_error = null, published_at = now(), updated_at = now()
      where id = any(?::bigint[]) and state = 'PENDING'`,
    [bigintArray(ids)],
  );
}

/** Records a failed attempt per row: backoff while attempts remain, PARKED after the last. */
export async function markFailed(db: Db, rows: readonly ClaimedRow[], error: string, policy: RetryPolicy): Promise<number> {
  if (rows.length === 0) return 0;
  let parked = 0;
  const values: string[] = [];
  const bindings: (string | number)[] = [];
  for (const row of rows) {
    const next = afterFailure(row.attempts + 1, policy);
    if (next.state === 'PARKED') parked += 1;
    values.push('(?::bigint, ?::varchar, ?::float8)');
    bindings.push(row.id, next.state, next.state === 'PENDING' ? next.delayMs / 1000 : 0);
  }
  await query(
    db,
    `update content.outbox o set state = v.state, attempts = o.attempts + 1, last_error = ?,
            next_attempt_at = now() + make_interval(secs => v.delay), updated_at = now()
       from (values ${values.join(', ')}) as v(id, state, delay)
      where o.id = v.id and o.state = 'PENDING'`,
    [error.slice(0, 2000), ...bindings],
  );
  return parked;
}

/**
 * Deletes COMPLETED rows published more than `retentionHours` ago, oldest first, in batches of
 * `batch` so that no statement holds many row locks or runs long; returns how many went.
 * PENDING and PARKED rows are never touched: they are the dead-letter store.
 */
export async function pruneCompleted(db: Db, retentionHours: number, batch = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = await query<{ id: string }>(
      db,
      `delete from content.outbox where id in (
         select id from content.outbox
          where state = 'COMPLETED' and published_at < now() - make_interval(hours => ?)
          order by id limit ?)
       returning id`,
      [retentionHours, batch],
    );
    total += rows.length;
    if (rows.length < batch) return total;
  }
}

export async function countByState(db: Db): Promise<Record<OutboxState, number>> {
  const rows = await query<{ state: OutboxState; n: string }>(db, `select state, count(*) as n from content.outbox group by state`);
  const counts: Record<OutboxState, number> = { PENDING: 0, COMPLETED: 0, PARKED: 0 };
  for (const row of rows) counts[row.state] = Number(row.n);
  return counts;
}

/** Newest first; fetches one extra row to tell whether another page follows. */
export async function listPage(db: Db, state: OutboxState | undefined, page: number, size: number): Promise<{ rows: OutboxRow[]; hasNext: boolean }> {
  const raw = await query<Omit<OutboxRow, 'nextAttemptAt' | 'createdAt' | 'updatedAt'> & Record<'nextAttemptAt' | 'createdAt' | 'updatedAt', Date | string>>(
    db,
    `select ${CLAIM_COLUMNS}, state, last_error as "lastError", next_attempt_at as "nextAttemptAt",
            created_at as "createdAt", updated_at as "updatedAt"
       from content.outbox ${state ? 'where state = ?' : ''}
      order by id desc limit ? offset ?`,
    [...(state ? [state] : []), size + 1, page * size],
  );
  const rows = raw.map((r) => ({ ...r, nextAttemptAt: asDate(r.nextAttemptAt), createdAt: asDate(r.createdAt), updatedAt: asDate(r.updatedAt) }));
  return { rows: rows.slice(0, size), hasNext: rows.length > size };
}

/** Ids among `ids` that do not exist. */
export async function missingIds(db: Db, ids: readonly string[]): Promise<string[]> {
  const found = await query<{ id: string }>(db, `select id from content.outbox where id = any(?::bigint[])`, [bigintArray(ids)]);
  const present = new Set(found.map((r) => r.id));
  return [...new Set(ids)].filter((id) => !present.has(id));
}

/** PARKED -> PENDING with attempts reset, due now; `ids` undefined means every PARKED row. */
export async function replayParked(db: Db, ids: readonly string[] | undefined): Promise<number> {
  const rows = await query(
    db,
    `update content.outbox set state = 'PENDING', attempts = 0, next_attempt_at = now(), updated_at = now()
      where state = 'PARKED'${ids ? ' and id = any(?::bigint[])' : ''} returning id`,
    ids ? [bigintArray(ids)] : [],
  );
  return rows.length;
}
