// Fan-out on write: applies content's POST_CREATE and POST_DELETE events to the stored lists.
//
// POST_CREATE: the post is read from content's tables (its exact created_at orders the feeds, and
// a post deleted meanwhile is skipped), then added to the stored feed of each of its author's
// readers: the members whose feed was built with the author in its following list (feed-store.ts
// keeps that list per author; a rebuild joins it). Members without a stored feed get theirs built
// from PostgreSQL on their next read, and a follow a moment ago changes the follower's following
// list, so their next read rebuilds the feed and joins. Only stored feeds cost anything: no call
// to member-svc, no write for a follower who is not reading. An author with FANOUT_HEAVY_FOLLOWERS
// or more readers is marked heavy: their posts go to their own list, which readers merge in.
// POST_DELETE: the post leaves the author's list and its followers' feeds (reads drop deleted
// rows anyway; this keeps pages from needing a refill).
// Everything here is idempotent (sorted-set adds and removes), so redelivery after a crash or a
// retry of a failed chunk is harmless. A failure throws and the consumer retries the chunk.
import { MemberActivityEvent, MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import type { FeedStore } from '../adapters/feed-store.ts';
import type { FanoutMetrics } from '../adapters/metrics.ts';
import type { PostsReader } from '../adapters/posts-reader.ts';
import type { FeedEntry } from '../domain/feed.ts';

export interface InboundMessage {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export type FanoutListener = (messages: readonly InboundMessage[]) => Promise<void>;

export interface FanoutDeps {
  readonly posts: Pick<PostsReader, 'entriesByIds'>;
  readonly feeds: FeedStore;
  readonly metrics: FanoutMetrics;
  readonly heavyFollowers: number;
  readonly log: { warn(obj: object, msg: string): void };
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

export function createFanoutListener(deps: FanoutDeps): FanoutListener {
  const { feeds, metrics } = deps;

  /** The author's readers, or undefined for a heavy author (marked so on the way). */
  const followersOf = async (authorId: string): Promise<string[] | undefined> => {
    if ((await feeds.heavyAuthors()).has(authorId)) return undefined;
    const ids = await feeds.readers(authorId);
    if (ids.length < deps.heavyFollowers) return ids;
    await feeds.markHeavy(authorId);
    return undefined;
  };

  const created = async (postIds: readonly string[]): Promise<void> => {
    const entries = await deps.posts.entriesByIds(postIds);
    metrics.fanoutEvent('post_create', 'skipped', postIds.length - new Set(entries.map((e) => e.id)).size);
    for (const [authorId, posts] of groupBy(entries, (e) => e.authorId)) {
      const plain: FeedEntry[] = posts.map((p) => ({ id: p.id, micros: p.micros }));
      const followers = await followersOf(authorId);
      if (followers === undefined) {
        metrics.fanoutLists('author', await feeds.add('author', [authorId], plain));
      } else {
        for (let i = 0; i < followers.length; i += 1000) metrics.fanoutLists('feed', await feeds.add('feed', followers.slice(i, i + 1000), plain));
      }
      metrics.fanoutEvent('post_create', 'applied', posts.length);
    }
  };

  const deleted = async (events: readonly MemberActivityEvent[]): Promise<void> => {
    for (const [authorId, group] of groupBy(events, (e) => e.memberId)) {
      const postIds = group.map((e) => e.postId);
      await feeds.remove('author', [authorId], postIds);
      const followers = await followersOf(authorId);
      for (let i = 0; followers !== undefined && i < followers.length; i += 1000) await feeds.remove('feed', followers.slice(i, i + 1000), postIds);
      metrics.fanoutEvent('post_delete', 'applied', group.length);
    }
  };

  return async (messages) => {
    const creates: string[] = [];
    const deletes: MemberActivityEvent[] = [];
    for (const message of messages) {
      let event: MemberActivityEvent;
      try {
        if (message.value === null) throw new Error('empty value');
        event = MemberActivityEvent.decode(message.value);
      } catch (err: unknown) {
        // A derived view only: an unreadable event cannot be applied later either. activity-svc keeps it in its dead letters.
        deps.log.warn({ err, key: message.key?.toString() }, 'fan-out skipped an undecodable event');
        metrics.fanoutEvent('unknown', 'undecodable', 1);
        continue;
      }
      if (event.type === MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_CREATE) creates.push(event.postId);
      else if (event.type === MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_DELETE) deletes.push(event);
      else metrics.fanoutEvent('other', 'skipped', 1); // reads, likes, comments: nothing to fan out
    }
    if (creates.length > 0) await created(creates);
    if (deletes.length > 0) await deleted(deletes);
  };
}
