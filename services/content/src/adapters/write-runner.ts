// One member write = one database transaction holding the change, its maintained counters, its
// outbox rows and (when the caller sent an `idempotency-key`) the key with the encoded response,
// written in the outbox insert's statement: BEGIN with the change's first statement, the change,
// then that one statement with COMMIT right behind it (sql.ts pipelines both pairs). A concurrent
// duplicate blocks on the key's primary key until the first transaction ends; if that one
// committed, the duplicate's statement fails (unique violation), its COMMIT rolls back, and it
// answers the stored response (as does a retry whose change now fails, e.g. a like that exists).
// A blind write (one that reads nothing: creating a post) knows its response before it talks to
// PostgreSQL, so its change, outbox rows and key go as ONE statement (data-modifying `with`
// clauses, atomic on their own): one round trip, no BEGIN or COMMIT.
// After commit the outbox rows go to the immediate publisher; the RPC does not wait for Kafka.
import { createHash } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import type pg from 'pg';
import { MemberActivityEvent } from '@dailyfeed/gen/events/v1/member_activity';
import { toOutboxMessage, type WriteActivity } from '../domain/activity-event.ts';
import { DomainError, validationError } from '../domain/errors.ts';
import type { EventClock } from '../domain/event-clock.ts';
import type { ImmediateQueue } from './outbox-relay.ts';
import { insertOutbox, type Alongside, type ClaimedRow } from './outbox-repo.ts';
import { query, queryOne, transaction, type Db } from './sql.ts';
import { activeTraceparent } from './trace-context.ts';

export const IDEMPOTENCY_KEY_MAX = 200;

export interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

/** What a blind write does and answers, known before any statement runs. */
export interface BlindWrite<Res> {
  /** Data-modifying statements that read nothing: they run as `with` clauses of the outbox insert. */
  readonly statements: readonly Alongside[];
  readonly response: Res;
  readonly activities: WriteActivity[];
}

interface WriteCommon<Req, Res> {
  readonly metadata: Metadata;
  readonly memberId: string;
  /** Short RPC name, stored with the key so a key reused for another RPC is refused. */
  readonly method: string;
  readonly request: Req;
  readonly requestCodec: Codec<Req>;
  readonly responseCodec: Codec<Res>;
}

export type WriteSpec<Req, Res> = WriteCommon<Req, Res> &
  (
    | {
        /** The change itself, in a transaction; returns the response and the activities to publish. */
        readonly body: (trx: Db) => Promise<{ response: Res; activities: WriteActivity[] }>;
        readonly blind?: never;
      }
    | {
        /** A change that reads nothing, given the write's instant (one statement, see above). */
        readonly blind: (at: Date) => BlindWrite<Res>;
        readonly body?: never;
      }
  );

export interface WriteRunner {
  run<Req, Res>(spec: WriteSpec<Req, Res>): Promise<Res>;
}

export function createWriteRunner(pool: pg.Pool, clock: EventClock, queue: ImmediateQueue): WriteRunner {
  async function run<Req, Res>(spec: WriteSpec<Req, Res>): Promise<Res> {
    const key = idempotencyKeyOf(spec.metadata);
    // Captured here, outside the transaction's own spans: the outbox rows continue the request's trace.
    const traceparent = activeTraceparent();
    const requestHash = key === undefined ? '' : createHash('sha256').update(spec.requestCodec.encode(spec.request).finish()).digest('hex');
    const claimOf = (response: Res): Alongside | undefined =>
      key === undefined
        ? undefined
        : {
            sql: `insert into content.idempotency_keys (member_id, idempotency_key, method, request_hash, response) values (?, ?, ?, ?, ?)`,
            bindings: [spec.memberId, key, spec.method, requestHash, Buffer.from(spec.responseCodec.encode(response).finish())],
          };
    const outboxRows = (activities: readonly WriteActivity[]) =>
      activities.map((a) => toOutboxMessage(a, clock.now())).map((m) => ({ topic: m.topic, key: m.key, payload: Buffer.from(MemberActivityEvent.encode(m.event).finish()), traceparent }));
    const claimed = (rows: ReturnType<typeof outboxRows>, ids: readonly string[]): ClaimedRow[] => rows.map((r, i) => ({ id: ids[i]!, ...r, attempts: 0 }));
    let outcome: { response: Res; outbox: ClaimedRow[] };
    try {
      if (spec.blind !== undefined) {
        const { statements, response, activities } = spec.blind(clock.now().date);
        const rows = outboxRows(activities);
        const claim = claimOf(response);
        const ids = await insertOutbox(pool, rows, claim === undefined ? statements : [...statements, claim]);
        outcome = { response, outbox: claimed(rows, ids) };
      } else {
        const body = spec.body;
        outcome = await transaction(pool, async (trx, commitBehind) => {
          const { response, activities } = await body(trx);
          const rows = outboxRows(activities);
          const claim = claimOf(response);
          const ids = await commitBehind(() => insertOutbox(trx, rows, claim === undefined ? [] : [claim]));
          return { response, outbox: claimed(rows, ids) };
        });
      }
    } catch (err: unknown) {
      const keyTaken = isKeyTaken(err);
      if (key === undefined || !(keyTaken || err instanceof DomainError)) throw err;
      const earlier = await earlierResponse(pool, spec.memberId, key, spec.method, requestHash);
      if (earlier === undefined) {
        if (keyTaken) throw new Error('idempotency key vanished between conflict and read', { cause: err });
        throw err; // no earlier write with this key: the failure is this write's own
      }
      return spec.responseCodec.decode(earlier);
    }
    queue.enqueue(outcome.outbox);
    return outcome.response;
  }
  return { run };
}

/** The key's row exists: an earlier write with this key committed (unique violation on its primary key). */
const isKeyTaken = (err: unknown): boolean =>
  (err as { code?: unknown }).code === '23505' && (err as { constraint?: unknown }).constraint === 'idempotency_keys_pkey';

function idempotencyKeyOf(metadata: Metadata): string | undefined {
  const value = metadata.get('idempotency-key')[0];
  if (typeof value !== 'string' || value.length === 0) return undefined;
  if (value.length > IDEMPOTENCY_KEY_MAX) {
    throw validationError([{ field: 'idempotency-key', rule: 'max_length', message: `must be at most ${IDEMPOTENCY_KEY_MAX} characters` }]);
  }
  return value;
}

/**
 * The stored response of the earlier write that took this key (undefined when none did), or
 * IDEMPOTENCY_KEY_REUSED when that write was another RPC or another request.
 */
async function earlierResponse(db: Db, memberId: string, key: string, method: string, requestHash: string): Promise<Uint8Array | undefined> {
  const earlier = await queryOne<{ method: string; requestHash: string | null; response: Buffer }>(
    db,
    `select method, request_hash as "requestHash", response from content.idempotency_keys where member_id = ? and idempotency_key = ?`,
    [memberId, key],
  );
  if (!earlier) return undefined;
  if (earlier.method !== method || (earlier.requestHash !== null && earlier.requestHash !== requestHash)) {
    throw new DomainError('invalid', 'IDEMPOTENCY_KEY_REUSED', 'this idempotency-key was already used for a different request', {
      metadata: { field: 'idempotency-key', first_method: earlier.method },
    });
  }
  return earlier.response;
}

/** Forgets idempotency keys older than `ttlHours` (retries come within seconds or minutes). */
export async function pruneIdempotencyKeys(db: Db, ttlHours: number): Promise<number> {
  const rows = await query(db, `delete from content.idempotency_keys where created_at < now() - make_interval(hours => ?) returning 1`, [ttlHours]);
  return rows.length;
}
