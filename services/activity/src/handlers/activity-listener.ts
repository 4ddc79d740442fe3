// The activity listener's work on one chunk of a partition: decode, drop duplicates, store what
// is new in one INSERT, dead-letter what cannot be stored. It resolves only when every message of
// the chunk has a durable outcome in PostgreSQL (a stored row, a duplicate of one, or a dead
// letter), so the caller may commit the chunk's offsets right after.
//
// When PostgreSQL cannot even take the dead letters (it is down or refuses our role), nothing is
// committed: the chunk is retried with backoff until PostgreSQL is back or the partition is
// taken away (then the next owner gets the same messages). Nothing is lost, and the unique
// message key keeps the retries from storing anything twice.
import { parseActivityEvent, type ActivityRecord } from '../domain/activity-event.ts';
import { backoffMs, sleep, sleepWhile } from '../domain/backoff.ts';
import { afterFailure, afterPoison, type ReplayPolicy } from '../domain/dead-letter-rules.ts';
import type { ActivityStore } from '../adapters/activity-store.ts';
import type { DeadLetterStore, NewDeadLetter } from '../adapters/dead-letter-store.ts';
import type { DedupCache } from '../adapters/dedup-cache.ts';
import type { ListenerMetrics } from '../adapters/metrics.ts';
import { errorText, isConnectionError } from '../adapters/pg-errors.ts';
import type { Sql } from '../adapters/sql.ts';

export interface InboundMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly offset: string;
  /** Record timestamp, ms since epoch as a string (kafkajs). */
  readonly timestamp: string;
}

export interface ChunkControl {
  /** False once the partition was revoked or the consumer is stopping: give up, commit nothing. */
  shouldContinue(): boolean;
  heartbeat(): Promise<void>;
}

export type ChunkOutcome = 'durable' | 'interrupted';

export interface ListenerLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ListenerDeps {
  readonly sql: Sql;
  readonly activities: ActivityStore;
  readonly deadLetters: DeadLetterStore;
  readonly dedup: DedupCache;
  readonly metrics: ListenerMetrics;
  readonly log: ListenerLog;
  readonly retries: number;
  readonly retryBaseMs: number;
  readonly outageBackoffMaxMs: number;
  readonly replayPolicy: ReplayPolicy;
  readonly now?: () => Date;
}

interface Parsed {
  readonly message: InboundMessage;
  readonly record: ActivityRecord;
}

export type ActivityListener = (topic: string, partition: number, messages: readonly InboundMessage[], control: ChunkControl) => Promise<ChunkOutcome>;

export function createActivityListener(deps: ListenerDeps): ActivityListener {
  const now = deps.now ?? (() => new Date());

  const letter = (topic: string, partition: number, message: InboundMessage, messageKey: string | null, error: string, poison: boolean): NewDeadLetter => {
    const attempts = poison ? 1 : deps.retries + 1;
    const next = poison ? afterPoison(attempts, now()) : afterFailure(attempts, deps.replayPolicy, now());
    return { messageKey, topic, partition, offset: message.offset, payload: message.value ?? Buffer.alloc(0), attempts, error, state: next.state, nextAttemptAt: next.nextAttemptAt };
  };

  /** Inserts with a few retries; returns the inserted keys, or the last error. */
  const insertWithRetries = async (records: readonly ActivityRecord[]): Promise<Set<string> | { failure: unknown }> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await deps.activities.insertMany(deps.sql, records);
      } catch (err: unknown) {
        if (attempt > deps.retries) return { failure: err };
        await sleep(backoffMs(attempt, deps.retryBaseMs, deps.retryBaseMs * 16));
      }
    }
  };

  /** One attempt at giving every message a durable outcome; throws when PostgreSQL is out. */
  const storeOnce = async (topic: string, partition: number, fresh: readonly Parsed[], poisoned: readonly NewDeadLetter[], control: ChunkControl) => {
    const letters = [...poisoned];
    let inserted = new Set<string>();
    const result = await insertWithRetries(fresh.map((p) => p.record));
    if (result instanceof Set) {
      inserted = result;
    } else {
      if (isConnectionError(result.failure)) throw result.failure;
      // The statement failed but PostgreSQL answers: store one by one, so that only the messages
      // that really fail become dead letters.
      for (const [i, p] of fresh.entries()) {
        try {
          for (const key of await deps.activities.insertMany(deps.sql, [p.record])) inserted.add(key);
        } catch (err: unknown) {
          if (isConnectionError(err)) throw err;
          letters.push(letter(topic, partition, p.message, p.record.messageKey, errorText(err), false));
        }
        if (i % 100 === 99) await control.heartbeat();
      }
    }
    await deps.deadLetters.addMany(deps.sql, letters);
    return { inserted, letters };
  };

  return async (topic, partition, messages, control) => {
    const poisoned: NewDeadLetter[] = [];
    const unique = new Map<string, Parsed>();
    let duplicatesInChunk = 0;
    for (const message of messages) {
      const parsed = parseActivityEvent(message.value, message.key?.toString('utf8'), new Date(Number(message.timestamp)));
      if (parsed.kind === 'poison') {
        poisoned.push(letter(topic, partition, message, message.key?.toString('utf8') ?? null, parsed.error, true));
      } else if (unique.has(parsed.record.messageKey)) {
        duplicatesInChunk += 1;
      } else {
        unique.set(parsed.record.messageKey, { message, record: parsed.record });
      }
    }
    const knownInRedis = await deps.dedup.known([...unique.keys()]);
    const fresh = [...unique.values()].filter((p) => !knownInRedis.has(p.record.messageKey));

    for (let outage = 1; ; outage++) {
      try {
        const { inserted, letters } = await storeOnce(topic, partition, fresh, poisoned, control);
        const letteredKeys = new Set(letters.map((l) => l.messageKey));
        const durable = fresh.map((p) => p.record.messageKey).filter((k) => !letteredKeys.has(k));
        const inPostgres = durable.length - inserted.size;
        deps.metrics.stored(inserted.size);
        deps.metrics.duplicates('redis', knownInRedis.size);
        deps.metrics.duplicates('batch', duplicatesInChunk);
        deps.metrics.duplicates('postgres', inPostgres);
        deps.metrics.deadLettered(letters.length);
        // Only now, with the rows durable, may Redis say "seen". Not awaited: the hint never
        // gates the commit (remember() swallows its own failures).
        void deps.dedup.remember(durable);
        return 'durable';
      } catch (err: unknown) {
        if (!control.shouldContinue()) return 'interrupted';
        const waitMs = backoffMs(outage, 500, deps.outageBackoffMaxMs);
        deps.log.error({ err: errorText(err), topic, partition, outage, waitMs }, 'PostgreSQL unavailable: chunk kept uncommitted, retrying');
        // Wakes early on shutdown or revocation, so stopping never waits out a long backoff.
        if (!(await sleepWhile(waitMs, () => control.shouldContinue()))) return 'interrupted';
        await control.heartbeat().catch(() => undefined);
      }
    }
  };
}
