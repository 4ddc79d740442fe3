// The activity log in PostgreSQL. Writes are one multi-row INSERT ... ON CONFLICT (message_key)
// DO NOTHING: a redelivered or replayed event is absorbed by the unique key, whatever Redis said.
import type { ActivityRecord } from '../domain/activity-event.ts';
import { READ_TYPES } from '../domain/activity-types.ts';
import type { Sql } from './sql.ts';

export interface StoredActivity {
  readonly id: string;
  readonly memberId: string;
  readonly postId: string;
  readonly commentId: string | null;
  readonly type: number;
  readonly messageKey: string;
  readonly eventTime: Date;
  readonly createdAt: Date;
}

export interface Slice {
  readonly offset: number;
  readonly limit: number;
}

export interface ActivityStore {
  /** Stores the records not stored yet; returns the message keys this call inserted. */
  insertMany(sql: Sql, records: readonly ActivityRecord[]): Promise<Set<string>>;
  listByMember(memberId: string, slice: Slice): Promise<StoredActivity[]>;
  /** Activities of several members, reads left out, newest first. */
  listSharedByMembers(memberIds: readonly string[], slice: Slice): Promise<StoredActivity[]>;
}

interface Row {
  id: string;
  member_id: string;
  post_id: string;
  comment_id: string | null;
  type: number;
  message_key: string;
  event_time: Date;
  created_at: Date;
}

const COLUMNS = 'id, member_id, post_id, comment_id, type, message_key, event_time, created_at';
const NEWEST_FIRST = 'order by event_time desc, id desc';

export function createActivityStore(sql: Sql): ActivityStore {
  return {
    async insertMany(tx, records) {
      if (records.length === 0) return new Set();
      // One JSON parameter whatever the batch size: no 65535-parameter limit, one plan.
      const rows = records.map((r) => ({
        member_id: r.memberId,
        post_id: r.postId,
        comment_id: r.commentId,
        type: r.type,
        message_key: r.messageKey,
        event_time: r.eventTime.toISOString(),
      }));
      const inserted = await tx.query<{ message_key: string }>(
        `insert into activity.activities (member_id, post_id, comment_id, type, message_key, event_time)
         select member_id, post_id, comment_id, type, message_key, event_time
           from jsonb_to_recordset(?::jsonb)
             as r(member_id bigint, post_id bigint, comment_id bigint, type smallint, message_key text, event_time timestamptz)
         on conflict (message_key) do nothing
         returning message_key`,
        [JSON.stringify(rows)],
      );
      return new Set(inserted.map((r) => r.message_key));
    },
    async listByMember(memberId, slice) {
      const rows = await sql.query<Row>(
        `select ${COLUMNS} from activity.activities where member_id = ? ${NEWEST_FIRST} limit ? offset ?`,
        [memberId, slice.limit, slice.offset],
      );
      return rows.map(toStored);
    },
    async listSharedByMembers(memberIds, slice) {
      if (memberIds.length === 0) return [];
      const rows = await sql.query<Row>(
        `select ${COLUMNS} from activity.activities
          where member_id = any(array(select jsonb_array_elements_text(?::jsonb)::bigint))
            and type not in (${READ_TYPES.join(', ')})
          ${NEWEST_FIRST} limit ? offset ?`,
        [JSON.stringify(memberIds), slice.limit, slice.offset],
      );
      return rows.map(toStored);
    },
  };
}

function toStored(row: Row): StoredActivity {
  return {
    id: String(row.id),
    memberId: String(row.member_id),
    postId: String(row.post_id),
    commentId: row.comment_id === null ? null : String(row.comment_id),
    type: Number(row.type),
    messageKey: row.message_key,
    eventTime: new Date(row.event_time),
    createdAt: new Date(row.created_at),
  };
}
