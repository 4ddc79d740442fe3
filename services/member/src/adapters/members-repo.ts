// Members, profiles and avatar rows in PostgreSQL. A member record is read with one join
// (members + profile + primary avatar); counts are columns kept in step by the follow writes.
import { DomainError } from '../domain/errors.ts';
import type { MemberRecord } from '../domain/member.ts';
import type { ProfileChanges } from '../domain/profile-rules.ts';
import type { NewMember } from '../domain/signup-rules.ts';
import { asDate, isUniqueViolation, type Sql } from './sql.ts';

export const RECORD_COLUMNS = `m.id, m.email, (m.is_active and p.is_active) as is_active, p.member_name, p.handle, p.display_name,
  p.bio, p.location, p.website_url, to_char(p.birth_date, 'YYYY-MM-DD') as birth_date, p.gender, p.language_code,
  p.country_code, p.verification_status, p.privacy_level, p.profile_completion_score,
  coalesce(img.image_url, 'no-image') as avatar_url, p.followers_count, p.followings_count, p.created_at, p.updated_at`;

export const RECORD_FROM = `member.members m
  join member.member_profiles p on p.member_id = m.id
  left join member.member_profile_images img on img.member_id = m.id and img.image_type = 'AVATAR' and img.is_primary`;

export interface RecordRow {
  id: string;
  email: string;
  is_active: boolean;
  member_name: string;
  handle: string;
  display_name: string | null;
  bio: string | null;
  location: string | null;
  website_url: string | null;
  birth_date: string | null;
  gender: MemberRecord['gender'];
  language_code: string;
  country_code: MemberRecord['countryCode'];
  verification_status: MemberRecord['verificationStatus'];
  privacy_level: MemberRecord['privacyLevel'];
  profile_completion_score: number;
  avatar_url: string;
  followers_count: number;
  followings_count: number;
  created_at: Date | string;
  updated_at: Date | string;
}

export function toRecord(r: RecordRow): MemberRecord {
  return {
    id: String(r.id),
    email: r.email,
    isActive: r.is_active,
    memberName: r.member_name,
    handle: r.handle,
    displayName: r.display_name,
    bio: r.bio,
    location: r.location,
    websiteUrl: r.website_url,
    birthDate: r.birth_date,
    gender: r.gender,
    languageCode: r.language_code,
    countryCode: r.country_code.trim() as MemberRecord['countryCode'],
    verificationStatus: r.verification_status,
    privacyLevel: r.privacy_level,
    profileCompletionScore: Number(r.profile_completion_score),
    avatarUrl: r.avatar_url,
    followersCount: Number(r.followers_count),
    followingsCount: Number(r.followings_count),
    createdAt: asDate(r.created_at),
    updatedAt: asDate(r.updated_at),
  };
}

const PROFILE_COLUMNS: Record<Exclude<keyof ProfileChanges, 'avatarUrl'>, string> = {
  memberName: 'member_name',
  displayName: 'display_name',
  bio: 'bio',
  location: 'location',
  websiteUrl: 'website_url',
  birthDate: 'birth_date',
  gender: 'gender',
  languageCode: 'language_code',
  countryCode: 'country_code',
  privacyLevel: 'privacy_level',
};

export interface MembersRepo {
  create(sql: Sql, member: NewMember, passwordHash: string, completionScore: number): Promise<string>;
  findLoginByEmail(sql: Sql, email: string): Promise<{ id: string; passwordHash: string } | undefined>;
  findById(sql: Sql, id: string): Promise<MemberRecord | undefined>;
  findByHandle(sql: Sql, handle: string): Promise<MemberRecord | undefined>;
  update(sql: Sql, id: string, changes: ProfileChanges): Promise<void>;
  setCompletionScore(sql: Sql, id: string, score: number): Promise<void>;
  changeHandle(sql: Sql, id: string, handle: string): Promise<void>;
  deactivate(sql: Sql, id: string, now: Date): Promise<void>;
}

const handleTaken = (cause: unknown): DomainError =>
  new DomainError('conflict', 'MEMBER_HANDLE_ALREADY_EXISTS', 'this handle is already in use', { metadata: { field: 'handle' }, cause });

export function createMembersRepo(): MembersRepo {
  const findOne = async (sql: Sql, where: string, param: string): Promise<MemberRecord | undefined> => {
    const rows = await sql.query<RecordRow>(`select ${RECORD_COLUMNS} from ${RECORD_FROM} where ${where}`, [param]);
    return rows[0] && toRecord(rows[0]);
  };
  return {
    create(sql, m, passwordHash, score) {
      return sql.tx(async (tx) => {
        try {
          const [row] = await tx.query<{ id: string }>('insert into member.members (email, password_hash) values (?, ?) returning id', [m.email, passwordHash]);
          if (!row) throw new Error('insert returned no id');
          await tx.run(
            `insert into member.member_profiles (member_id, member_name, handle, display_name, bio, location, website_url,
               birth_date, gender, language_code, country_code, privacy_level, profile_completion_score)
             values (?, ?, ?, ?, ?, ?, ?, ?::date, ?, ?, ?, ?, ?)`,
            [row.id, m.memberName, m.handle, m.displayName, m.bio, m.location, m.websiteUrl, m.birthDate, m.gender, m.languageCode, m.countryCode, m.privacyLevel, score],
          );
          await tx.run(
            `insert into member.member_profile_images (member_id, image_type, image_category, image_url, is_primary)
             values (?, 'AVATAR', 'ORIGINAL', ?, true)`,
            [row.id, m.avatarUrl],
          );
          return String(row.id);
        } catch (err: unknown) {
          if (isUniqueViolation(err, 'members_email_active_uq')) {
            throw new DomainError('conflict', 'MEMBER_ALREADY_EXISTS', 'a member with this email already exists', { metadata: { field: 'email' }, cause: err });
          }
          if (isUniqueViolation(err, 'member_profiles_handle_uq')) throw handleTaken(err);
          throw err;
        }
      });
    },
    async findLoginByEmail(sql, email) {
      const rows = await sql.query<{ id: string; password_hash: string }>(
        'select id, password_hash from member.members where lower(email) = lower(?) and deactivated_at is null and is_active',
        [email.trim()],
      );
      const r = rows[0];
      return r && { id: String(r.id), passwordHash: r.password_hash };
    },
    findById: (sql, id) => findOne(sql, 'm.id = ?', id),
    findByHandle: (sql, handle) => findOne(sql, 'lower(p.handle) = lower(?)', handle),
    async update(sql, id, changes) {
      const sets: string[] = [];
      const params: (string | null)[] = [];
      for (const [key, column] of Object.entries(PROFILE_COLUMNS) as [keyof typeof PROFILE_COLUMNS, string][]) {
        const value = changes[key];
        if (value === undefined) continue;
        sets.push(column === 'birth_date' ? `${column} = ?::date` : `${column} = ?`);
        params.push(value);
      }
      await sql.run(`update member.member_profiles set ${[...sets, 'updated_at = now()'].join(', ')} where member_id = ?`, [...params, id]);
      if (changes.avatarUrl !== undefined) {
        await sql.run(
          `insert into member.member_profile_images (member_id, image_type, image_category, image_url, is_primary)
           values (?, 'AVATAR', 'ORIGINAL', ?, true)
           on conflict (member_id, image_type) where is_primary do update set image_url = excluded.image_url, updated_at = now()`,
          [id, changes.avatarUrl],
        );
      }
    },
    async setCompletionScore(sql, id, score) {
      await sql.run('update member.member_profiles set profile_completion_score = ? where member_id = ?', [score, id]);
    },
    async changeHandle(sql, id, handle) {
      try {
        await sql.run('update member.member_profiles set handle = ?, updated_at = now() where member_id = ?', [handle, id]);
      } catch (err: unknown) {
        if (isUniqueViolation(err, 'member_profiles_handle_uq')) throw handleTaken(err);
        throw err;
      }
    },
    async deactivate(sql, id, now) {
      await sql.run('update member.members set is_active = false, deactivated_at = ?, updated_at = ? where id = ?', [now, now, id]);
      await sql.run('update member.member_profiles set is_active = false, updated_at = ? where member_id = ?', [now, id]);
    },
  };
}
