// The caller of a member RPC, asked from member-svc (MemberService.Authenticate) with the bearer
// token the edge forwarded. member-svc's UNAUTHENTICATED answer is passed on with its reason and
// auth_signal, so the edge sends the same X-Relogin-Required / X-Token-Refresh-Needed headers it
// would for member-svc itself; member-svc out of reach is UNAVAILABLE, never a 500.
import { credentials, Metadata, status as Code, type ServiceError } from '@grpc/grpc-js';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { AuthenticateView, MemberServiceClient, type AuthenticateResponse } from '@dailyfeed/gen/member/v1/member';
import { DomainError } from '../domain/errors.ts';

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

export function createAuthenticator(address: string, deadlineMs: number, channelOptions: Record<string, string> = {}): Authenticator {
  const client = new MemberServiceClient(address, credentials.createInsecure(), channelOptions);
  return {
    async authenticate(incoming, withProfile) {
      const authorization = incoming.get('authorization')[0];
      if (typeof authorization !== 'string' || !/^Bearer\s+\S/i.test(authorization)) {
        throw new DomainError('unauthenticated', 'BEARER_TOKEN_MISSING', 'a Bearer access token is required', {
          metadata: { auth_signal: 'RELOGIN_REQUIRED' },
        });
      }
      const outgoing = new Metadata();
      outgoing.set('authorization', authorization);
      const requestId = incoming.get('x-request-id')[0];
      if (typeof requestId === 'string') outgoing.set('x-request-id', requestId);
      const view = withProfile ? AuthenticateView.AUTHENTICATE_VIEW_SUMMARY : AuthenticateView.AUTHENTICATE_VIEW_MEMBER;
      const response = await new Promise<AuthenticateResponse>((resolve, reject) => {
        client.authenticate({ view }, outgoing, { deadline: Date.now() + deadlineMs }, (err, res) => {
          if (err) reject(fromMemberError(err));
          else resolve(res);
        });
      });
      return toCaller(response);
    },
    close: () => client.close(),
  };
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

function fromMemberError(err: ServiceError): DomainError {
  const info = errorInfoOf(err);
  if (err.code === Code.UNAUTHENTICATED) {
    return new DomainError('unauthenticated', info?.reason || 'MEMBER_UNAUTHORIZED', err.details || 'unauthenticated', {
      metadata: info?.metadata ?? {},
      cause: err,
    });
  }
  if (err.code === Code.PERMISSION_DENIED) return new DomainError('forbidden', 'MEMBER_FORBIDDEN', err.details, { cause: err });
  if (err.code === Code.NOT_FOUND) return new DomainError('not-found', 'MEMBER_NOT_FOUND', err.details, { cause: err });
  return new DomainError('unavailable', 'MEMBER_API_CONNECTION_ERROR', `member-svc: ${err.details || Code[err.code]}`, { cause: err });
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
