// The caller of a member RPC, asked from member-svc (MemberService.Authenticate) with the bearer
// token the edge forwarded. member-svc's UNAUTHENTICATED answer is passed on with its reason and
// auth_signal, so the edge sends the same X-Relogin-Required / X-Token-Refresh-Needed headers it
// would for member-svc itself; member-svc out of reach is UNAVAILABLE, never a 500.
//
// Before asking, it reads the answer member-svc wrote down in Redis for this token, if any: one
// Redis GET instead of a gRPC call (the key and its life are member-svc's contract, described in
// its adapters/answer-store.ts; every revocation deletes the answers it concerns, so a revoked
// token is never found there). A miss, a Redis error or no reply within the wait asks member-svc.
import { createHash } from 'node:crypto';
import { credentials, Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import type { Redis } from 'ioredis';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { AuthenticateResponse, AuthenticateView, MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { DomainError } from '../domain/errors.ts';
import type { CallPolicy } from './call-policy.ts';

const BEARER = /^Bearer\s+(\S+)\s*$/i;
/** Metadata asking member-svc to write its answer down (member-svc's adapters/answer-store.ts). */
const KEEP_ANSWER = 'x-keep-answer';

/** Where member-svc's written-down answers are read, and how long a read may take before member-svc is asked. */
export interface StoredAnswers {
  readonly redis: Redis;
  /** 0: never read them. */
  readonly waitMs: number;
}

/** No Error (a V8 stack capture) per call to remember the caller: see patches/@grpc+grpc-js+1.14.7.patch. */
const NO_CALLER_STACKS = { 'grpc-node.caller_stack_traces': 0 };

export interface Caller {
  readonly memberId: string;
  /** The author fields of posts and comments the caller writes. */
  readonly name: string;
  readonly handle: string;
  readonly avatarUrl: string;
  /** member-svc asked the client to refresh its token (sent on as a response trailer). */
  readonly refreshNeeded: boolean;
  /** The access token's id and expiry: a remembered answer is dropped by the id's revocation and never outlives the expiry. */
  readonly jti: string;
  readonly expiresAt: Date | undefined;
}

export interface Authenticator {
  /** `withProfile` asks for the summary (author name, handle, avatar) as well as the id. */
  authenticate(metadata: Metadata, withProfile: boolean): Promise<Caller>;
  close(): void;
}

export function createAuthenticator(address: string, deadlineMs: number, channelOptions: Record<string, string>, policy: CallPolicy, stored?: StoredAnswers): Authenticator {
  const client = new MemberServiceClient(address, credentials.createInsecure(), { ...channelOptions, ...NO_CALLER_STACKS });
  return {
    async authenticate(incoming, withProfile) {
      const authorization = incoming.get('authorization')[0];
      if (typeof authorization !== 'string' || !/^Bearer\s+\S/i.test(authorization)) {
        throw new DomainError('unauthenticated', 'BEARER_TOKEN_MISSING', 'a Bearer access token is required', {
          metadata: { auth_signal: 'RELOGIN_REQUIRED' },
        });
      }
      const view = withProfile ? AuthenticateView.AUTHENTICATE_VIEW_SUMMARY : AuthenticateView.AUTHENTICATE_VIEW_MEMBER;
      const bare = BEARER.exec(authorization)?.[1];
      const reads = stored !== undefined && stored.waitMs > 0 && bare !== undefined;
      if (reads) {
        const answer = await readStoredAnswer(stored, view, bare);
        if (answer !== undefined) return toCaller(answer);
      }
      const outgoing = new Metadata();
      outgoing.set('authorization', authorization);
      // Asks member-svc to write its answer down for the next write (answer-store.ts); callers
      // that never read answers do not ask, so their calls write nothing.
      if (reads) outgoing.set(KEEP_ANSWER, '1');
      const requestId = incoming.get('x-request-id')[0];
      if (typeof requestId === 'string') outgoing.set('x-request-id', requestId);
      const response = await policy(
        () =>
          new Promise<AuthenticateResponse>((resolve, reject) => {
            client.authenticate({ view }, outgoing, { deadline: Date.now() + deadlineMs }, (err, res) => {
              if (err) reject(fromAuthenticateError(err));
              else resolve(res);
            });
          }),
      );
      return toCaller(response);
    },
    close: () => client.close(),
  };
}

/** member-svc's written-down answer for this token and view, unless missing, expired, unreadable or late. */
async function readStoredAnswer({ redis, waitMs }: StoredAnswers, view: AuthenticateView, token: string): Promise<AuthenticateResponse | undefined> {
  const key = `member:authenticate:answer:${view}:${createHash('sha256').update(token).digest('base64url')}`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const bytes = await Promise.race([redis.getBuffer(key), new Promise<null>((resolve) => (timer = setTimeout(resolve, waitMs, null)))]);
    if (bytes === null) return undefined;
    const answer = AuthenticateResponse.decode(bytes);
    return answer.expiresAt !== undefined && answer.expiresAt.getTime() > Date.now() ? answer : undefined;
  } catch {
    return undefined; // Redis down or a value that does not decode: member-svc answers
  } finally {
    clearTimeout(timer);
  }
}

function toCaller(response: AuthenticateResponse): Caller {
  const id = response.member?.id;
  if (!id || id === '0') throw new DomainError('unavailable', 'MEMBER_API_CONNECTION_ERROR', 'member-svc returned no member');
  const summary = response.summary;
  return {
    memberId: id,
    name: summary?.displayName || summary?.memberName || response.member?.name || '',
    handle: summary?.memberHandle || summary?.handle || '',
    avatarUrl: summary?.avatarUrl ?? '',
    refreshNeeded: response.refreshNeeded,
    jti: response.jti,
    expiresAt: response.expiresAt,
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
