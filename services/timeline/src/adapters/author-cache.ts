// Author summaries in front of member-svc's GetSummariesByIds: a feed page asks member-svc only
// for the authors it has not seen lately, still in one batched call. Two ways to remember:
//   - while member-svc's revocation channel is heard, in auth-memory.ts `facts`: member-svc
//     publishes a 'member' message for every profile change and deactivation, which drops the
//     summary, so an edit shows on the next read;
//   - otherwise in process for a short TTL (AUTHOR_CACHE_TTL_MS, 0 disables), which bounds how
//     late a profile edit shows on posts.
// Posts themselves are never cached. Authors member-svc does not know are remembered as absent,
// so a page of a deleted member's posts costs no call either.
import type { AuthorSummary } from '../domain/reads.ts';
import type { MemberFacts } from './auth-memory.ts';
import type { Forwarded, MemberDirectory } from './member-client.ts';

const MAX_ENTRIES = 100_000;

export function withAuthorCache(
  members: MemberDirectory,
  ttlMs: number,
  facts: MemberFacts,
  onLookup: (result: 'hit' | 'miss', count: number) => void,
  now: () => number = Date.now,
): MemberDirectory {
  const entries = new Map<string, { summary: AuthorSummary | undefined; expires: number }>();

  const summariesByIds = async (ids: readonly string[], fwd: Forwarded): Promise<Map<string, AuthorSummary>> => {
    const out = new Map<string, AuthorSummary>();
    const missing: string[] = [];
    const heard = facts.heard();
    if (!heard && ttlMs === 0) return members.summariesByIds(ids, fwd);
    const t = now();
    const known = (id: string): { readonly summary: AuthorSummary | undefined } | undefined => {
      if (heard) {
        const remembered = facts.recall<AuthorSummary | undefined>('author', id);
        return remembered && { summary: remembered.value };
      }
      const entry = entries.get(id);
      return entry && entry.expires > t ? entry : undefined;
    };
    for (const id of ids) {
      const entry = known(id);
      if (entry === undefined) missing.push(id);
      else if (entry.summary) out.set(id, entry.summary);
    }
    onLookup('hit', ids.length - missing.length);
    onLookup('miss', missing.length);
    if (missing.length === 0) return out;
    const since = facts.mark();
    const fetched = await members.summariesByIds(missing, fwd);
    // A full map is cleared rather than scanned: the cache refills within one TTL anyway.
    if (!heard && entries.size + missing.length > MAX_ENTRIES) entries.clear();
    const fetchedAt = now();
    for (const id of missing) {
      const summary = fetched.get(id);
      if (heard) facts.keep('author', id, summary, since);
      // Lifetimes spread over 80-120% of the TTL so a page's authors do not all expire together.
      else if (ttlMs > 0) entries.set(id, { summary, expires: fetchedAt + ttlMs * (0.8 + 0.4 * Math.random()) });
      if (summary) out.set(id, summary);
    }
    return out;
  };

  return { ...members, summariesByIds };
}
