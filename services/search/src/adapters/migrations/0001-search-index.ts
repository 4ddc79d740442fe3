// The `search` schema: the full-text index of posts and comments built from member-activity
// events (PostgreSQL full-text search stands in for Typesense, which this environment does not
// run), and the comment likes that CountCommentLikes counts.
//
// Ordering: events of one post or comment can arrive out of order (their record keys differ, so
// partitions differ). `event_at` keeps the time of the last applied write and older writes are
// ignored; a delete is final (a row inserted by a delete is a tombstone the later create cannot
// revive).
import { Migration } from '@mikro-orm/migrations';

export class SearchIndex extends Migration {
  override up(): void {
    this.addSql(`create extension if not exists pg_trgm with schema public`);
    this.addSql(`create table search.posts (
      post_id bigint primary key,
      author_id bigint not null default 0,
      content text not null default '',
      tsv tsvector generated always as (to_tsvector('simple', content)) stored,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      event_at timestamptz not null,
      is_deleted boolean not null default false
    )`);
    this.addSql(`create index posts_tsv_idx on search.posts using gin (tsv)`);
    this.addSql(`create index posts_content_trgm_idx on search.posts using gin (content public.gin_trgm_ops)`);
    this.addSql(`create index posts_recent_idx on search.posts (created_at desc, post_id desc) where not is_deleted`);

    this.addSql(`create table search.comments (
      comment_id bigint primary key,
      post_id bigint not null,
      parent_id bigint,
      author_id bigint not null default 0,
      content text not null default '',
      depth smallint not null default 0,
      tsv tsvector generated always as (to_tsvector('simple', content)) stored,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      event_at timestamptz not null,
      is_deleted boolean not null default false
    )`);
    this.addSql(`create index comments_tsv_idx on search.comments using gin (tsv)`);
    this.addSql(`create index comments_content_trgm_idx on search.comments using gin (content public.gin_trgm_ops)`);
    this.addSql(`create index comments_post_idx on search.comments (post_id, created_at, comment_id) where not is_deleted`);
    this.addSql(`create index comments_parent_idx on search.comments (parent_id) where not is_deleted`);

    // One row per (comment, member): liked flips with LIKE_COMMENT / LIKE_COMMENT_CANCEL, newest wins.
    this.addSql(`create table search.comment_likes (
      comment_id bigint not null,
      member_id bigint not null,
      liked boolean not null,
      event_at timestamptz not null,
      primary key (comment_id, member_id)
    )`);
    this.addSql(`create index comment_likes_liked_idx on search.comment_likes (comment_id) where liked`);
  }
}
