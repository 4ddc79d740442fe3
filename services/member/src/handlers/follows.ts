// The follow graph as the API sees it: follow/unfollow (idempotent follow, counts kept in step
// and cached views invalidated), the paged lists, recommendations and the internal id lists.
import { checkIdsLimitOrThrow, checkNotSelfOrThrow } from '../domain/follow-rules.ts';
import type { MemberRecord } from '../domain/member.ts';
import { resolvePageOrThrow, toScrollPage, type ScrollPage } from '../domain/paging.ts';
import { validationError } from '../domain/errors.ts';
import { isMemberId } from '../domain/member-ref.ts';
import type { UseCaseDeps } from './deps.ts';
import type { MemberReader } from './member-reader.ts';

export interface CountedPage extends ScrollPage<MemberRecord> {
  readonly totalElements: number;
}

export interface Follows {
  follow(followerId: string, followeeId: string): Promise<void>;
  unfollow(followerId: string, followeeId: string): Promise<void>;
  followers(memberId: string, page: number, size: number): Promise<CountedPage>;
  followings(memberId: string, page: number, size: number): Promise<CountedPage>;
  recommendations(memberId: string, page: number, size: number): Promise<CountedPage>;
  summariesByIds(ids: readonly string[]): Promise<MemberRecord[]>;
  allFollowings(memberId: string): Promise<MemberRecord[]>;
  followingIds(memberId: string): Promise<string[]>;
  followerIds(memberId: string, afterId: string, limit: number): Promise<{ ids: string[]; hasMore: boolean; total: number }>;
}

function idOrThrow(field: string, id: string): string {
  if (!isMemberId(id)) throw validationError([{ field, rule: 'id', message: 'must be a positive member id' }]);
  return id;
}

export function createFollows({ sql, follows, cache }: UseCaseDeps, reader: MemberReader): Follows {
  return {
    async follow(followerId, followeeId) {
      checkNotSelfOrThrow(followerId, idOrThrow('memberId', followeeId));
      if ((await follows.follow(sql, followerId, followeeId)) === 'followed') await cache.invalidate([followerId, followeeId]);
    },
    async unfollow(followerId, followeeId) {
      checkNotSelfOrThrow(followerId, idOrThrow('memberId', followeeId));
      await follows.unfollow(sql, followerId, followeeId);
      await cache.invalidate([followerId, followeeId]);
    },
    async followers(memberId, page, size) {
      const request = resolvePageOrThrow(page, size);
      const member = await reader.getActiveOrThrow(idOrThrow('memberId', memberId));
      const rows = await follows.followers(sql, member.id, request);
      return { ...toScrollPage(rows, request), totalElements: member.followersCount };
    },
    async followings(memberId, page, size) {
      const request = resolvePageOrThrow(page, size);
      const member = await reader.getActiveOrThrow(idOrThrow('memberId', memberId));
      const rows = await follows.followings(sql, member.id, request);
      return { ...toScrollPage(rows, request), totalElements: member.followingsCount };
    },
    async recommendations(memberId, page, size) {
      const request = resolvePageOrThrow(page, size);
      const [rows, total] = await Promise.all([follows.recommendations(sql, memberId, request), follows.countRecommendations(sql, memberId)]);
      return { ...toScrollPage(rows, request), totalElements: total };
    },
    async summariesByIds(ids) {
      checkIdsLimitOrThrow(ids.length);
      const unique = [...new Set(ids)];
      unique.forEach((id, i) => idOrThrow(`ids[${i}]`, id));
      const rows = await follows.summariesByIds(sql, unique);
      const byId = new Map(rows.map((r) => [r.id, r]));
      // In the order asked for, as callers zip them with their own rows.
      return unique.flatMap((id) => byId.get(id) ?? []);
    },
    allFollowings: (memberId) => follows.followings(sql, memberId, { offset: 0, limit: 10_000 }),
    followingIds: (memberId) => follows.followingIds(sql, idOrThrow('memberId', memberId)),
    async followerIds(memberId, afterId, limit) {
      const effective = limit === 0 ? 1000 : limit;
      if (!Number.isInteger(effective) || effective < 1 || effective > 10_000) {
        throw validationError([{ field: 'limit', rule: 'range', message: 'must be 1-10000' }]);
      }
      const after = afterId === '' || afterId === '0' ? '0' : idOrThrow('afterMemberId', afterId);
      const { ids, total } = await follows.followerIds(sql, idOrThrow('memberId', memberId), after, effective + 1);
      return { ids: ids.slice(0, effective), hasMore: ids.length > effective, total };
    },
  };
}
