// Follow rules: nobody follows themself, and a member follows at most FOLLOW_LIMIT members.
import { DomainError } from './errors.ts';

export const FOLLOW_LIMIT = 1000;
export const SUMMARY_IDS_LIMIT = 1000;

export function checkNotSelfOrThrow(followerId: string, followeeId: string): void {
  if (followerId === followeeId) throw new DomainError('invalid', 'FOLLOW_SELF_NOT_ALLOWED', 'a member cannot follow themself');
}

export function checkBelowFollowLimitOrThrow(followingsCount: number): void {
  if (followingsCount >= FOLLOW_LIMIT) {
    throw new DomainError('invalid', 'FOLLOW_LIMIT_EXCEEDS', `a member can follow at most ${FOLLOW_LIMIT} members`);
  }
}

export function checkIdsLimitOrThrow(count: number): void {
  if (count > SUMMARY_IDS_LIMIT) {
    throw new DomainError('invalid', 'MEMBER_IDS_LIMIT_EXCEEDS', `at most ${SUMMARY_IDS_LIMIT} ids per request (got ${count})`);
  }
}

export const memberNotFound = (ref: string): DomainError => new DomainError('not-found', 'MEMBER_NOT_FOUND', `member ${ref} not found`);
