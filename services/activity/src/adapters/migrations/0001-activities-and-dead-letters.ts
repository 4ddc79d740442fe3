// The `activity` schema: the activity log (one row per distinct message key — the unique key is
// the real dedup guard, Redis only a hint) and the listener dead letters with their replay state.
import { Migration } from '@mikro-orm/migrations';

export class ActivitiesAndDeadLetters extends Migration {
  override up(): void {
    this.addSql(`create table activity.activities (
      id bigint generated always as identity primary key,
      member_id bigint not null,
      post_id bigint not null,
      comment_id bigint,
      -- dailyfeed.events.v1.MemberActivityType number (ActivityType mirrors it)
      type smallint not null check (type between 1 and 12),
      message_key text not null,
      event_time timestamptz not null,
      created_at timestamptz not null default now(),
      constraint activities_message_key_uq unique (message_key)
    )`);
    // "My activities", newest first.
    this.addSql(`create index activities_member_recent_idx on activity.activities (member_id, event_time desc, id desc)`);
    // "What my friends did": reads (4 POST_READ, 12 COMMENT_READ) are never shown to others.
    this.addSql(`create index activities_member_shared_idx on activity.activities (member_id, event_time desc, id desc) where type not in (4, 12)`);

    this.addSql(`create table activity.listener_dead_letters (
      id bigint generated always as identity primary key,
      state text not null default 'PENDING' check (state in ('PENDING', 'COMPLETED', 'PARKED')),
      -- null when the message was undecodable and had no record key
      message_key text,
      topic text not null,
      partition integer not null,
      "offset" bigint not null,
      payload bytea not null,
      attempts integer not null default 0,
      last_error text not null default '',
      next_attempt_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      -- a redelivered message (crash before the commit) is dead-lettered once
      constraint listener_dead_letters_position_uq unique (topic, partition, "offset")
    )`);
    this.addSql(`create index listener_dead_letters_due_idx on activity.listener_dead_letters (next_attempt_at) where state = 'PENDING'`);
    this.addSql(`create index listener_dead_letters_state_idx on activity.listener_dead_letters (state, id desc)`);
  }

  override down(): void {
    this.addSql('drop table activity.listener_dead_letters');
    this.addSql('drop table activity.activities');
  }
}
