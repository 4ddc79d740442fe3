// Member ids and references as requests carry them. An id is a positive int64 in decimal: a
// longer or larger number can name no member and must never reach SQL (bigint would overflow).
// A reference is an id or a handle behind any number of `@` (the frontend sends `@@handle` for a
// typed `/@handle` URL).
import { validationError } from './errors.ts';
import { HANDLE_PATTERN } from './field-rules.ts';

const DIGITS = /^[1-9]\d{0,18}$/;
const INT64_MAX = 9223372036854775807n;

export function isMemberId(value: string): boolean {
  return DIGITS.test(value) && BigInt(value) <= INT64_MAX;
}

export type MemberRef = { readonly kind: 'id'; readonly id: string } | { readonly kind: 'handle'; readonly handle: string } | { readonly kind: 'none' };

/** What a profile reference names; `none` when it cannot name any member (looked up nowhere). */
export function parseMemberRefOrThrow(ref: string, field = 'member_ref'): MemberRef {
  if (ref.includes('\u0000')) throw validationError([{ field, rule: 'no_nul', message: 'must not contain the NUL character (U+0000)' }]);
  const trimmed = ref.trim();
  if (trimmed.startsWith('@')) {
    const handle = trimmed.replace(/^@+/, '');
    return HANDLE_PATTERN.test(handle) ? { kind: 'handle', handle } : { kind: 'none' };
  }
  if (/^\d+$/.test(trimmed) && !isMemberId(trimmed)) {
    throw validationError([{ field, rule: 'id', message: 'must be a member id between 1 and 9223372036854775807' }]);
  }
  return isMemberId(trimmed) ? { kind: 'id', id: trimmed } : { kind: 'none' };
}
