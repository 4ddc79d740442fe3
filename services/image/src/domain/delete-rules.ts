// Which entries of a bulk delete name an image (image.proto, DeleteImages). Entries that name
// none are not errors: they are counted as skipped, as the original swallowed per-URL failures.
import { imageIdFromUrl } from './image-id.ts';
import { imageFailures } from './image-failures.ts';

export const MAX_DELETE_URLS = 1000;

export interface DeletePlan {
  /** Distinct image ids named by the entries, in first-seen order. */
  readonly ids: readonly string[];
  /** How many entries the caller sent (deleted + skipped adds up to this). */
  readonly entries: number;
}

export function planDeleteOrThrow(urls: readonly string[]): DeletePlan {
  if (urls.length > MAX_DELETE_URLS) throw imageFailures.tooManyUrls(MAX_DELETE_URLS);
  const ids = new Set<string>();
  for (const url of urls) {
    const id = imageIdFromUrl(url);
    if (id !== undefined) ids.add(id);
  }
  return { ids: [...ids], entries: urls.length };
}
