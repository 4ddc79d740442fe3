// Full-page paging of search-svc (the original's DailyfeedPage): 0-based page, size 0 = 10, at
// most 100, and the totals computed from the number of matching rows.
import { validationError, type FieldViolation } from './errors.ts';

export const DEFAULT_SIZE = 10;
export const MAX_SIZE = 100;
export const MAX_KEYWORD = 100;
export const MAX_IDS = 1000;

export interface PageRequest {
  readonly page: number;
  readonly size: number;
  readonly offset: number;
}

export interface FullPage<T> {
  readonly content: T[];
  readonly page: number;
  readonly size: number;
  readonly hasNext: boolean;
  readonly totalElements: string;
  readonly totalPages: number;
  readonly first: boolean;
  readonly last: boolean;
  readonly hasPrevious: boolean;
}

function pageViolations(page: number, size: number): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (!Number.isInteger(page) || page < 0) violations.push({ field: 'page', rule: 'min', message: 'must be 0 or more' });
  if (!Number.isInteger(size) || size < 0 || size > MAX_SIZE) {
    violations.push({ field: 'size', rule: 'max', message: `must be between 0 and ${MAX_SIZE}` });
  }
  return violations;
}

export function pageRequestOrThrow(page: number, size: number): PageRequest {
  const violations = pageViolations(page, size);
  if (violations.length > 0) throw validationError(violations);
  const effective = size === 0 ? DEFAULT_SIZE : size;
  return { page, size: effective, offset: page * effective };
}

export interface KeywordQuery {
  readonly keyword: string;
  readonly paging: PageRequest;
}

/** Keyword 1-100 characters after trimming, plus the paging rules; every failing field is named. */
export function keywordQueryOrThrow(keyword: string, page: number, size: number): KeywordQuery {
  const trimmed = keyword.trim();
  const violations: FieldViolation[] = [];
  // PostgreSQL text refuses byte 0x00, and a lone surrogate has no UTF-8 form.
  if (trimmed.includes('\u0000')) violations.push({ field: 'keyword', rule: 'no_nul', message: 'must not contain the NUL character (U+0000)' });
  else if (!trimmed.isWellFormed()) violations.push({ field: 'keyword', rule: 'well_formed', message: 'must be well-formed Unicode (no lone surrogates)' });
  else if (trimmed.length === 0) violations.push({ field: 'keyword', rule: 'not_blank', message: 'must not be blank' });
  else if ([...trimmed].length > MAX_KEYWORD) {
    violations.push({ field: 'keyword', rule: 'max_length', message: `must be at most ${MAX_KEYWORD} characters` });
  }
  violations.push(...pageViolations(page, size));
  if (violations.length > 0) throw validationError(violations);
  return { keyword: trimmed, paging: pageRequestOrThrow(page, size) };
}

/** Distinct ids in request order; more than 1000 fails naming the field. */
export function idsOrThrow(ids: readonly string[], field: string): string[] {
  const distinct = [...new Set(ids)];
  if (ids.length > MAX_IDS) {
    throw validationError([{ field, rule: 'max_items', message: `must hold at most ${MAX_IDS} ids` }]);
  }
  return distinct;
}

export function toFullPage<T>(content: T[], total: number, request: PageRequest): FullPage<T> {
  const totalPages = Math.ceil(total / request.size);
  const hasNext = request.page + 1 < totalPages;
  return {
    content,
    page: request.page,
    size: request.size,
    hasNext,
    totalElements: String(total),
    totalPages,
    first: request.page === 0,
    last: !hasNext,
    hasPrevious: request.page > 0,
  };
}
