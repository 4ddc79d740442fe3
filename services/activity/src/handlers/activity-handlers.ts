// ActivityService handlers: proto message -> domain call -> proto message. The read API asks
// member-svc who the caller is (and whom they follow); the dead-letter RPCs are operator-only
// (no REST binding, reachable inside the mesh) and need no token.
import type {
  Activity,
  ActivityServiceServer,
  ActivityType,
  ListFollowingActivitiesResponse,
  ListMyActivitiesResponse,
} from '@dailyfeed/gen/activity/v1/activity';
import { DeadLetterState as ProtoState, type DeadLetter } from '@dailyfeed/gen/common/v1/common';
import type { MemberSummary } from '@dailyfeed/gen/member/v1/member';
import type { DeadLetterState } from '../domain/dead-letter-rules.ts';
import { DomainError, validationError } from '../domain/errors.ts';
import { pageRequestOrThrow, toScrollPage, type PageLimits } from '../domain/paging.ts';
import type { ActivityStore, StoredActivity } from '../adapters/activity-store.ts';
import type { DeadLetterRow, DeadLetterStore } from '../adapters/dead-letter-store.ts';
import type { CallContext, HandlersOf } from '../adapters/grpc-handlers.ts';
import type { MemberDirectory } from '../adapters/member-client.ts';

export interface ActivityHandlerDeps {
  readonly members: MemberDirectory;
  readonly activities: ActivityStore;
  readonly deadLetters: DeadLetterStore;
}

const ACTIVITY_PAGE: PageLimits = { defaultSize: 20, maxSize: 100 };
const DEAD_LETTER_PAGE: PageLimits = { defaultSize: 50, maxSize: 500 };
const MAX_REPLAY_IDS = 1000;

const stateToProto: Record<DeadLetterState, ProtoState> = {
  PENDING: ProtoState.DEAD_LETTER_STATE_PENDING,
  COMPLETED: ProtoState.DEAD_LETTER_STATE_COMPLETED,
  PARKED: ProtoState.DEAD_LETTER_STATE_PARKED,
};

export function createActivityHandlers(deps: ActivityHandlerDeps): HandlersOf<ActivityServiceServer> {
  const { members, activities, deadLetters } = deps;

  const callerOf = async (ctx: CallContext) => {
    const caller = await members.authenticate(ctx.metadata);
    if (caller.refreshNeeded) ctx.trailers.set('x-token-refresh-needed', 'true');
    return caller;
  };

  return {
    async listMyActivities(request, ctx): Promise<ListMyActivitiesResponse> {
      const paging = pageRequestOrThrow(request.page, request.size, ACTIVITY_PAGE);
      const caller = await callerOf(ctx);
      const rows = await activities.listByMember(caller.memberId, { offset: paging.offset, limit: paging.size + 1 });
      const page = toScrollPage(rows, paging);
      return { ...page, content: page.content.map((row) => toActivity(row)) };
    },

    async listFollowingActivities(request, ctx): Promise<ListFollowingActivitiesResponse> {
      const paging = pageRequestOrThrow(request.page, request.size, ACTIVITY_PAGE);
      const caller = await callerOf(ctx);
      const followed = await members.followingIds(caller.memberId, ctx.metadata);
      const rows = await activities.listSharedByMembers(followed, { offset: paging.offset, limit: paging.size + 1 });
      const page = toScrollPage(rows, paging);
      const actorIds = [...new Set(page.content.map((row) => row.memberId))];
      const summaries = new Map((await members.summariesByIds(actorIds, ctx.metadata)).map((s) => [s.memberId, s]));
      return { ...page, content: page.content.map((row) => toActivity(row, summaries.get(row.memberId))) };
    },

    async listListenerDeadLetters(request) {
      const paging = pageRequestOrThrow(request.page, request.size, DEAD_LETTER_PAGE);
      const rows = await deadLetters.list(stateFilterOrThrow(request.state), { offset: paging.offset, limit: paging.size + 1 });
      const page = toScrollPage(rows, paging);
      return { ...page, content: page.content.map(toDeadLetter) };
    },

    async countListenerDeadLetters() {
      const counts = await deadLetters.count();
      return { counts: { pending: String(counts.PENDING), completed: String(counts.COMPLETED), parked: String(counts.PARKED) } };
    },

    async replayListenerDeadLetters(request) {
      if (request.ids.length > MAX_REPLAY_IDS) {
        throw validationError([{ field: 'ids', rule: 'max', message: `at most ${MAX_REPLAY_IDS} ids` }]);
      }
      const outcome = await deadLetters.replayParked(request.ids);
      if (outcome.kind === 'unknown-ids') {
        throw new DomainError('not-found', 'DEAD_LETTER_NOT_FOUND', `no listener dead letter ${outcome.ids.slice(0, 10).join(', ')}`, {
          metadata: { ids: outcome.ids.slice(0, 10).join(',') },
        });
      }
      return { movedCount: String(outcome.count) };
    },
  };
}

function stateFilterOrThrow(state: ProtoState): DeadLetterState | undefined {
  switch (state) {
    case ProtoState.DEAD_LETTER_STATE_UNSPECIFIED:
      return undefined;
    case ProtoState.DEAD_LETTER_STATE_PENDING:
      return 'PENDING';
    case ProtoState.DEAD_LETTER_STATE_COMPLETED:
      return 'COMPLETED';
    case ProtoState.DEAD_LETTER_STATE_PARKED:
      return 'PARKED';
    default:
      throw validationError([{ field: 'state', rule: 'enum', message: 'unknown dead-letter state' }]);
  }
}

function toActivity(row: StoredActivity, actor?: MemberSummary): Activity {
  return {
    id: row.id,
    memberId: row.memberId,
    postId: row.postId,
    commentId: row.commentId ?? undefined,
    // Same numbers as MemberActivityType (the migration's check keeps them in 1..12).
    type: row.type as ActivityType,
    messageKey: row.messageKey,
    eventTime: row.eventTime,
    createdAt: row.createdAt,
    memberHandle: actor?.memberHandle,
    memberDisplayName: actor?.displayName,
    memberAvatarUrl: actor?.avatarUrl,
  };
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    state: stateToProto[row.state],
    messageKey: row.messageKey ?? '',
    topic: row.topic,
    partition: row.partition,
    offset: row.offset,
    attempts: row.attempts,
    lastError: row.lastError,
    nextAttemptAt: row.nextAttemptAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    payload: row.payload,
  };
}
