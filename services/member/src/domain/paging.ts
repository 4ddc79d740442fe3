// Offset paging as the original: 0-based absolute page, size default 10, at most 100. Scroll pages
// read size+1 rows; the extra row only says whether there is a next page.
import { validationError, type FieldViolation } from './errors.ts';

export interface PageRequest {
  readonly page: number;
  readonly size: number;
  readonly offset: number;
  /** Rows to read: size + 1. */
  readonly limit: number;
}

export function resolvePageOrThrow(page: number, size: number, defaults: { size: number; max: number } = { size: 10, max: 100 }): PageRequest {
  const out: FieldViolation[] = [];
  if (!Number.isInteger(page) || page < 0) out.push({ field: 'page', rule: 'min', message: 'must be 0 or more' });
  if (!Number.isInteger(size) || size < 0) out.push({ field: 'size', rule: 'min', message: 'must be 1 or more' });
  else if (size > defaults.max) out.push({ field: 'size', rule: 'max', message: `must be at most ${defaults.max}` });
  if (out.length > 0) throw validationError(out);
  const effective = size === 0 ? defaults.size : size;
  return { page, size: effective, offset: page * effective, limit: effective + 1 };
}

export interface ScrollPage<T> {
  readonly content: T[];
  readonly page: number;
  readonly size: number;
  readonly hasNext: boolean;
}

export function toScrollPage<T>(rows: readonly T[], request: PageRequest): ScrollPage<T> {
  return { content: rows.slice(0, request.size), page: request.page, size: request.size, hasNext: rows.length > request.size };
}
