// Paging and limits of the operator RPCs over publisher-side dead letters (the outbox rows).
import { DomainError } from './errors.ts';
import { assertValid, idViolation } from './content-rules.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
export const MAX_REPLAY_IDS = 1000;

export interface PageRequest {
  readonly page: number;
  readonly size: number;
}

/** page 0-based; size 0 means the default; negative values or size above the maximum fail. */
export function pageOrThrow(page: number, size: number): PageRequest {
  assertValid(
    page < 0 ? { field: 'page', rule: 'min', message: 'must be 0 or more' } : undefined,
    size < 0 || size > MAX_PAGE_SIZE ? { field: 'size', rule: 'range', message: `must be between 0 and ${MAX_PAGE_SIZE}` } : undefined,
  );
  return { page, size: size === 0 ? DEFAULT_PAGE_SIZE : size };
}

export function validateReplayIds(ids: readonly string[]): void {
  assertValid(
    ids.length > MAX_REPLAY_IDS ? { field: 'ids', rule: 'max_items', message: `at most ${MAX_REPLAY_IDS} ids` } : undefined,
    ...ids.map((id, i) => idViolation(`ids[${i}]`, id)),
  );
}

export const deadLetterNotFound = (ids: readonly string[]) =>
  new DomainError('not-found', 'DEAD_LETTER_NOT_FOUND', `no dead letter with id ${ids.join(', ')}`, { metadata: { ids: ids.join(',') } });
