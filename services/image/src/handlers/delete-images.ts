// DeleteImages: the caller's own images among the URLs, and ownerless ones whose upload claim the
// caller presents, are deleted (row marked, both files removed, in one transaction); everything
// else is skipped without failing the call.
import { planDeleteOrThrow } from '../domain/delete-rules.ts';
import { DomainError } from '../domain/errors.ts';
import { imageFailures } from '../domain/image-failures.ts';
import { claimHashesOrThrow } from '../domain/upload-claim.ts';
import type { ImageFiles } from '../adapters/image-files.ts';
import type { ImagesRepo } from '../adapters/images-repo.ts';
import type { ImageMetrics } from '../adapters/metrics.ts';

export interface DeleteOutcome {
  readonly deleted: number;
  readonly skipped: number;
}

export type DeleteImages = (urls: readonly string[], memberId: string, claims: readonly string[]) => Promise<DeleteOutcome>;

export function createDeleteImages(deps: { readonly files: ImageFiles; readonly repo: ImagesRepo; readonly metrics: ImageMetrics }): DeleteImages {
  const removeFiles = async (ids: readonly string[]): Promise<void> => {
    for (const id of ids) await deps.files.removePair(id);
  };
  return async (urls, memberId, claims) => {
    const plan = planDeleteOrThrow(urls);
    const claimHashes = claimHashesOrThrow(claims);
    let deleted: string[];
    try {
      deleted = await deps.repo.deleteOwned(plan.ids, memberId, claimHashes, removeFiles);
    } catch (err: unknown) {
      // The marks were rolled back; files already removed stay removed, which a retry tolerates.
      throw err instanceof DomainError ? err : imageFailures.deleting(err);
    }
    deps.metrics.deleted(deleted.length);
    return { deleted: deleted.length, skipped: plan.entries - deleted.length };
  };
}
