// image-svc client: deletes previous avatars after a profile update. The caller's authorization
// is forwarded. It never throws: image cleanup is best effort and must not fail the update, so a
// failure or timeout is logged and reported as the outcome.
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ImageServiceClient } from '@dailyfeed/gen/image/v1/image';
import type { CallPolicy } from './call-policy.ts';

export type ImageCleanupOutcome = 'deleted' | 'failed' | 'skipped';

export interface ImageCleaner {
  deleteImages(urls: readonly string[], authorization: string | undefined): Promise<ImageCleanupOutcome>;
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
  const client = new ImageServiceClient(address, credentials.createInsecure(), channelOptions);
  return {
    deleteImages(urls, authorization) {
      if (urls.length === 0) return Promise.resolve('skipped');
      const metadata = new Metadata();
      if (authorization) metadata.set('authorization', authorization);
      const send = () =>
        new Promise<ImageCleanupOutcome>((resolve, reject) => {
          client.deleteImages({ imageUrls: [...urls] }, metadata, { deadline: Date.now() + timeoutMs }, (err: ServiceError | null) => (err ? reject(err) : resolve('deleted')));
        });
      return policy(send).catch((err: { code?: number; reason?: string; message: string }) => {
        log.warn({ code: err.code, reason: err.reason, details: err.message, count: urls.length }, 'previous avatars not deleted in image-svc');
        return 'failed';
      });
    },
    close: () => client.close(),
  };
}
