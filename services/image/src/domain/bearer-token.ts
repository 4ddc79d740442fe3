// How an `authorization` value counts for image-svc (image.proto file comment): uploads are open
// to anonymous callers, and the frontend sends the literal `Bearer null` when it has no token,
// so only a value that looks like a JWT is worth asking member-svc about.
import { DomainError } from './errors.ts';

export type Credential = { readonly kind: 'anonymous' } | { readonly kind: 'jwt'; readonly token: string };

/** Three base64url parts (the signature may be empty for `alg: none`, which member-svc refuses). */
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function credentialOf(authorization: string | undefined): Credential {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization?.trim() ?? '');
  const token = match?.[1];
  return token !== undefined && JWT_SHAPE.test(token) ? { kind: 'jwt', token } : { kind: 'anonymous' };
}

/** DeleteImages needs a member: no usable token is UNAUTHENTICATED, and only a new login helps. */
export function bearerMissing(): DomainError {
  return new DomainError('unauthenticated', 'BEARER_TOKEN_MISSING', 'a Bearer access token is required', {
    metadata: { auth_signal: 'RELOGIN_REQUIRED' },
  });
}
