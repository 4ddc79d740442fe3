// Views counted off the primary. Agreed contract with content-svc (the write side): timeline
// does `HINCRBY content:post_views:pending <postId> 1` and content-svc flushes that hash into
// posts.view_count in batches (HGETALL, UPDATE ... view_count + n, HINCRBY -n). A read never
// writes the database synchronously, and the counts converge at the next flush.
import type { Redis } from 'ioredis';

export const PENDING_VIEWS_KEY = 'content:post_views:pending';

export interface ViewCounter {
  /** Counts one view; returns the views of the post not yet flushed, this one included. */
  count(postId: string): Promise<string>;
  /** Views of the post not yet flushed. */
  pending(postId: string): Promise<string | null>;
}

export function createViewCounter(redis: Redis): ViewCounter {
  return {
    async count(postId) {
      return String(await redis.hincrby(PENDING_VIEWS_KEY, postId, 1));
    },
    pending: (postId) => redis.hget(PENDING_VIEWS_KEY, postId),
  };
}
