// member-svc's Authenticate answers remembered per token while its revocation channel is heard
// (adapters/auth-memory.ts; SPEC "Authentication"): a feed read costs no network hop to member-svc
// for a token seen before. Refusals and calls without a token always go to member-svc.
import type { AuthMemory } from './auth-memory.ts';
import type { AuthenticatedCaller, MemberDirectory } from './member-client.ts';

export function withAuthMemory(members: MemberDirectory, memory: AuthMemory<AuthenticatedCaller>): MemberDirectory {
  return {
    ...members,
    authenticate: (fwd) => (fwd.authorization === undefined ? members.authenticate(fwd) : memory.through(fwd.authorization, 'member', () => members.authenticate(fwd))),
    close() {
      members.close();
      void memory.close();
    },
  };
}
