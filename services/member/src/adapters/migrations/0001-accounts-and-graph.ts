// Accounts, profiles, avatar rows and the follow graph of the `member` schema.
// Emails are unique case-insensitively among accounts that are not deactivated (a deactivated
// account keeps its data but frees its email, as the original's "active email" rule); handles
// stay reserved forever, case-insensitively, so an `@handle` link never changes owner silently.
import { Migration } from '@mikro-orm/migrations';

export class AccountsAndGraph extends Migration {
  override up(): void {
    this.addSql(`create table member.members (
      id bigint generated always as identity primary key,
      email varchar(100) not null,
      password_hash varchar(200) not null,
      roles varchar(100) not null default 'MEMBER',
      is_active boolean not null default true,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      deactivated_at timestamptz
    )`);
    this.addSql(`create unique index members_email_active_uq on member.members (lower(email)) where deactivated_at is null`);

    this.addSql(`create table member.member_profiles (
      member_id bigint primary key references member.members(id),
      member_name varchar(100) not null,
      handle varchar(50) not null,
      display_name varchar(100),
      bio text,
      location varchar(100),
      website_url varchar(500),
      birth_date date,
      gender varchar(30) not null,
      language_code varchar(10) not null default 'en',
      country_code char(2) not null,
      verification_status varchar(20) not null default 'NONE',
      privacy_level varchar(20) not null default 'PUBLIC',
      profile_completion_score smallint not null default 0,
      is_active boolean not null default true,
      followers_count integer not null default 0 check (followers_count >= 0),
      followings_count integer not null default 0 check (followings_count >= 0),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
    this.addSql(`create unique index member_profiles_handle_uq on member.member_profiles (lower(handle))`);
    // Recommendations: newest active profiles first.
    this.addSql(`create index member_profiles_active_created_idx on member.member_profiles (created_at desc, member_id desc) where is_active`);

    this.addSql(`create table member.member_profile_images (
      id bigint generated always as identity primary key,
      member_id bigint not null references member.member_profiles(member_id),
      image_type varchar(20) not null,
      image_category varchar(20) not null,
      image_url varchar(1000) not null,
      is_primary boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`);
    this.addSql(`create unique index member_profile_images_primary_uq on member.member_profile_images (member_id, image_type) where is_primary`);

    this.addSql(`create table member.follows (
      follower_id bigint not null references member.members(id),
      followee_id bigint not null references member.members(id),
      created_at timestamptz not null default now(),
      primary key (follower_id, followee_id),
      check (follower_id <> followee_id)
    )`);
    this.addSql(`create index follows_followee_idx on member.follows (followee_id, created_at desc)`);
    this.addSql(`create index follows_follower_created_idx on member.follows (follower_id, created_at desc)`);
  }
}
