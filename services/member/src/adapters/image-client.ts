// image-svc client. Deleting previous avatars after a profile update forwards the caller's
// authorization and never throws: image cleanup is best effort and must not fail the update, so a
// failure or timeout is logged and reported as the outcome. Claiming a signup's anonymous avatar
// does throw: a wrong claim refuses the signup (VALIDATION_FAILED on avatarClaim), and an
// image-svc that cannot answer makes it UNAVAILABLE, so the member is never created without it.
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { ImageServiceClient } from '@dailyfeed/gen/image/v1/image';
import type { CallPolicy } from './call-policy.ts';
import { DomainError, validationError } from '../domain/errors.ts';

/** No Error (a V8 stack capture) per call to remember the caller: see patches/@grpc+grpc-js+1.14.7.patch. */
const NO_CALLER_STACKS = { 'grpc-node.caller_stack_traces': 0 };

export type ImageCleanupOutcome = 'deleted' | 'failed' | 'skipped';

export interface ImageCleaner {
  deleteImages(urls: readonly string[], authorization: string | undefined): Promise<ImageCleanupOutcome>;
  /** Makes `memberId` the owner of the anonymous upload `imageUrl` names, proved by `claim`. */
  claimImageOrThrow(imageUrl: string, claim: string, memberId: string): Promise<void>;
  close(): void;
}

export interface ImageCleanerOptions {
  readonly address: string;
  readonly timeoutMs: number;
  readonly log: { warn(obj: object, msg: string): void };
  /** grpc-js channel options (the mesh's service config for image-svc). */
  readonly channelOptions?: Record<string, string>;
  /** Circuit breaker and client rate limit (image-svc's resilience profile). */
  readonly policy: CallPolicy;
}

export function createImageCleaner({ address, timeoutMs, log, channelOptions = {}, policy }: ImageCleanerOptions): ImageCleaner {
  const client = new ImageServiceClient(address, credentials.createInsecure(), { ...channelOptions, ...NO_CALLER_STACKS });
  return {
    deleteImages(urls, authorization) {
      if (urls.length === 0) return Promise.resolve('skipped');
      const metadata = new Metadata();
      if (authorization) metadata.set('authorization', authorization);
      const send = () =>
        new Promise<ImageCleanupOutcome>((resolve, reject) => {
          client.deleteImages({ imageUrls: [...urls], claims: [] }, metadata, { deadline: Date.now() + timeoutMs }, (err: ServiceError | null) => (err ? reject(err) : resolve('deleted')));
        });
      return policy(send).catch((err: { code?: number; reason?: string; message: string }) => {
        log.warn({ code: err.code, reason: err.reason, details: err.message, count: urls.length }, 'previous avatars not deleted in image-svc');
        return 'failed';
      });
    },
    claimImageOrThrow(imageUrl, claim, memberId) {
      return policy(() => new Promise<void>((resolve, reject) => {
        client.claimImage({ imageId: imageUrl, claim, memberId }, new Metadata(), { deadline: Date.now() + timeoutMs }, (err: ServiceError | null) => {
          if (!err) resolve();
          else if (err.code === status.INVALID_ARGUMENT) {
            reject(validationError([{ field: 'avatarClaim', rule: 'match', message: 'does not match the anonymous upload avatarUrl names' }]));
          } else {
            log.warn({ code: err.code, details: err.details }, 'avatar claim not answered by image-svc');
            reject(new DomainError('unavailable', 'INTERNAL_ERROR', 'the avatar could not be claimed now; retry later', { metadata: { retry_after_seconds: '1' }, cause: err }));
          }
        });
      }));
    },
    close: () => client.close(),
  };
}
