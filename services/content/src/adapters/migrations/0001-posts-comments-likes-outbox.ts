// The `content` schema: posts, comments (depth 0..2), likes, the maintained counters readers use
// instead of counting, the idempotency record of retried writes, and the outbox of activity
// events (which doubles as the publisher dead-letter store).
//
// timeline-svc reads posts/comments/likes through its own read-only role; keep these columns
// stable (add, never rename) because a second service depends on them.
import { Migration } from '@mikro-orm/migrations';

export class PostsCommentsLikesOutbox extends Migration {
  override up(): void {
    this.addSql(`create table content.posts (
      id bigint generated always as identity primary key,
      author_id bigint not null,
      title varchar(100) not null default '',
      content text not null,
      view_count bigint not null default 0,
      like_count bigint not null default 0,
      -- non-deleted comments of the post, replies included
      comment_count bigint not null default 0,
      is_deleted boolean not null default false,
      created_at timestamptz not null default now(),
      -- null until the post is edited
      updated_at timestamptz,
      deleted_at timestamptz
    )`);
    this.addSql(`create index posts_recent_idx on content.posts (created_at desc, id desc) where not is_deleted`);
    this.addSql(`create index posts_author_recent_idx on content.posts (author_id, created_at desc, id desc) where not is_deleted`);
    this.addSql(`create index posts_popular_idx on content.posts ((view_count + 2 * like_count) desc, created_at desc, id desc) where not is_deleted`);
    this.addSql(`create index posts_most_commented_idx on content.posts (comment_count desc, created_at desc, id desc) where not is_deleted`);

    this.addSql(`create table content.comments (
      id bigint generated always as identity primary key,
      post_id bigint not null references content.posts(id),
      parent_id bigint references content.comments(id),
      author_id bigint not null,
      content text not null,
      depth smallint not null check (depth between 0 and 2),
      like_count bigint not null default 0,
      -- non-deleted direct replies
      reply_count bigint not null default 0,
      is_deleted boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz,
      deleted_at timestamptz
    )`);
    this.addSql(`create index comments_post_top_idx on content.comments (post_id, created_at, id) where parent_id is null and not is_deleted`);
    this.addSql(`create index comments_parent_idx on content.comments (parent_id, created_at, id) where not is_deleted`);
    this.addSql(`create index comments_author_recent_idx on content.comments (author_id, created_at desc, id desc) where not is_deleted`);

    this.addSql(`create table content.post_likes (
      post_id bigint not null references content.posts(id),
      member_id bigint not null,
      created_at timestamptz not null default now(),
      primary key (post_id, member_id)
    )`);
    this.addSql(`create index post_likes_member_idx on content.post_likes (member_id, post_id)`);
    this.addSql(`create table content.comment_likes (
      comment_id bigint not null references content.comments(id),
      member_id bigint not null,
      created_at timestamptz not null default now(),
      primary key (comment_id, member_id)
    )`);
    this.addSql(`create index comment_likes_member_idx on content.comment_likes (member_id, comment_id)`);

    // The first response of a write, replayed for a retry carrying the same key from the same member.
    this.addSql(`create table content.idempotency_keys (
      member_id bigint not null,
      idempotency_key varchar(200) not null,
      method varchar(100) not null,
      response bytea not null,
      created_at timestamptz not null default now(),
      primary key (member_id, idempotency_key)
    )`);
    this.addSql(`create index idempotency_keys_created_idx on content.idempotency_keys (created_at)`);

    // Written in the same transaction as the write it describes; published right after commit.
    this.addSql(`create table content.outbox (
      id bigint generated always as identity primary key,
      message_key varchar(300) not null,
      topic varchar(100) not null,
      payload bytea not null,
      state varchar(16) not null default 'PENDING' check (state in ('PENDING', 'COMPLETED', 'PARKED')),
      attempts integer not null default 0,
      last_error text,
      next_attempt_at timestamptz not null default now(),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      published_at timestamptz
    )`);
    this.addSql(`create index outbox_due_idx on content.outbox (next_attempt_at, id) where state = 'PENDING'`);
    this.addSql(`create index outbox_state_idx on content.outbox (state, id)`);
  }
}
