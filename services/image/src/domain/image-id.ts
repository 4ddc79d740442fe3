// Image ids are random UUIDs (image.proto): unguessable, and — because only this exact shape is
// accepted — never able to name a path outside the image directory.
import { imageFailures } from './image-failures.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const BARE_ID = new RegExp(`^${UUID}$`, 'i');
/** The id, optionally followed by one extension such as `.png` (older URLs carried one). */
const ID_WITH_EXTENSION = new RegExp(`^(${UUID})(?:\\.[a-z0-9]{1,5})?$`, 'i');

/** Canonical (lowercase) form, so `ABC…` and `abc…` name the same image. */
const canonical = (id: string): string => id.toLowerCase();

export function isImageId(value: string): boolean {
  return BARE_ID.test(value);
}

/** The id of a view request (`<id>` or `<id>.<ext>`), or VALIDATION_FAILED on image_id. */
export function parseImageIdOrThrow(value: string): string {
  const match = ID_WITH_EXTENSION.exec(value);
  if (!match?.[1]) throw imageFailures.badId();
  return canonical(match[1]);
}

/**
 * The image id a view URL names: its last path segment without `?query`, `#fragment` and
 * extension. Proxy-relative URLs (`/api/proxy/images/view/<id>`), absolute URLs and bare ids
 * all work. Anything else (the default avatar `no-image`, external pictures) names no image.
 */
export function imageIdFromUrl(url: string): string | undefined {
  const path = url.trim().split(/[?#]/, 1)[0] ?? '';
  const segment = path.replace(/\/+$/, '').split('/').pop() ?? '';
  const match = ID_WITH_EXTENSION.exec(segment);
  return match?.[1] ? canonical(match[1]) : undefined;
}
