// Named constructors of the image failures of the contract (image.proto), so every place that
// rejects an upload, a view or a delete says the same reason with the same class. Upload
// failures name the field they are about (`image`, `content_type`, ...).
import { DomainError, validationError } from './errors.ts';

const about = (field: string): { metadata: Record<string, string> } => ({ metadata: { field } });

export const imageFailures = {
  empty: () => new DomainError('invalid', 'EMPTY_IMAGE_FILE', 'image: the file is empty', about('image')),
  tooManyBytes: (max: number) => new DomainError('invalid', 'IMAGE_TOO_LARGE', `image: the file is larger than ${max} bytes`, about('image')),
  tooManyPixels: (max: number) =>
    new DomainError('invalid', 'IMAGE_TOO_LARGE', `image: the picture has more than ${max} pixels`, about('image')),
  tooSmall: () => new DomainError('invalid', 'FILE_TOO_SMALL', 'image: the file is too small to be an image', about('image')),
  badSignature: () =>
    new DomainError('invalid', 'INVALID_IMAGE_SIGNATURE', 'image: not a JPEG, PNG, GIF, BMP or WEBP file', about('image')),
  corrupted: (cause?: unknown) =>
    new DomainError('invalid', 'CORRUPTED_IMAGE', 'image: the file cannot be decoded', { ...about('image'), cause }),
  contentType: (accepted: readonly string[]) =>
    validationError([{ field: 'content_type', rule: 'in', message: `must be empty or one of ${accepted.join(', ')}` }]),
  processing: (cause: unknown) =>
    new DomainError('internal', 'IMAGE_PROCESSING_FAIL', 'image: the image could not be stored', { ...about('image'), cause }),
  thumbnail: (cause: unknown) =>
    new DomainError('internal', 'THUMBNAIL_PROCESS_FAIL', 'image: the thumbnail could not be made', { ...about('image'), cause }),
  // Overload, not a bad image: the edge answers 429 with Retry-After.
  decodersBusy: () =>
    new DomainError('exhausted', 'TOO_MANY_REQUEST', 'image: every decoder is busy and the queue is full; retry later', {
      metadata: { field: 'image', retry_after_seconds: '1' },
    }),
  decodeDeadline: () =>
    new DomainError('exhausted', 'TOO_MANY_REQUEST', 'image: the image was not decoded before its deadline; retry later', {
      metadata: { field: 'image', retry_after_seconds: '1' },
    }),
  badId: () => validationError([{ field: 'image_id', rule: 'uuid', message: 'must be an image id (a UUID), optionally with an extension' }]),
  notFound: () => new DomainError('not-found', 'IMAGE_NOT_FOUND', 'image not found', about('image_id')),
  reading: (cause: unknown) => new DomainError('internal', 'IMAGE_READING_FAIL', 'the image could not be read', { ...about('image_id'), cause }),
  deleting: (cause: unknown) =>
    new DomainError('internal', 'IMAGE_DELETING_FAIL', 'the images could not be deleted; retrying is safe', { ...about('image_urls'), cause }),
  tooManyUrls: (max: number) => validationError([{ field: 'image_urls', rule: 'max_items', message: `must list at most ${max} URLs` }]),
};
