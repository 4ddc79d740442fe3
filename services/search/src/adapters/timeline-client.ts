// timeline-svc over gRPC, the authority on posts. BatchGetPosts (caller required: timeline
// authenticates the forwarded token) gives the full current view of found posts, `liked`
// included; GetPostStatistics (public) gives one post's current counts, for anonymous searches
// and the bulk count RPCs. Unknown and deleted posts are absent from both answers.
import { credentials, type Metadata } from '@grpc/grpc-js';
import {
  TimelineServiceClient,
  type BatchGetPostsResponse,
  type GetPostStatisticsResponse,
  type Post,
} from '@dailyfeed/gen/timeline/v1/timeline';
import { DomainError } from '../domain/errors.ts';
import type { CallPolicy } from './call-policy.ts';
import { downstream } from './downstream-call.ts';

/** No Error (a V8 stack capture) per call to remember the caller: see patches/@grpc+grpc-js+1.14.7.patch. */
const NO_CALLER_STACKS = { 'grpc-node.caller_stack_traces': 0 };

// At most this many GetPostStatistics calls in flight, so 1000 ids never open 1000 calls at once.
const STATS_CONCURRENCY = 16;

export interface PostStats {
  readonly likeCount: string;
  readonly commentCount: string;
}

export interface PostReader {
  /** The visible posts among ids, as the forwarded caller sees them (needs a caller token). */
  batchGetPosts(ids: readonly string[], incoming: Metadata): Promise<Post[]>;
  /** Current counts of the visible posts among ids. */
  stats(ids: readonly string[], incoming: Metadata): Promise<Map<string, PostStats>>;
  close(): void;
}

export function connectPostReader(address: string, timeoutMs: number, channelOptions: Record<string, string>, policy: CallPolicy): PostReader {
  const client = new TimelineServiceClient(address, credentials.createInsecure(), { ...channelOptions, ...NO_CALLER_STACKS });
  // No reason in the catalogue names timeline-svc; INTERNAL_ERROR with UNAVAILABLE says "retry".
  const timeline = downstream('timeline-svc', 'INTERNAL_ERROR', timeoutMs, policy);
  const statsOf = async (postId: string, incoming: Metadata): Promise<PostStats | undefined> => {
    try {
      return await timeline.call<GetPostStatisticsResponse>(incoming, (md, opts, cb) => client.getPostStatistics({ postId }, md, opts, cb));
    } catch (err: unknown) {
      if (err instanceof DomainError && err.reason === 'POST_NOT_FOUND') return undefined;
      throw err;
    }
  };
  return {
    async batchGetPosts(ids, incoming) {
      if (ids.length === 0) return [];
      const res = await timeline.call<BatchGetPostsResponse>(incoming, (md, opts, cb) => client.batchGetPosts({ ids: [...ids] }, md, opts, cb));
      return res.posts;
    },
    async stats(ids, incoming) {
      const out = new Map<string, PostStats>();
      for (let i = 0; i < ids.length; i += STATS_CONCURRENCY) {
        const slice = ids.slice(i, i + STATS_CONCURRENCY);
        const found = await Promise.all(slice.map((id) => statsOf(id, incoming)));
        slice.forEach((id, k) => {
          const s = found[k];
          if (s) out.set(id, { likeCount: s.likeCount, commentCount: s.commentCount });
        });
      }
      return out;
    },
    close: () => client.close(),
  };
}
