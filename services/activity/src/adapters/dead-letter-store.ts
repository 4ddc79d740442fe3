// Listener dead letters in PostgreSQL. Every query is scoped to the topics of this deployment
// (ACTIVITY_TOPIC_PREFIX): in production that is all of them; in tests it keeps concurrently
// running instances from replaying each other's letters.
import type { AfterFailure, DeadLetterState } from '../domain/dead-letter-rules.ts';
import type { Slice } from './activity-store.ts';
import type { Sql } from './sql.ts';

export interface NewDeadLetter {
  readonly messageKey: string | null;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly payload: Buffer;
  readonly attempts: number;
  readonly error: string;
  readonly state: DeadLetterState;
  readonly nextAttemptAt: Date;
}

export interface DeadLetterRow {
  readonly id: string;
  readonly state: DeadLetterState;
  readonly messageKey: string | null;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly payload: Buffer;
  readonly attempts: number;
  readonly lastError: string;
  readonly nextAttemptAt: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export type DeadLetterCounts = Record<DeadLetterState, number>;

export type ReplayOutcome = { readonly kind: 'moved'; readonly count: number } | { readonly kind: 'unknown-ids'; readonly ids: string[] };

export interface DeadLetterStore {
  /** Idempotent per (topic, partition, offset): a redelivered message is stored once. */
  addMany(sql: Sql, letters: readonly NewDeadLetter[]): Promise<void>;
  /** Locks up to `limit` due PENDING letters (SKIP LOCKED: replicas share the work) for fn. */
  withDue<T>(limit: number, fn: (tx: Sql, letters: DeadLetterRow[]) => Promise<T>): Promise<T>;
  markCompleted(tx: Sql, id: string, attempts: number): Promise<void>;
  markFailed(tx: Sql, id: string, next: AfterFailure, error: string): Promise<void>;
  list(state: DeadLetterState | undefined, slice: Slice): Promise<DeadLetterRow[]>;
  count(): Promise<DeadLetterCounts>;
  /** PARKED -> PENDING (attempts 0, due now) for the ids, or every PARKED letter when ids is empty. */
  replayParked(ids: readonly string[]): Promise<ReplayOutcome>;
}

interface Row {
  id: string;
  state: DeadLetterState;
  message_key: string | null;
  topic: string;
  partition: number;
  offset: string;
  payload: Buffer;
  attempts: number;
  last_error: string;
  next_attempt_at: Date;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, state, message_key, topic, partition, "offset", payload, attempts, last_error, next_attempt_at, created_at, updated_at';
const MINE = 'starts_with(topic, ?)';

export function createDeadLetterStore(sql: Sql, topicPrefix: string): DeadLetterStore {
  return {
    async addMany(tx, letters) {
      if (letters.length === 0) return;
      const rows = letters.map((l) => ({
        message_key: l.messageKey,
        topic: l.topic,
        partition: l.partition,
        offset: l.offset,
        payload: l.payload.toString('base64'),
        attempts: l.attempts,
        last_error: l.error.slice(0, 2000),
        state: l.state,
        next_attempt_at: l.nextAttemptAt.toISOString(),
      }));
      await tx.run(
        `insert into activity.listener_dead_letters (message_key, topic, partition, "offset", payload, attempts, last_error, state, next_attempt_at)
         select message_key, topic, partition, "offset", decode(payload, 'base64'), attempts, last_error, state, next_attempt_at
           from jsonb_to_recordset(?::jsonb)
             as r(message_key text, topic text, partition integer, "offset" bigint, payload text, attempts integer,
                  last_error text, state text, next_attempt_at timestamptz)
         on conflict (topic, partition, "offset") do nothing`,
        [JSON.stringify(rows)],
      );
    },
    withDue(limit, fn) {
      return sql.tx(async (tx) => {
        const rows = await tx.query<Row>(
          `select ${COLUMNS} from activity.listener_dead_letters
            where state = 'PENDING' and next_attempt_at <= now() and ${MINE}
            order by next_attempt_at, id limit ? for update skip locked`,
          [topicPrefix, limit],
        );
        return fn(tx, rows.map(toDeadLetter));
      });
    },
    async markCompleted(tx, id, attempts) {
      await tx.run(`update activity.listener_dead_letters set state = 'COMPLETED', attempts = ?, updated_at = now() where id = ?`, [attempts, id]);
    },
    async markFailed(tx, id, next, error) {
      await tx.run(
        `update activity.listener_dead_letters set state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = now() where id = ?`,
        [next.state, next.attempts, next.nextAttemptAt, error.slice(0, 2000), id],
      );
    },
    async list(state, slice) {
      const filter = state ? 'and state = ?' : '';
      const params = state ? [topicPrefix, state, slice.limit, slice.offset] : [topicPrefix, slice.limit, slice.offset];
      const rows = await sql.query<Row>(
        `select ${COLUMNS} from activity.listener_dead_letters where ${MINE} ${filter} order by id desc limit ? offset ?`,
        params,
      );
      return rows.map(toDeadLetter);
    },
    async count() {
      const rows = await sql.query<{ state: DeadLetterState; n: string }>(
        `select state, count(*) as n from activity.listener_dead_letters where ${MINE} group by state`,
        [topicPrefix],
      );
      const counts: DeadLetterCounts = { PENDING: 0, COMPLETED: 0, PARKED: 0 };
      for (const row of rows) counts[row.state] = Number(row.n);
      return counts;
    },
    replayParked(ids) {
      return sql.tx(async (tx): Promise<ReplayOutcome> => {
        const revive = `update activity.listener_dead_letters
                           set state = 'PENDING', attempts = 0, next_attempt_at = now(), updated_at = now()
                         where state = 'PARKED' and ${MINE}`;
        if (ids.length === 0) return { kind: 'moved', count: await tx.run(revive, [topicPrefix]) };
        const idList = JSON.stringify(ids);
        const inList = 'id = any(array(select jsonb_array_elements_text(?::jsonb)::bigint))';
        const found = await tx.query<{ id: string }>(`select id from activity.listener_dead_letters where ${inList} and ${MINE}`, [idList, topicPrefix]);
        const known = new Set(found.map((r) => String(r.id)));
        const unknown = ids.filter((id) => !known.has(id));
        if (unknown.length > 0) return { kind: 'unknown-ids', ids: unknown };
        return { kind: 'moved', count: await tx.run(`${revive} and ${inList}`, [topicPrefix, idList]) };
      });
    },
  };
}

function toDeadLetter(row: Row): DeadLetterRow {
  return {
    id: String(row.id),
    state: row.state,
    messageKey: row.message_key,
    topic: row.topic,
    partition: Number(row.partition),
    offset: String(row.offset),
    payload: row.payload,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    nextAttemptAt: new Date(row.next_attempt_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
