// Ids of new rows taken from the table's own identity sequence ahead of the insert, a block at a
// time, so that a write can build its response and its events before it talks to PostgreSQL and
// send everything as one statement (write-runner.ts, blind writes). The sequence stays the one
// authority: every id comes from nextval, so replicas and the identity default never collide.
// A block is used for at most `maxAgeMs`, so ids stay close to the order posts are written in
// (lists order by created_at, id only breaks ties); unused ids are dropped, as a rolled-back
// insert drops its id.
import { query, type Db } from './sql.ts';

export interface IdSource {
  next(): Promise<string>;
}

export interface IdBlockOptions {
  /** Ids asked for in one round trip. */
  readonly size: number;
  /** How long a block's ids may still be handed out. */
  readonly maxAgeMs: number;
  readonly now?: () => number;
}

/** `table` and `column` are code constants (never input): they name the identity sequence. */
export function createIdBlocks(db: Db, table: string, column: string, options: IdBlockOptions): IdSource {
  if (!Number.isInteger(options.size) || options.size < 1) throw new Error(`an id block holds at least one id, not ${options.size}`);
  const now = options.now ?? Date.now;
  let ids: string[] = [];
  let takenAt = 0;
  let refill: Promise<void> | undefined;
  const fetchBlock = async (): Promise<void> => {
    try {
      const rows = await query<{ id: string }>(db, `select nextval(pg_get_serial_sequence(?, ?))::text as id from generate_series(1, ?)`, [table, column, options.size]);
      ids = rows.map((r) => r.id);
      takenAt = now();
    } finally {
      refill = undefined;
    }
  };
  return {
    async next() {
      if (ids.length > 0 && now() - takenAt > options.maxAgeMs) ids = [];
      // Callers waiting together share one refill; more callers than a block holds wait for the next.
      while (ids.length === 0) {
        refill ??= fetchBlock();
        await refill;
      }
      return ids.shift() as string;
    },
  };
}
