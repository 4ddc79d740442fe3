// Refresh-token rotation rules. A refresh token is good for one use: using it rotates it (it is
// marked rotated and a new token of the same family is issued). Presenting a rotated token again
// means it leaked or raced, so the whole family is revoked (OAuth 2.0 Security BCP §4.14).

export interface StoredRefreshToken {
  readonly id: string;
  readonly familyId: string;
  readonly memberId: string;
  readonly expiresAt: Date;
  readonly rotatedAt: Date | null;
  readonly revokedAt: Date | null;
}

export type RefreshVerdict = 'usable' | 'reused' | 'invalid';

export function judgeRefreshToken(token: StoredRefreshToken | undefined, now: Date): RefreshVerdict {
  if (token === undefined) return 'invalid';
  if (token.rotatedAt !== null) return 'reused';
  if (token.revokedAt !== null) return 'invalid';
  if (token.expiresAt.getTime() <= now.getTime()) return 'invalid';
  return 'usable';
}
