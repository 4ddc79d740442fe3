// image-svc client: deletes previous avatars after a profile update. The caller's authorization
// is forwarded. It never throws: image cleanup is best effort and must not fail the update, so a
// failure or timeout is logged and reported as the outcome.
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ImageServiceClient } from '@dailyfeed/gen/image/v1/image';

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
}

export function createImageCleaner({ address, timeoutMs, log, channelOptions = {} }: ImageCleanerOptions): ImageCleaner {
  const client = new ImageServiceClient(address, credentials.createInsecure(), channelOptions);
  return {
    deleteImages(urls, authorization) {
      if (urls.length === 0) return Promise.resolve('skipped');
      const metadata = new Metadata();
      if (authorization) metadata.set('authorization', authorization);
      return new Promise((resolve) => {
        client.deleteImages({ imageUrls: [...urls] }, metadata, { deadline: Date.now() + timeoutMs }, (err: ServiceError | null) => {
          if (err) {
            log.warn({ code: err.code, details: err.details, count: urls.length }, 'previous avatars not deleted in image-svc');
            resolve('failed');
          } else {
            resolve('deleted');
          }
        });
      });
    },
    close: () => client.close(),
  };
}
