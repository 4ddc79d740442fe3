// Field rules of the write RPCs (original-system §1.2, §10.2): text is required, not blank, and
// limited in Unicode code points; ids are positive int64 decimal strings. Every failing field is
// reported at once, named as in the JSON body (camelCase), so the edge can show all of them.
import { validationError, type FieldViolation } from './errors.ts';

export const POST_CONTENT_MAX = 5000;
export const COMMENT_CONTENT_MAX = 1000;
/** Deepest comment level: 0 top-level, 1 reply, 2 reply to a reply. */
export const COMMENT_DEPTH_MAX = 2;

const INT64_MAX = 9223372036854775807n;

type Check = FieldViolation | undefined;

export function contentViolation(field: string, value: string, max: number): Check {
  // PostgreSQL text refuses byte 0x00, and a lone surrogate has no UTF-8 form (it would be stored
  // as U+FFFD): refused, never stored altered.
  if (value.includes('\u0000')) return { field, rule: 'no_nul', message: 'must not contain the NUL character (U+0000)' };
  if (!value.isWellFormed()) return { field, rule: 'well_formed', message: 'must be well-formed Unicode (no lone surrogates)' };
  if (value.trim().length === 0) return { field, rule: 'required', message: 'must not be blank' };
  const length = [...value].length;
  if (length > max) return { field, rule: 'max_length', message: `must be at most ${max} characters (got ${length})` };
  return undefined;
}

export function idViolation(field: string, value: string | undefined): Check {
  if (value === undefined || value === '' || value === '0') return { field, rule: 'required', message: 'is required' };
  if (!/^[1-9]\d{0,18}$/.test(value) || BigInt(value) > INT64_MAX) {
    return { field, rule: 'positive_id', message: 'must be a positive 64-bit id' };
  }
  return undefined;
}

/** Throws VALIDATION_FAILED listing every violation, or returns when there is none. */
export function assertValid(...checks: Check[]): void {
  const violations = checks.filter((c): c is FieldViolation => c !== undefined);
  if (violations.length > 0) throw validationError(violations);
}

export function validatePostContent(content: string): void {
  assertValid(contentViolation('content', content, POST_CONTENT_MAX));
}

export function validateComment(request: { content: string; postId: string; parentId?: string | undefined }, parentRequired: boolean): void {
  assertValid(
    contentViolation('content', request.content, COMMENT_CONTENT_MAX),
    idViolation('postId', request.postId),
    parentRequired || request.parentId !== undefined ? idViolation('parentId', request.parentId) : undefined,
  );
}

export function validateTargetId(field: 'postId' | 'commentId', id: string): void {
  assertValid(idViolation(field, id));
}
