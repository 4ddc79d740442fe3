// The original's scroll-page contract: 0-based `page`, `size` where 0 means the RPC's default,
// at most 100. A page is read with LIMIT size+1 so that the extra row tells `has_next` without
// a count query (pagination-support HasMoreComponent), and OFFSET page*size (the original's
// page*(size+1) offset skipped a row per page: a QUIRK not kept).
import { validationError, type FieldViolation } from './errors.ts';

export const MAX_PAGE_SIZE = 100;

export interface PageRequest {
  readonly page: number;
  readonly size: number;
  readonly offset: number;
  /** Rows to fetch: size + 1. */
  readonly limit: number;
}

export interface ScrollPage<T> {
  readonly content: T[];
  readonly page: number;
  readonly size: number;
  readonly hasNext: boolean;
}

export function pageRequestOrThrow(page: number, size: number, defaultSize: number): PageRequest {
  const violations: FieldViolation[] = [];
  if (!Number.isInteger(page) || page < 0) violations.push({ field: 'page', rule: 'min', message: 'must be 0 or more' });
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    violations.push({ field: 'size', rule: 'range', message: `must be between 1 and ${MAX_PAGE_SIZE} (0 means the default)` });
  }
  if (violations.length > 0) throw validationError(violations);
  const used = size === 0 ? defaultSize : size;
  return { page, size: used, offset: page * used, limit: used + 1 };
}

/** Cuts the size+1 rows of a page read down to `size` and says whether more follow. */
export function toScrollPage<T>(rows: readonly T[], request: PageRequest): ScrollPage<T> {
  return {
    content: rows.slice(0, request.size),
    page: request.page,
    size: request.size,
    hasNext: rows.length > request.size,
  };
}
