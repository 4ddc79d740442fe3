// ClaimImage (member-svc, at signup): the member becomes the owner of an anonymous upload whose
// claim it presents. Every way of failing gives the same answer, so probing ids or claims
// through it learns nothing.
import { validationError } from '../domain/errors.ts';
import { imageIdFromUrl } from '../domain/image-id.ts';
import { claimMismatch, hashClaim } from '../domain/upload-claim.ts';
import type { ImagesRepo } from '../adapters/images-repo.ts';

export type ClaimImage = (image: string, claim: string, memberId: string) => Promise<string>;

export function createClaimImage(deps: { readonly repo: ImagesRepo }): ClaimImage {
  return async (image, claim, memberId) => {
    if (!/^[1-9]\d{0,18}$/.test(memberId)) throw validationError([{ field: 'member_id', rule: 'positive', message: 'must be a member id' }]);
    const imageId = imageIdFromUrl(image);
    if (imageId === undefined || claim === '') throw claimMismatch();
    if (!(await deps.repo.claim(imageId, hashClaim(claim), memberId))) throw claimMismatch();
    return imageId;
  };
}
