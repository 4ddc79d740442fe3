// Reads member records through the cache: the in-process LRU, then Redis, then PostgreSQL.
import { memberNotFound } from '../domain/follow-rules.ts';
import type { MemberRecord } from '../domain/member.ts';
import { isMemberId, parseMemberRefOrThrow } from '../domain/member-ref.ts';
import type { UseCaseDeps } from './deps.ts';

export interface MemberReader {
  find(id: string): Promise<MemberRecord | undefined>;
  /** An active member, or NOT_FOUND (MEMBER_NOT_FOUND). */
  getActiveOrThrow(id: string): Promise<MemberRecord>;
  /** `@handle` (any number of leading `@`) or a numeric id; an id above int64 is INVALID_ARGUMENT. */
  getByRefOrThrow(ref: string): Promise<MemberRecord>;
}

export function createMemberReader({ sql, members, cache }: UseCaseDeps): MemberReader {
  const find = async (id: string): Promise<MemberRecord | undefined> => {
    if (!isMemberId(id)) return undefined;
    const { record: cached, ticket } = await cache.lookup(id);
    if (cached) return cached;
    const record = await members.findById(sql, id);
    // The ticket keeps this fill out if the member changed since the lookup (see member-cache.ts).
    if (record) await cache.fill(record, ticket);
    return record;
  };
  const getActiveOrThrow = async (id: string): Promise<MemberRecord> => {
    const record = await find(id);
    if (!record || !record.isActive) throw memberNotFound(id);
    return record;
  };
  return {
    find,
    getActiveOrThrow,
    async getByRefOrThrow(ref) {
      const parsed = parseMemberRefOrThrow(ref);
      if (parsed.kind === 'id') return getActiveOrThrow(parsed.id);
      const record = parsed.kind === 'handle' ? await members.findByHandle(sql, parsed.handle) : undefined;
      if (!record || !record.isActive) throw memberNotFound(ref.trim());
      return record;
    },
  };
}
