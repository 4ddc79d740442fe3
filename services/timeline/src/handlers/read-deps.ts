// Everything the read handlers need, passed in by the composition root (app.ts).
import type { ActivityPublisher } from '../adapters/activity-publisher.ts';
import type { CommentsReader } from '../adapters/comments-reader.ts';
import type { FollowingLookup } from '../adapters/following-cache.ts';
import type { MemberDirectory } from '../adapters/member-client.ts';
import type { ReadMetrics } from '../adapters/metrics.ts';
import type { PostsReader } from '../adapters/posts-reader.ts';
import type { ViewCounter } from '../adapters/view-counter.ts';
import type { FollowFeed } from './follow-feed.ts';

export interface ReadLog {
  warn(obj: object, msg: string): void;
}

export interface ReadDeps {
  readonly posts: PostsReader;
  readonly comments: CommentsReader;
  readonly members: MemberDirectory;
  readonly followingIds: FollowingLookup;
  readonly followFeed: FollowFeed;
  readonly views: ViewCounter;
  readonly activity: ActivityPublisher;
  readonly metrics: ReadMetrics;
  readonly log: ReadLog;
  readonly clock: () => Date;
}
