// Who is calling (image.proto file comment): no token, or a bearer value that is not a JWT
// (the frontend's `Bearer null`), is anonymous; a JWT is resolved by member-svc, whose
// rejection fails the call. A grace-key token adds the refresh hint to the answer.
import type { Metadata } from '@grpc/grpc-js';
import { bearerMissing, credentialOf } from '../domain/bearer-token.ts';
import type { MemberDirectory } from '../adapters/member-client.ts';

export interface CallerContext {
  readonly metadata: Metadata;
  readonly requestId: string;
  readonly trailers: Metadata;
}

export interface CallerIdentity {
  /** The member id of the caller, or null for an anonymous upload. */
  ownerOf(ctx: CallerContext): Promise<string | null>;
  /** The member id of the caller; UNAUTHENTICATED without a usable token. */
  memberOrThrow(ctx: CallerContext): Promise<string>;
}

export function createCallerIdentity(members: MemberDirectory): CallerIdentity {
  const resolve = async (ctx: CallerContext): Promise<string | null> => {
    const header = ctx.metadata.get('authorization')[0];
    const credential = credentialOf(typeof header === 'string' ? header : header?.toString('utf8'));
    if (credential.kind === 'anonymous') return null;
    const member = await members.authenticate(credential.token, ctx.requestId);
    if (member.refreshNeeded) ctx.trailers.set('x-token-refresh-needed', 'true');
    return member.memberId;
  };
  return {
    ownerOf: resolve,
    async memberOrThrow(ctx) {
      const memberId = await resolve(ctx);
      if (memberId === null) throw bearerMissing();
      return memberId;
    },
  };
}
