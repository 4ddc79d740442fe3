// member-svc's Authenticate answers remembered per token while its revocation channel is heard
// (adapters/auth-memory.ts; SPEC "Authentication"): a write costs no network hop to member-svc for
// a token seen before. The variant keeps the id-only and the with-profile answers apart. Refusals
// and calls without a token always go to member-svc.
import type { AuthMemory } from './auth-memory.ts';
import type { Authenticator, Caller } from './member-client.ts';

export function withAuthMemory(auth: Authenticator, memory: AuthMemory<Caller>): Authenticator {
  return {
    authenticate(metadata, withProfile) {
      const authorization = metadata.get('authorization')[0];
      if (typeof authorization !== 'string') return auth.authenticate(metadata, withProfile);
      return memory.through(authorization, withProfile ? 'summary' : 'member', () => auth.authenticate(metadata, withProfile));
    },
    close() {
      auth.close();
      void memory.close();
    },
  };
}
