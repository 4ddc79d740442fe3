// Who is calling: the `authorization` metadata (`Bearer <jwt>`) checked by member-svc's
// Authenticate. No bearer token is UNAUTHENTICATED / BEARER_TOKEN_MISSING, as the original's
// resolvers; member-svc's own refusals pass through (see adapters/member-client.ts). A token
// signed by a grace key is valid and answers with the `x-token-refresh-needed: true` trailer.
import type { CallContext } from '../adapters/grpc-handlers.ts';
import type { Forwarded, MemberDirectory } from '../adapters/member-client.ts';
import { DomainError } from '../domain/errors.ts';

export interface Caller {
  readonly memberId: string;
  readonly fwd: Forwarded;
}

function authorizationOf(ctx: CallContext): string | undefined {
  const value = ctx.metadata.get('authorization')[0];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

export function forwardedOf(ctx: CallContext): Forwarded {
  return { authorization: authorizationOf(ctx), requestId: ctx.requestId };
}

export async function callerOrThrow(ctx: CallContext, members: MemberDirectory): Promise<Caller> {
  const authorization = authorizationOf(ctx);
  if (authorization === undefined || !/^Bearer\s+\S+/i.test(authorization)) {
    throw new DomainError('unauthenticated', 'BEARER_TOKEN_MISSING', 'a Bearer access token is required in the authorization metadata', {
      metadata: { auth_signal: 'RELOGIN_REQUIRED' },
    });
  }
  const fwd = { authorization, requestId: ctx.requestId };
  const caller = await members.authenticate(fwd);
  if (caller.refreshNeeded) ctx.trailers.set('x-token-refresh-needed', 'true');
  return { memberId: caller.memberId, fwd };
}

/** The caller when a token is sent (it must then be valid), undefined when none is. */
export async function optionalCaller(ctx: CallContext, members: MemberDirectory): Promise<Caller | undefined> {
  return authorizationOf(ctx) === undefined ? undefined : callerOrThrow(ctx, members);
}
