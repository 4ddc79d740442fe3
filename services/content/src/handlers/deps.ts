// What the ContentService handlers need, injected by app.ts (STYLE rule 2).
import type pg from 'pg';
import type { CallContext } from '../adapters/grpc-handlers.ts';
import type { IdSource } from '../adapters/id-blocks.ts';
import type { Authenticator, Caller } from '../adapters/member-client.ts';
import type { WriteRunner } from '../adapters/write-runner.ts';

export interface HandlerDeps {
  readonly db: pg.Pool;
  readonly auth: Authenticator;
  readonly writes: WriteRunner;
  /** Ids of new posts, ahead of their insert. */
  readonly postIds: IdSource;
}

/** The authenticated caller; passes member-svc's refresh hint on as a response trailer. */
export async function callerOf(deps: HandlerDeps, ctx: CallContext, withProfile: boolean): Promise<Caller> {
  const caller = await deps.auth.authenticate(ctx.metadata, withProfile);
  if (caller.refreshNeeded) ctx.trailers.set('x-token-refresh-needed', 'true');
  return caller;
}
