// Signing-key lifecycle. The primary key signs; when it is older than the rotation period a new
// primary replaces it and the old one only verifies, for the grace period, then it is retired.
// planRotation decides; the adapter applies the plan under an advisory lock.

export interface KeyState {
  readonly kid: string;
  readonly isPrimary: boolean;
  readonly createdAt: Date;
  /** When a demoted key stops verifying; null while primary. */
  readonly retireAt: Date | null;
}

export interface RotationPlan {
  readonly createPrimary: boolean;
  /** Keys that stop being primary and verify until retireAt. */
  readonly demote: readonly { kid: string; retireAt: Date }[];
  /** Keys whose grace is over. */
  readonly retire: readonly string[];
}

export function newestPrimary(keys: readonly KeyState[]): KeyState | undefined {
  return keys.filter((k) => k.isPrimary).sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())[0];
}

export function planRotation(keys: readonly KeyState[], now: Date, rotationMs: number, graceMs: number): RotationPlan {
  const primary = newestPrimary(keys);
  const createPrimary = primary === undefined || primary.createdAt.getTime() + rotationMs <= now.getTime();
  const retireAt = new Date(now.getTime() + graceMs);
  // A new primary demotes every primary; otherwise only duplicates (older primaries) are demoted.
  const demote = keys.filter((k) => k.isPrimary && (createPrimary || k !== primary)).map((k) => ({ kid: k.kid, retireAt }));
  const retire = keys.filter((k) => !k.isPrimary && k.retireAt !== null && k.retireAt.getTime() <= now.getTime()).map((k) => k.kid);
  return { createPrimary, demote, retire };
}

export type KeyUsability = 'primary' | 'grace' | 'retired';

export function keyUsability(key: KeyState, now: Date): KeyUsability {
  if (key.isPrimary) return 'primary';
  if (key.retireAt !== null && key.retireAt.getTime() <= now.getTime()) return 'retired';
  return 'grace';
}
