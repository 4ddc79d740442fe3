// Follow-graph RPCs: follow/unfollow, follower and following pages, recommendations, bulk
// summaries and the internal id lists.
import { FollowRequest, FollowResponse, UnfollowRequest, UnfollowResponse, type MemberServiceServer } from '@dailyfeed/gen/member/v1/member';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import { callerOf, type HandlerDeps } from './handler-deps.ts';
import { toBarePage, toScroll, toSummary } from './member-views.ts';

type FollowRpcs =
  | 'follow'
  | 'unfollow'
  | 'getMyFollowersFollowings'
  | 'listMyFollowers'
  | 'listMyFollowings'
  | 'getMemberFollowersFollowings'
  | 'listMemberFollowers'
  | 'listMemberFollowings'
  | 'recommendNewbies'
  | 'recommendNewbiesMore'
  | 'getSummariesByIds'
  | 'listAllMyFollowings'
  | 'listFollowingIds'
  | 'listFollowerIds';

export function createFollowHandlers(deps: HandlerDeps): Pick<HandlersOf<MemberServiceServer>, FollowRpcs> {
  const { follows } = deps;
  const me = async (ctx: Parameters<typeof callerOf>[1]): Promise<string> => (await callerOf(deps, ctx)).member.id;
  const both = async (memberId: string, page: number, size: number) => {
    const [followers, followings] = await Promise.all([follows.followers(memberId, page, size), follows.followings(memberId, page, size)]);
    return { followers: toScroll(followers), followings: toScroll(followings) };
  };
  return {
    // A retried follow/unfollow (same idempotency-key) gets the first answer.
    async follow(req, ctx) {
      const caller = await me(ctx);
      return deps.replies.run(ctx.metadata, 'follow', caller, FollowRequest.encode(req).finish(), FollowResponse, async () => {
        await follows.follow(caller, req.memberId);
        return FollowResponse.fromPartial({ value: true });
      });
    },
    async unfollow(req, ctx) {
      const caller = await me(ctx);
      return deps.replies.run(ctx.metadata, 'unfollow', caller, UnfollowRequest.encode(req).finish(), UnfollowResponse, async () => {
        await follows.unfollow(caller, req.memberId);
        return UnfollowResponse.fromPartial({ value: true });
      });
    },
    getMyFollowersFollowings: async (req, ctx) => both(await me(ctx), req.page, req.size),
    listMyFollowers: async (req, ctx) => toBarePage(await follows.followers(await me(ctx), req.page, req.size)),
    listMyFollowings: async (req, ctx) => toBarePage(await follows.followings(await me(ctx), req.page, req.size)),
    async getMemberFollowersFollowings(req, ctx) {
      await me(ctx);
      return both(req.memberId, req.page, req.size);
    },
    async listMemberFollowers(req, ctx) {
      await me(ctx);
      return toBarePage(await follows.followers(req.memberId, req.page, req.size));
    },
    async listMemberFollowings(req, ctx) {
      await me(ctx);
      return toBarePage(await follows.followings(req.memberId, req.page, req.size));
    },
    async recommendNewbies(req, ctx) {
      const page = await follows.recommendations(await me(ctx), req.page, req.size);
      const totalPages = Math.ceil(page.totalElements / page.size);
      return {
        ...toBarePage(page),
        totalElements: String(page.totalElements),
        totalPages,
        first: page.page === 0,
        last: !page.hasNext,
        hasPrevious: page.page > 0,
      };
    },
    recommendNewbiesMore: async (req, ctx) => toBarePage(await follows.recommendations(await me(ctx), req.page, req.size)),
    // Summaries are public profile data, and timeline enriches pages for anonymous readers too,
    // so no caller is needed (it also spares every feed page a second token check).
    getSummariesByIds: async (req) => ({ summaries: (await follows.summariesByIds(req.ids)).map(toSummary) }),
    listAllMyFollowings: async (_req, ctx) => ({ summaries: (await follows.allFollowings(await me(ctx))).map(toSummary) }),
    listFollowingIds: async (req) => ({ memberIds: await follows.followingIds(req.memberId) }),
    async listFollowerIds(req) {
      const { ids, hasMore, total } = await follows.followerIds(req.memberId, req.afterMemberId, req.limit);
      return { memberIds: ids, hasMore, total: String(total) };
    },
  };
}
