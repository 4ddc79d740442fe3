// ViewImage: the stored PNG (or its thumbnail) of a live image. The row says whether the image
// exists; the file holds the bytes. A row whose file is gone is being deleted: NOT_FOUND too.
import { DomainError } from '../domain/errors.ts';
import { parseImageIdOrThrow } from '../domain/image-id.ts';
import { imageFailures } from '../domain/image-failures.ts';
import type { ImageFiles } from '../adapters/image-files.ts';
import type { ImagesRepo } from '../adapters/images-repo.ts';

export interface ViewedImage {
  readonly contentType: string;
  readonly data: Buffer;
}

export type ViewImage = (rawId: string, thumbnail: boolean) => Promise<ViewedImage>;

export function createViewImage(deps: { readonly files: ImageFiles; readonly repo: ImagesRepo; readonly contentType: string }): ViewImage {
  return async (rawId, thumbnail) => {
    const id = parseImageIdOrThrow(rawId);
    let data: Buffer | undefined;
    try {
      if (!(await deps.repo.isLive(id))) throw imageFailures.notFound();
      data = await deps.files.read(id, thumbnail ? 'thumbnail' : 'image');
    } catch (err: unknown) {
      throw err instanceof DomainError ? err : imageFailures.reading(err);
    }
    if (data === undefined) throw imageFailures.notFound();
    return { contentType: deps.contentType, data };
  };
}
