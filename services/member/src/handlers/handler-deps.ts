// What the handlers call, and the one helper every token-protected RPC uses.
import type { CallContext } from '../adapters/grpc-handlers.ts';
import type { AnswerStore } from '../adapters/answer-store.ts';
import type { IdempotentReplies } from '../adapters/idempotent-replies.ts';
import type { KeyStore } from '../adapters/key-store.ts';
import type { SigningKeyRepo } from '../adapters/signing-keys.ts';
import type { Accounts } from './accounts.ts';
import type { Authenticate, Caller } from './authenticate.ts';
import type { Follows } from './follows.ts';
import type { MemberReader } from './member-reader.ts';
import type { Profiles } from './profiles.ts';
import type { Sessions } from './sessions.ts';

export interface HandlerDeps {
  readonly authenticate: Authenticate;
  readonly accounts: Accounts;
  readonly sessions: Sessions;
  readonly profiles: Profiles;
  readonly follows: Follows;
  readonly reader: MemberReader;
  readonly keys: KeyStore;
  readonly keyRepo: SigningKeyRepo;
  readonly clock: () => Date;
  /** Replays the first answer of signup, refresh, follow and unfollow for a retried idempotency-key. */
  readonly replies: IdempotentReplies;
  /** Where Authenticate's answers are written down for other services to read (answer-store.ts). */
  readonly answers: AnswerStore;
}

export function firstMetadata(ctx: CallContext, key: string): string | undefined {
  const value = ctx.metadata.get(key)[0];
  return typeof value === 'string' ? value : value?.toString('utf8');
}

/** Authenticates the caller of a token-protected RPC; a grace-key token adds the refresh trailer. */
export async function callerOf(deps: HandlerDeps, ctx: CallContext): Promise<Caller> {
  const caller = await deps.authenticate(firstMetadata(ctx, 'authorization'));
  if (caller.token.refreshNeeded) ctx.trailers.set('x-token-refresh-needed', 'true');
  return caller;
}
