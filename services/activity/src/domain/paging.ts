// Scroll paging of the read and admin RPCs: 0-based page, size 0 = the RPC's default, a maximum
// per RPC. One extra row is read to tell whether a next page exists.
import { validationError, type FieldViolation } from './errors.ts';

export interface PageLimits {
  readonly defaultSize: number;
  readonly maxSize: number;
}

export interface PageRequest {
  readonly page: number;
  readonly size: number;
  readonly offset: number;
}

export function pageRequestOrThrow(page: number, size: number, limits: PageLimits): PageRequest {
  const violations: FieldViolation[] = [];
  if (!Number.isInteger(page) || page < 0) violations.push({ field: 'page', rule: 'min', message: 'must be 0 or more' });
  if (!Number.isInteger(size) || size < 0 || size > limits.maxSize) {
    violations.push({ field: 'size', rule: 'max', message: `must be between 0 and ${limits.maxSize}` });
  }
  if (violations.length > 0) throw validationError(violations);
  const effective = size === 0 ? limits.defaultSize : size;
  return { page, size: effective, offset: page * effective };
}

export interface ScrollPage<T> {
  readonly content: T[];
  readonly page: number;
  readonly size: number;
  readonly hasNext: boolean;
}

/** rows were read with limit size + 1. */
export function toScrollPage<T>(rows: readonly T[], request: PageRequest): ScrollPage<T> {
  return { content: rows.slice(0, request.size), page: request.page, size: request.size, hasNext: rows.length > request.size };
}
