// member-svc over gRPC: who the caller is (Authenticate), whom they follow, and the summaries
// shown next to followed members' activities. The caller's authorization and x-request-id are
// forwarded; member-svc's own failures keep their reason (UNAUTHENTICATED keeps its auth
// signal), and a member-svc that cannot be reached is UNAVAILABLE (MEMBER_API_CONNECTION_ERROR).
import { credentials, Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import {
  AuthenticateView,
  MemberServiceClient,
  type AuthenticateResponse,
  type GetSummariesByIdsResponse,
  type ListFollowingIdsResponse,
  type MemberSummary,
} from '@dailyfeed/gen/member/v1/member';
import { DomainError, type FailureKind } from '../domain/errors.ts';
import type { CallPolicy } from './call-policy.ts';

/** No Error (a V8 stack capture) per call to remember the caller: see patches/@grpc+grpc-js+1.14.7.patch. */
const NO_CALLER_STACKS = { 'grpc-node.caller_stack_traces': 0 };

export interface Caller {
  readonly memberId: string;
  readonly refreshNeeded: boolean;
}

export interface MemberDirectory {
  authenticate(incoming: Metadata): Promise<Caller>;
  followingIds(memberId: string, incoming: Metadata): Promise<string[]>;
  summariesByIds(ids: readonly string[], incoming: Metadata): Promise<MemberSummary[]>;
  close(): void;
}

const FORWARDED = ['authorization', 'x-request-id'];

const passThrough: Partial<Record<Code, FailureKind>> = {
  [Code.UNAUTHENTICATED]: 'unauthenticated',
  [Code.INVALID_ARGUMENT]: 'invalid',
  [Code.NOT_FOUND]: 'not-found',
  [Code.PERMISSION_DENIED]: 'forbidden',
  [Code.RESOURCE_EXHAUSTED]: 'exhausted',
};

export function connectMemberDirectory(address: string, timeoutMs: number, channelOptions: Record<string, string>, policy: CallPolicy): MemberDirectory {
  const client = new MemberServiceClient(address, credentials.createInsecure(), { ...channelOptions, ...NO_CALLER_STACKS });
  const forward = (incoming: Metadata): Metadata => {
    const outgoing = new Metadata();
    for (const key of FORWARDED) {
      const value = incoming.get(key)[0];
      if (typeof value === 'string') outgoing.set(key, value);
    }
    return outgoing;
  };
  type Callback<Res> = (err: ServiceError | null, res: Res) => void;
  const call = <Res>(
    incoming: Metadata,
    invoke: (md: Metadata, opts: { deadline: number }, cb: Callback<Res>) => unknown,
    onError: (err: ServiceError) => DomainError = fromMemberError,
  ): Promise<Res> =>
    policy(
      () =>
        new Promise((resolve, reject) => {
          invoke(forward(incoming), { deadline: Date.now() + timeoutMs }, (err, res) => {
            if (err) reject(onError(err));
            else resolve(res);
          });
        }),
    );
  return {
    async authenticate(incoming) {
      const res = await call<AuthenticateResponse>(
        incoming,
        (md, opts, cb) => client.authenticate({ view: AuthenticateView.AUTHENTICATE_VIEW_MEMBER }, md, opts, cb),
        fromAuthenticateError,
      );
      if (!res.member) throw new DomainError('unavailable', 'MEMBER_API_CONNECTION_ERROR', 'member-svc answered without a member');
      return { memberId: res.member.id, refreshNeeded: res.refreshNeeded };
    },
    async followingIds(memberId, incoming) {
      return (await call<ListFollowingIdsResponse>(incoming, (md, opts, cb) => client.listFollowingIds({ memberId }, md, opts, cb))).memberIds;
    },
    async summariesByIds(ids, incoming) {
      if (ids.length === 0) return [];
      return (await call<GetSummariesByIdsResponse>(incoming, (md, opts, cb) => client.getSummariesByIds({ ids: [...ids] }, md, opts, cb)))
        .summaries;
    },
    close: () => client.close(),
  };
}

function fromMemberError(err: ServiceError): DomainError {
  const kind = passThrough[err.code];
  const info = errorInfoOf(err);
  if (kind && info) return new DomainError(kind, info.reason, err.details, { metadata: { ...info.metadata }, cause: err });
  return new DomainError('unavailable', 'MEMBER_API_CONNECTION_ERROR', 'member-svc is unavailable', { cause: err });
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
