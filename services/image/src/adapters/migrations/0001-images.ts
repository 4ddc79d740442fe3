// The `image` schema: one row per stored image (its owner decides who may delete it; the
// original kept no record at all), and the idempotency record of retried uploads.
//
// A row is written only after both files exist, and a delete removes the files inside the
// transaction that marks the row, so a live row always has its files.
import { Migration } from '@mikro-orm/migrations';

export class Images extends Migration {
  override up(): void {
    this.addSql(`create table image.images (
      id uuid primary key,
      -- null: uploaded without a usable token; any signed-in member may then delete it
      owner_member_id bigint,
      kind varchar(10) not null check (kind in ('PROFILE', 'POST')),
      -- the format the upload was decoded as (jpeg, png, gif, bmp, webp)
      source_format varchar(10) not null,
      -- what is served: always image/png
      content_type varchar(50) not null,
      upload_bytes integer not null check (upload_bytes > 0),
      image_bytes integer not null check (image_bytes > 0),
      thumbnail_bytes integer not null check (thumbnail_bytes > 0),
      width integer not null check (width > 0),
      height integer not null check (height > 0),
      created_at timestamptz not null default now(),
      deleted_at timestamptz
    )`);
    this.addSql(`create index images_owner_idx on image.images (owner_member_id, created_at desc) where deleted_at is null`);

    // The first answer of an upload, replayed for a retry with the same key from the same caller.
    // scope = the owner's member id, or 'anonymous'; request_hash ties the key to the same bytes,
    // so knowing someone's key alone reveals nothing.
    this.addSql(`create table image.upload_keys (
      scope varchar(30) not null,
      idempotency_key varchar(200) not null,
      method varchar(50) not null,
      request_hash char(64) not null,
      -- deferred: the key is claimed first in the transaction, the image row follows it
      image_id uuid not null references image.images(id) deferrable initially deferred,
      created_at timestamptz not null default now(),
      primary key (scope, idempotency_key)
    )`);
    this.addSql(`create index upload_keys_created_idx on image.upload_keys (created_at)`);
  }
}
