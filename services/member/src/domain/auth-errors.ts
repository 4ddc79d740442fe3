// Authentication failures. Each UNAUTHENTICATED failure carries the machine-readable signal the
// edge turns into X-Token-Refresh-Needed (expired: a refresh can fix it) or X-Relogin-Required
// (revoked, forged, unknown or retired key: only a new login can).
import { DomainError } from './errors.ts';

export type AuthSignal = 'REFRESH_NEEDED' | 'RELOGIN_REQUIRED';

function unauthenticated(reason: string, message: string, signal: AuthSignal | undefined, cause?: unknown): DomainError {
  return new DomainError('unauthenticated', reason, message, { metadata: signal ? { auth_signal: signal } : {}, cause });
}

export const authErrors = {
  bearerMissing: () => unauthenticated('BEARER_TOKEN_MISSING', 'a Bearer access token is required', 'RELOGIN_REQUIRED'),
  expired: () => unauthenticated('JWT_EXPIRED', 'the access token has expired', 'REFRESH_NEEDED'),
  invalid: (why: string, cause?: unknown) => unauthenticated('INVALID_TOKEN', `invalid access token: ${why}`, 'RELOGIN_REQUIRED', cause),
  credentials: () => unauthenticated('MEMBER_PASSWORD_INVALID', 'email or password is incorrect', undefined),
  refreshInvalid: () => unauthenticated('REFRESH_TOKEN_INVALID', 'the refresh token is unknown, revoked or expired', 'RELOGIN_REQUIRED'),
  refreshReused: () =>
    unauthenticated('REFRESH_TOKEN_REUSED', 'the refresh token was already used; every session of its family is revoked', 'RELOGIN_REQUIRED'),
};
