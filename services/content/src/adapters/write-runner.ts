// One member write = one database transaction holding the change, its maintained counters, its
// outbox rows and (when the caller sent an `idempotency-key`) the encoded first response. The
// key row is claimed first: a concurrent duplicate blocks on its primary key until the first
// transaction ends, then reads the stored response instead of writing twice. After commit the
// outbox rows go to the immediate publisher; the RPC does not wait for Kafka.
import { createHash } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import type pg from 'pg';
import { MemberActivityEvent } from '@dailyfeed/gen/events/v1/member_activity';
import { toOutboxMessage, type WriteActivity } from '../domain/activity-event.ts';
import { DomainError, validationError } from '../domain/errors.ts';
import type { EventClock } from '../domain/event-clock.ts';
import type { ImmediateQueue } from './outbox-relay.ts';
import { insertOutbox, type ClaimedRow } from './outbox-repo.ts';
import { query, queryOne, transaction, type Db } from './sql.ts';
import { activeTraceparent } from './trace-context.ts';

export const IDEMPOTENCY_KEY_MAX = 200;

export interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(bytes: Uint8Array): T;
}

export interface WriteSpec<Req, Res> {
  readonly metadata: Metadata;
  readonly memberId: string;
  /** Short RPC name, stored with the key so a key reused for another RPC is refused. */
  readonly method: string;
  readonly request: Req;
  readonly requestCodec: Codec<Req>;
  readonly responseCodec: Codec<Res>;
  /** The change itself; returns the response and the activities to publish. */
  readonly body: (trx: Db) => Promise<{ response: Res; activities: WriteActivity[] }>;
}

export interface WriteRunner {
  run<Req, Res>(spec: WriteSpec<Req, Res>): Promise<Res>;
}

export function createWriteRunner(pool: pg.Pool, clock: EventClock, queue: ImmediateQueue): WriteRunner {
  return {
    async run(spec) {
      const key = idempotencyKeyOf(spec.metadata);
      // Captured here, outside the transaction's own spans: the outbox rows continue the request's trace.
      const traceparent = activeTraceparent();
      const requestHash = createHash('sha256').update(spec.requestCodec.encode(spec.request).finish()).digest('hex');
      const outcome = await transaction(pool, async (trx) => {
        if (key !== undefined) {
          const earlier = await claimKey(trx, spec.memberId, key, spec.method, requestHash);
          if (earlier) return { response: spec.responseCodec.decode(earlier), outbox: [] as ClaimedRow[] };
        }
        const { response, activities } = await spec.body(trx);
        const messages = activities.map((a) => toOutboxMessage(a, clock.now()));
        const rows = messages.map((m) => ({ topic: m.topic, key: m.key, payload: Buffer.from(MemberActivityEvent.encode(m.event).finish()), traceparent }));
        // The stored response rides in the outbox insert's statement (one round trip for both).
        const storeResponse =
          key === undefined
            ? undefined
            : {
                sql: `update content.idempotency_keys set response = ? where member_id = ? and idempotency_key = ?`,
                bindings: [Buffer.from(spec.responseCodec.encode(response).finish()), spec.memberId, key],
              };
        const ids = await insertOutbox(trx, rows, storeResponse);
        return { response, outbox: rows.map((r, i) => ({ id: ids[i]!, ...r, attempts: 0 })) };
      });
      queue.enqueue(outcome.outbox);
      return outcome.response;
    },
  };
}

function idempotencyKeyOf(metadata: Metadata): string | undefined {
  const value = metadata.get('idempotency-key')[0];
  if (typeof value !== 'string' || value.length === 0) return undefined;
  if (value.length > IDEMPOTENCY_KEY_MAX) {
    throw validationError([{ field: 'idempotency-key', rule: 'max_length', message: `must be at most ${IDEMPOTENCY_KEY_MAX} characters` }]);
  }
  return value;
}

/**
 * Claims the key for this write, or returns the stored response of the earlier write with it.
 * The insert waits for a concurrent transaction holding the same key; if that one commits, the
 * conflict makes this one read its row, and if it rolls back, this one takes the key.
 */
async function claimKey(trx: Db, memberId: string, key: string, method: string, requestHash: string): Promise<Uint8Array | undefined> {
  const claimed = await queryOne(
    trx,
    `insert into content.idempotency_keys (member_id, idempotency_key, method, request_hash, response)
     values (?, ?, ?, ?, ?) on conflict do nothing returning member_id`,
    // The response is written once the write is done, before commit; nobody reads it earlier.
    [memberId, key, method, requestHash, Buffer.alloc(0)],
  );
  if (claimed) return undefined;
  const earlier = await queryOne<{ method: string; requestHash: string | null; response: Buffer }>(
    trx,
    `select method, request_hash as "requestHash", response from content.idempotency_keys where member_id = ? and idempotency_key = ?`,
    [memberId, key],
  );
  if (!earlier) throw new Error('idempotency key vanished between conflict and read');
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
