// MemberService handlers: proto message -> use case -> proto message, grouped by concern.
import type { MemberServiceServer } from '@dailyfeed/gen/member/v1/member';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import { createAuthHandlers } from './auth-handlers.ts';
import { createFollowHandlers } from './follow-handlers.ts';
import type { HandlerDeps } from './handler-deps.ts';
import { createProfileHandlers } from './profile-handlers.ts';

export type { HandlerDeps } from './handler-deps.ts';

export function createMemberHandlers(deps: HandlerDeps): HandlersOf<MemberServiceServer> {
  return { ...createAuthHandlers(deps), ...createProfileHandlers(deps), ...createFollowHandlers(deps) };
}
