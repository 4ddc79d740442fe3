// member-svc over gRPC: who the caller of an upload or delete is (MemberService.Authenticate).
// The caller's authorization and x-request-id are forwarded under a deadline. A token member-svc
// rejects keeps its reason and auth signal (read from grpc-status-details-bin), so the edge can
// still send X-Token-Refresh-Needed / X-Relogin-Required; a member-svc that cannot be reached,
// or answers nonsense, is UNAVAILABLE (MEMBER_API_CONNECTION_ERROR).
import { credentials, Metadata, status as Code, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { AuthenticateView, MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { DomainError } from '../domain/errors.ts';
import type { CallPolicy } from './call-policy.ts';

/** No Error (a V8 stack capture) per call to remember the caller: see patches/@grpc+grpc-js+1.14.7.patch. */
const NO_CALLER_STACKS = { 'grpc-node.caller_stack_traces': 0 };

export interface AuthenticatedMember {
  readonly memberId: string;
  /** The token was signed by a grace key: valid, but the client should refresh it. */
  readonly refreshNeeded: boolean;
}

export interface MemberDirectory {
  /** The member the forwarded token belongs to; throws the failure as a DomainError. */
  authenticate(token: string, requestId: string): Promise<AuthenticatedMember>;
  close(): void;
}

export function connectMemberDirectory(address: string, timeoutMs: number, options: ChannelOptions, policy: CallPolicy): MemberDirectory {
  const client = new MemberServiceClient(address, credentials.createInsecure(), { ...options, ...NO_CALLER_STACKS });
  return {
    authenticate(token, requestId) {
      const metadata = new Metadata();
      metadata.set('authorization', `Bearer ${token}`);
      metadata.set('x-request-id', requestId);
      return policy(
        () =>
          new Promise((resolve, reject) => {
            client.authenticate({ view: AuthenticateView.AUTHENTICATE_VIEW_MEMBER }, metadata, { deadline: Date.now() + timeoutMs }, (err, res) => {
              if (err) reject(fromAuthenticateError(err));
              else if (!res.member?.id || res.member.id === '0') reject(unavailable('member-svc answered without a member'));
              else resolve({ memberId: res.member.id, refreshNeeded: res.refreshNeeded });
            });
          }),
      );
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

const unavailable = (message: string, cause?: unknown): DomainError =>
  new DomainError('unavailable', 'MEMBER_API_CONNECTION_ERROR', message, { cause });

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
