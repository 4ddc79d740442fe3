// The follow feed's pure rules (no I/O): how a post is ordered inside a materialized feed, which
// following list a feed was built for, how a member's feed and the lists of heavy authors merge
// into one page, and when a page must come from PostgreSQL instead.
//
// Order: newest first by (created_at, id), exactly as the SQL feeds. A Redis sorted set orders by
// score, then by member bytes; so the score is created_at in microseconds (about 1.8e15, exact in
// a double, whose integers are exact up to 2^53 ~ 9e15) and the member is the id zero-padded to
// 19 digits, which makes byte order numeric order for ties on the same microsecond.
import { createHash } from 'node:crypto';

export const ID_WIDTH = 19;

/** One post in a feed: its id and created_at in microseconds since the epoch. */
export interface FeedEntry {
  readonly id: string;
  readonly micros: number;
}

export const memberOf = (id: string): string => id.padStart(ID_WIDTH, '0');
export const idOf = (member: string): string => member.replace(/^0+(?=\d)/, '');

/** Newest first: created_at desc, then id desc (ids compared as numbers). */
export function newestFirst(a: FeedEntry, b: FeedEntry): number {
  if (a.micros !== b.micros) return b.micros - a.micros;
  const x = memberOf(a.id);
  const y = memberOf(b.id);
  return x < y ? 1 : x > y ? -1 : 0;
}

/**
 * A fingerprint of the set of followed ids (order does not matter). A feed remembers the
 * fingerprint it was built for; a read with another one (a follow or unfollow since) rebuilds.
 */
export function followingFingerprint(ids: readonly string[]): string {
  const sorted = [...ids].sort();
  return createHash('sha1').update(sorted.join(',')).digest('base64url');
}

/**
 * The first `count` entries of the union of newest-first lists, without repeats (a heavy
 * author's post can sit in a member's feed, from its build, and in the author's own list).
 * A k-way merge: it looks at about count x lists entries, whatever the lists' lengths.
 */
export function mergeNewest(lists: readonly (readonly FeedEntry[])[], count: number): FeedEntry[] {
  const heads = lists.map(() => 0);
  const seen = new Set<string>();
  const out: FeedEntry[] = [];
  while (out.length < count) {
    let best = -1;
    for (let i = 0; i < lists.length; i += 1) {
      const entry = lists[i]![heads[i]!];
      if (entry !== undefined && (best === -1 || newestFirst(entry, lists[best]![heads[best]!]!) < 0)) best = i;
    }
    if (best === -1) break;
    const entry = lists[best]![heads[best]!]!;
    heads[best] = heads[best]! + 1;
    if (seen.has(entry.id)) continue;
    seen.add(entry.id);
    out.push(entry);
  }
  return out;
}

export interface StoredFeedShape {
  /** Entries in the member's sorted set. */
  readonly size: number;
  /** The feed holds every visible post of the followed members (its build found fewer than the cap and nothing was trimmed since). */
  readonly complete: boolean;
}

/**
 * Whether entries [offset, end) can be answered from the stored feed. A complete feed answers
 * every page (past its end the page is empty); an incomplete one only what it holds, since the
 * posts after its last entry exist only in PostgreSQL.
 */
export function servedFromStore(shape: StoredFeedShape, end: number): boolean {
  return shape.complete || end <= shape.size;
}
