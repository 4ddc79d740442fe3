// ImageService handlers: proto message -> use case -> proto message. Who the caller is comes
// from the identity (anonymous allowed for uploads, a member required for deletes).
import type { ImageServiceServer } from '@dailyfeed/gen/image/v1/image';
import type { CallContext, HandlersOf } from '../adapters/grpc-handlers.ts';
import { idempotencyKeyOrThrow } from '../domain/idempotency.ts';
import type { ImageKind } from '../domain/upload-rules.ts';
import type { ClaimImage } from './claim-image.ts';
import type { DeleteImages } from './delete-images.ts';
import type { CallerIdentity } from './identify-caller.ts';
import type { UploadImage, UploadResult } from './upload-image.ts';
import type { ViewImage } from './view-image.ts';

export interface ImageHandlerDeps {
  readonly identity: CallerIdentity;
  readonly upload: UploadImage;
  readonly view: ViewImage;
  readonly deleteImages: DeleteImages;
  readonly claimImage: ClaimImage;
}

/** The trailer the edge turns into the `X-Image-Claim` response header. */
const CLAIM_TRAILER = 'x-image-claim';

interface UploadMessage {
  readonly image: Buffer;
  readonly filename: string;
  readonly contentType: string;
}

export function createImageHandlers(deps: ImageHandlerDeps): HandlersOf<ImageServiceServer> {
  const upload = async (req: UploadMessage, ctx: CallContext, kind: ImageKind, method: string): Promise<{ imageId: string; claim: string }> => {
    const ownerMemberId = await deps.identity.ownerOf(ctx);
    const idempotencyKey = idempotencyKeyOrThrow(firstValue(ctx, 'idempotency-key'));
    const result: UploadResult = await deps.upload({ bytes: req.image, contentType: req.contentType, filename: req.filename, kind, method, ownerMemberId, idempotencyKey, signal: ctx.signal });
    if (result.claim !== undefined) ctx.trailers.set(CLAIM_TRAILER, result.claim);
    return { imageId: result.imageId, claim: result.claim ?? '' };
  };
  return {
    async uploadImage(req, ctx) {
      return upload(req, ctx, 'POST', 'UploadImage');
    },
    async uploadProfileImage(req, ctx) {
      return upload(req, ctx, 'PROFILE', 'UploadProfileImage');
    },
    async viewImage(req) {
      // Public: any token sent is ignored (image.proto), so <img> tags work without one.
      const { contentType, data } = await deps.view(req.imageId, req.thumbnail);
      return { image: { contentType, data, extensions: [] } };
    },
    async deleteImages(req, ctx) {
      const memberId = await deps.identity.memberOrThrow(ctx);
      const { deleted, skipped } = await deps.deleteImages(req.imageUrls, memberId, req.claims);
      return { value: true, deletedCount: deleted, skippedCount: skipped };
    },
    async claimImage(req) {
      // Internal (member-svc at signup; no REST binding): the member id is the caller's word.
      return { imageId: await deps.claimImage(req.imageId, req.claim, req.memberId) };
    },
  };
}

function firstValue(ctx: CallContext, key: string): string | undefined {
  const value = ctx.metadata.get(key)[0];
  return typeof value === 'string' ? value : value?.toString('utf8');
}
