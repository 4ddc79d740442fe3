// Signing keys, refresh tokens and the durable access-token blacklist.
// Keys belong to an issuer so that several issuers (environments, or tests running side by side)
// can share one database without rotating each other's keys.
import { Migration } from '@mikro-orm/migrations';

export class SessionsAndKeys extends Migration {
  override up(): void {
    this.addSql(`create table member.signing_keys (
      kid varchar(64) primary key,
      issuer varchar(200) not null,
      algorithm varchar(10) not null,
      public_key text not null,
      private_key text not null,
      is_primary boolean not null default false,
      created_at timestamptz not null default now(),
      demoted_at timestamptz,
      retire_at timestamptz,
      retired_at timestamptz
    )`);
    this.addSql(`create index signing_keys_issuer_idx on member.signing_keys (issuer) where retired_at is null`);

    this.addSql(`create table member.refresh_tokens (
      id bigint generated always as identity primary key,
      token_hash bytea not null,
      family_id uuid not null,
      member_id bigint not null references member.members(id),
      access_jti varchar(64) not null,
      device_info varchar(500),
      ip_address varchar(50),
      expires_at timestamptz not null,
      created_at timestamptz not null default now(),
      rotated_at timestamptz,
      revoked_at timestamptz
    )`);
    this.addSql(`create unique index refresh_tokens_hash_uq on member.refresh_tokens (token_hash)`);
    this.addSql(`create index refresh_tokens_family_idx on member.refresh_tokens (family_id)`);
    this.addSql(`create index refresh_tokens_member_idx on member.refresh_tokens (member_id) where revoked_at is null`);
    this.addSql(`create index refresh_tokens_jti_idx on member.refresh_tokens (access_jti)`);
    this.addSql(`create index refresh_tokens_expires_idx on member.refresh_tokens (expires_at)`);

    this.addSql(`create table member.token_blacklist (
      jti varchar(64) primary key,
      member_id bigint not null,
      expires_at timestamptz not null,
      reason varchar(100) not null,
      created_at timestamptz not null default now()
    )`);
    this.addSql(`create index token_blacklist_expires_idx on member.token_blacklist (expires_at)`);
  }
}
