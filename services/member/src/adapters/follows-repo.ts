// The follow graph. followers_count / followings_count are columns kept in step with the edges
// between two active members, so summaries need no counting. Follow and unfollow lock both
// profile rows in id order (no deadlock between A→B and B→A), which also makes the follow-limit
// check atomic: two concurrent follows by one member run one after the other.
import { DomainError } from '../domain/errors.ts';
import { checkBelowFollowLimitOrThrow, memberNotFound } from '../domain/follow-rules.ts';
import type { MemberRecord } from '../domain/member.ts';
import { RECORD_COLUMNS, RECORD_FROM, toRecord, type RecordRow } from './members-repo.ts';
import type { Sql } from './sql.ts';

export type FollowOutcome = 'followed' | 'already-following';

export interface Slice {
  readonly offset: number;
  readonly limit: number;
}

export interface FollowsRepo {
  follow(sql: Sql, followerId: string, followeeId: string): Promise<FollowOutcome>;
  unfollow(sql: Sql, followerId: string, followeeId: string): Promise<void>;
  /** Decrements the counters of everyone linked to a member that is being deactivated. */
  detachCounts(sql: Sql, memberId: string): Promise<void>;
  followers(sql: Sql, memberId: string, slice: Slice): Promise<MemberRecord[]>;
  followings(sql: Sql, memberId: string, slice: Slice): Promise<MemberRecord[]>;
  recommendations(sql: Sql, memberId: string, slice: Slice): Promise<MemberRecord[]>;
  countRecommendations(sql: Sql, memberId: string): Promise<number>;
  summariesByIds(sql: Sql, ids: readonly string[]): Promise<MemberRecord[]>;
  followingIds(sql: Sql, memberId: string): Promise<string[]>;
  followerIds(sql: Sql, memberId: string, afterId: string, limit: number): Promise<{ ids: string[]; total: number }>;
}

const ACTIVE = 'm.is_active and p.is_active';

export function createFollowsRepo(): FollowsRepo {
  const lockPair = async (sql: Sql, followerId: string, followeeId: string) => {
    const rows = await sql.query<{ member_id: string; is_active: boolean; followings_count: number }>(
      `select member_id, is_active, followings_count from member.member_profiles
        where member_id in (?, ?) order by member_id for update`,
      [followerId, followeeId],
    );
    const follower = rows.find((r) => String(r.member_id) === followerId);
    const followee = rows.find((r) => String(r.member_id) === followeeId);
    if (!follower || !follower.is_active) throw memberNotFound(followerId);
    return { follower, followee: followee?.is_active ? followee : undefined };
  };
  const records = async (sql: Sql, where: string, params: (string | number)[], order: string, slice?: Slice): Promise<MemberRecord[]> => {
    const page = slice ? ' limit ? offset ?' : '';
    const all = slice ? [...params, slice.limit, slice.offset] : params;
    const rows = await sql.query<RecordRow>(`select ${RECORD_COLUMNS} from ${RECORD_FROM} ${where} order by ${order}${page}`, all);
    return rows.map(toRecord);
  };
  return {
    follow(sql, followerId, followeeId) {
      return sql.tx(async (tx) => {
        const { follower, followee } = await lockPair(tx, followerId, followeeId);
        if (!followee) throw memberNotFound(followeeId);
        const existing = await tx.query('select 1 from member.follows where follower_id = ? and followee_id = ?', [followerId, followeeId]);
        if (existing.length > 0) return 'already-following';
        checkBelowFollowLimitOrThrow(Number(follower.followings_count));
        const inserted = await tx.run(
          'insert into member.follows (follower_id, followee_id) values (?, ?) on conflict do nothing',
          [followerId, followeeId],
        );
        if (inserted === 0) return 'already-following';
        await tx.run('update member.member_profiles set followings_count = followings_count + 1 where member_id = ?', [followerId]);
        await tx.run('update member.member_profiles set followers_count = followers_count + 1 where member_id = ?', [followeeId]);
        return 'followed';
      });
    },
    unfollow(sql, followerId, followeeId) {
      return sql.tx(async (tx) => {
        const { followee } = await lockPair(tx, followerId, followeeId);
        const deleted = await tx.run('delete from member.follows where follower_id = ? and followee_id = ?', [followerId, followeeId]);
        if (deleted === 0) throw new DomainError('not-found', 'FOLLOW_RELATIONSHIP_NOT_FOUND', `member ${followerId} does not follow ${followeeId}`);
        // Edges to a deactivated member were already taken out of the counters.
        if (followee) {
          await tx.run('update member.member_profiles set followings_count = followings_count - 1 where member_id = ?', [followerId]);
          await tx.run('update member.member_profiles set followers_count = followers_count - 1 where member_id = ?', [followeeId]);
        }
      });
    },
    async detachCounts(sql, memberId) {
      await sql.run(
        `update member.member_profiles set followers_count = followers_count - 1
          where is_active and member_id in (select followee_id from member.follows where follower_id = ?)`,
        [memberId],
      );
      await sql.run(
        `update member.member_profiles set followings_count = followings_count - 1
          where is_active and member_id in (select follower_id from member.follows where followee_id = ?)`,
        [memberId],
      );
    },
    followers: (sql, memberId, slice) =>
      records(sql, `join member.follows f on f.follower_id = m.id where f.followee_id = ? and ${ACTIVE}`, [memberId], 'f.created_at desc, m.id desc', slice),
    followings: (sql, memberId, slice) =>
      records(sql, `join member.follows f on f.followee_id = m.id where f.follower_id = ? and ${ACTIVE}`, [memberId], 'f.created_at desc, m.id desc', slice),
    recommendations: (sql, memberId, slice) =>
      records(
        sql,
        `where ${ACTIVE} and m.id <> ? and not exists (select 1 from member.follows f where f.follower_id = ? and f.followee_id = m.id)`,
        [memberId, memberId],
        'p.created_at desc, m.id desc',
        slice,
      ),
    async countRecommendations(sql, memberId) {
      const [row] = await sql.query<{ n: string }>(
        `select count(*) as n from member.member_profiles p join member.members m on m.id = p.member_id
          where ${ACTIVE} and m.id <> ? and not exists (select 1 from member.follows f where f.follower_id = ? and f.followee_id = m.id)`,
        [memberId, memberId],
      );
      return Number(row?.n ?? 0);
    },
    summariesByIds: (sql, ids) =>
      ids.length === 0 ? Promise.resolve([]) : records(sql, `where m.id = any(string_to_array(?, ',')::bigint[]) and ${ACTIVE}`, [ids.join(',')], 'm.id'),
    async followingIds(sql, memberId) {
      const rows = await sql.query<{ id: string }>(
        // Index-only walk of follows_follower_recent_idx with one primary-key probe per row for the
        // active check; a join lets the planner hash all profiles instead (~10x the cost).
        `select f.followee_id as id from member.follows f
          where f.follower_id = ? and (select p.is_active from member.member_profiles p where p.member_id = f.followee_id)
          order by f.created_at desc, f.followee_id desc`,
        [memberId],
      );
      return rows.map((r) => String(r.id));
    },
    async followerIds(sql, memberId, afterId, limit) {
      const rows = await sql.query<{ id: string }>(
        `select f.follower_id as id from member.follows f
          where f.followee_id = ? and f.follower_id > ? and (select p.is_active from member.member_profiles p where p.member_id = f.follower_id)
          order by f.follower_id limit ?`,
        [memberId, afterId, limit],
      );
      const [count] = await sql.query<{ n: string }>(
        `select count(*) as n from member.follows f
          where f.followee_id = ? and (select p.is_active from member.member_profiles p where p.member_id = f.follower_id)`,
        [memberId],
      );
      return { ids: rows.map((r) => String(r.id)), total: Number(count?.n ?? 0) };
    },
  };
}
