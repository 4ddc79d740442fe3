// member-svc over gRPC: who the caller is (Authenticate), author summaries for comment results,
// and follower totals for CountFollowers (one ListFollowerIds call per id, limit 1, at most
// FOLLOWER_CONCURRENCY in flight, so 1000 ids never open 1000 calls at once).
import { credentials, status as Code, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import {
  AuthenticateView,
  MemberServiceClient,
  type AuthenticateResponse,
  type GetSummariesByIdsResponse,
  type ListFollowerIdsResponse,
  type MemberSummary,
} from '@dailyfeed/gen/member/v1/member';
import { DomainError } from '../domain/errors.ts';
import type { CallPolicy } from './call-policy.ts';
import { downstream, forwardedMetadata } from './downstream-call.ts';

/** No Error (a V8 stack capture) per call to remember the caller: see patches/@grpc+grpc-js+1.14.7.patch. */
const NO_CALLER_STACKS = { 'grpc-node.caller_stack_traces': 0 };

const FOLLOWER_CONCURRENCY = 16;

export interface MemberDirectory {
  /** The caller; fails with UNAUTHENTICATED (and its auth signal) for a bad token. */
  authenticate(incoming: Metadata): Promise<{ memberId: string; refreshNeeded: boolean }>;
  summariesByIds(ids: readonly string[], incoming: Metadata): Promise<MemberSummary[]>;
  followerCounts(ids: readonly string[], incoming: Metadata): Promise<Map<string, number>>;
  close(): void;
}

export function connectMemberDirectory(address: string, timeoutMs: number, channelOptions: Record<string, string>, policy: CallPolicy): MemberDirectory {
  const client = new MemberServiceClient(address, credentials.createInsecure(), { ...channelOptions, ...NO_CALLER_STACKS });
  const member = downstream('member-svc', 'MEMBER_API_CONNECTION_ERROR', timeoutMs, policy);
  const followerTotal = async (memberId: string, incoming: Metadata): Promise<number> => {
    const res = await member.call<ListFollowerIdsResponse>(incoming, (md, opts, cb) =>
      client.listFollowerIds({ memberId, afterMemberId: '0', limit: 1 }, md, opts, cb),
    );
    return Number(res.total);
  };
  return {
    async authenticate(incoming) {
      const res = await policy(
        () =>
          new Promise<AuthenticateResponse>((resolve, reject) => {
            client.authenticate({ view: AuthenticateView.AUTHENTICATE_VIEW_MEMBER }, forwardedMetadata(incoming), { deadline: Date.now() + timeoutMs }, (err, answer) =>
              err ? reject(fromAuthenticateError(err)) : resolve(answer),
            );
          }),
      );
      if (!res.member) throw new DomainError('unavailable', 'MEMBER_API_CONNECTION_ERROR', 'member-svc answered without a member');
      return { memberId: res.member.id, refreshNeeded: res.refreshNeeded };
    },
    async summariesByIds(ids, incoming) {
      if (ids.length === 0) return [];
      const res = await member.call<GetSummariesByIdsResponse>(incoming, (md, opts, cb) =>
        client.getSummariesByIds({ ids: [...ids] }, md, opts, cb),
      );
      return res.summaries;
    },
    async followerCounts(ids, incoming) {
      const counts = new Map<string, number>();
      for (let i = 0; i < ids.length; i += FOLLOWER_CONCURRENCY) {
        const slice = ids.slice(i, i + FOLLOWER_CONCURRENCY);
        const totals = await Promise.all(slice.map((id) => followerTotal(id, incoming)));
        slice.forEach((id, k) => counts.set(id, totals[k] ?? 0));
      }
      return counts;
    },
    close: () => client.close(),
  };
}

/**
 * A failed Authenticate, the same way in every service that authenticates callers (content,
 * timeline, activity, search, image; test/auth-drift.test.ts holds them to it):
 * - UNAUTHENTICATED keeps member-svc's reason and auth signal; without details it is still a
 *   refusal of the token: MEMBER_UNAUTHORIZED with the relogin signal (never a 503);
 * - anything else is member-svc failing us, not the caller being wrong — INVALID_ARGUMENT
 *   included, as the request is ours: UNAVAILABLE / MEMBER_API_CONNECTION_ERROR.
 */
function fromAuthenticateError(err: ServiceError): DomainError {
  if (err.code === Code.UNAUTHENTICATED) {
    const info = errorInfoOf(err);
    return new DomainError('unauthenticated', info?.reason || 'MEMBER_UNAUTHORIZED', err.details || 'the access token was refused', {
      metadata: info ? { ...info.metadata } : { auth_signal: 'RELOGIN_REQUIRED' },
      cause: err,
    });
  }
  return new DomainError('unavailable', 'MEMBER_API_CONNECTION_ERROR', 'member-svc could not authenticate the caller', { cause: err });
}

function errorInfoOf(err: ServiceError): ErrorInfo | undefined {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return undefined;
  try {
    const detail = Status.decode(raw).details.find((d) => d.typeUrl.endsWith('/google.rpc.ErrorInfo'));
    return detail ? ErrorInfo.decode(detail.value) : undefined;
  } catch {
    return undefined;
  }
}
