// member-svc over gRPC: who the caller is (Authenticate), author summaries (one batched
// GetSummariesByIds per page), following ids, and whether a member exists. Every call forwards
// the caller's `authorization` and `x-request-id` and has a deadline. Failures become domain
// errors here (transport decides nothing): member-svc's UNAUTHENTICATED passes through with its
// ErrorInfo reason and auth_signal; out of reach is UNAVAILABLE / MEMBER_API_CONNECTION_ERROR.
import { credentials, Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { AuthenticateView, MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { DomainError } from '../domain/errors.ts';
import type { CallPolicy } from './call-policy.ts';
import type { AuthorSummary } from '../domain/reads.ts';

/** No Error (a V8 stack capture) per call to remember the caller: see patches/@grpc+grpc-js+1.14.7.patch. */
const NO_CALLER_STACKS = { 'grpc-node.caller_stack_traces': 0 };

/** What a call forwards to member-svc. */
export interface Forwarded {
  readonly authorization: string | undefined;
  readonly requestId: string;
}

export interface AuthenticatedCaller {
  readonly memberId: string;
  /** The token was signed by a grace key: answer with `x-token-refresh-needed: true`. */
  readonly refreshNeeded: boolean;
  /** The access token's id and expiry: a remembered answer is dropped by the id's revocation and never outlives the expiry. */
  readonly jti: string;
  readonly expiresAt: Date | undefined;
}

export interface MemberDirectory {
  authenticate(fwd: Forwarded): Promise<AuthenticatedCaller>;
  summariesByIds(ids: readonly string[], fwd: Forwarded): Promise<Map<string, AuthorSummary>>;
  followingIds(memberId: string, fwd: Forwarded): Promise<string[]>;
  /** False when member-svc says MEMBER_NOT_FOUND. */
  exists(memberId: string, fwd: Forwarded): Promise<boolean>;
  close(): void;
}

type Callback<Res> = (err: ServiceError | null, res: Res) => void;

export function connectMemberDirectory(address: string, deadlineMs: number, channelOptions: Record<string, string>, policy: CallPolicy): MemberDirectory {
  const client = new MemberServiceClient(address, credentials.createInsecure(), {
    ...channelOptions,
    ...NO_CALLER_STACKS,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
  });

  const call = <Res>(
    invoke: (metadata: Metadata, options: { deadline: number }, cb: Callback<Res>) => unknown,
    fwd: Forwarded,
    onError: (err: ServiceError) => DomainError = translate,
  ): Promise<Res> =>
    policy(
      () =>
        new Promise<Res>((resolve, reject) => {
          const metadata = new Metadata();
          if (fwd.authorization !== undefined) metadata.set('authorization', fwd.authorization);
          metadata.set('x-request-id', fwd.requestId);
          invoke(metadata, { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(onError(err)) : resolve(res)));
        }),
    );

  return {
    async authenticate(fwd) {
      const res = await call<{ member?: { id: string }; refreshNeeded: boolean; jti: string; expiresAt?: Date }>(
        (md, opts, cb) => client.authenticate({ view: AuthenticateView.AUTHENTICATE_VIEW_MEMBER }, md, opts, cb),
        fwd,
        fromAuthenticateError,
      );
      if (!res.member) throw new DomainError('unavailable', 'MEMBER_API_CONNECTION_ERROR', 'member-svc answered Authenticate without a member');
      return { memberId: res.member.id, refreshNeeded: res.refreshNeeded, jti: res.jti, expiresAt: res.expiresAt };
    },
    async summariesByIds(ids, fwd) {
      const out = new Map<string, AuthorSummary>();
      if (ids.length === 0) return out;
      const res = await call<{ summaries: { memberId: string; displayName: string; memberName: string; memberHandle: string; avatarUrl: string }[] }>(
        (md, opts, cb) => client.getSummariesByIds({ ids: [...ids] }, md, opts, cb),
        fwd,
      );
      for (const s of res.summaries) {
        out.set(s.memberId, { name: s.displayName !== '' ? s.displayName : s.memberName, handle: s.memberHandle, avatarUrl: s.avatarUrl });
      }
      return out;
    },
    async followingIds(memberId, fwd) {
      const res = await call<{ memberIds: string[] }>((md, opts, cb) => client.listFollowingIds({ memberId }, md, opts, cb), fwd);
      return res.memberIds;
    },
    async exists(memberId, fwd) {
      try {
        await call<unknown>((md, opts, cb) => client.getMember({ memberId }, md, opts, cb), fwd);
        return true;
      } catch (err: unknown) {
        if (err instanceof DomainError && err.reason === 'MEMBER_NOT_FOUND') return false;
        throw err;
      }
    },
    close: () => client.close(),
  };
}

function translate(err: ServiceError): DomainError {
  const info = errorInfoOf(err);
  switch (err.code) {
    case Code.UNAUTHENTICATED:
      return new DomainError('unauthenticated', info?.reason ?? 'MEMBER_UNAUTHORIZED', err.details, { metadata: { ...(info?.metadata ?? {}) } });
    case Code.PERMISSION_DENIED:
      return new DomainError('forbidden', info?.reason ?? 'MEMBER_FORBIDDEN', err.details);
    case Code.NOT_FOUND:
      return new DomainError('not-found', info?.reason ?? 'MEMBER_NOT_FOUND', err.details);
    case Code.INVALID_ARGUMENT:
      // Our own request was refused (e.g. over 1000 ids): a bug on this side, not the caller's.
      return new DomainError('unavailable', 'MEMBER_API_CONNECTION_ERROR', `member-svc refused the request: ${err.details}`, { cause: err });
    case Code.RESOURCE_EXHAUSTED:
      return new DomainError('exhausted', 'TOO_MANY_REQUEST', 'member-svc is rate limiting', { cause: err });
    default:
      return new DomainError('unavailable', 'MEMBER_API_CONNECTION_ERROR', 'member-svc is out of reach', { cause: err });
  }
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
