// The upload pipeline shared by UploadImage and UploadProfileImage: check the bytes, replay a
// retried idempotency key, decode and re-encode, write both files, then record the row. Files
// come before the row and are removed again if recording fails, so nothing half-stored is kept.
import { createHash, randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import { ANONYMOUS_SCOPE, replayOrThrow, type UploadAttempt } from '../domain/idempotency.ts';
import { imageFailures } from '../domain/image-failures.ts';
import { newClaim } from '../domain/upload-claim.ts';
import { checkUploadOrThrow, type ImageKind } from '../domain/upload-rules.ts';
import { ImageWriteError, type ImageFiles } from '../adapters/image-files.ts';
import type { ImageProcessor } from '../adapters/image-processor.ts';
import type { ImagesRepo } from '../adapters/images-repo.ts';
import type { ImageMetrics } from '../adapters/metrics.ts';

export interface UploadCommand {
  readonly bytes: Buffer;
  readonly contentType: string;
  /** The client's file name: logged, never used as a path. */
  readonly filename: string;
  readonly kind: ImageKind;
  /** Short RPC name, stored with the idempotency key so it cannot be replayed by the other RPC. */
  readonly method: string;
  readonly ownerMemberId: string | null;
  readonly idempotencyKey: string | undefined;
  /** Ends when the caller leaves or its deadline passes. */
  readonly signal: AbortSignal;
}

export interface UploadDeps {
  readonly files: ImageFiles;
  readonly repo: ImagesRepo;
  readonly process: ImageProcessor;
  readonly maxUploadBytes: number;
  readonly metrics: ImageMetrics;
  readonly log: { info(obj: object, msg: string): void };
}

/** The stored image; `claim` is set for a fresh anonymous upload only (never on a replay). */
export interface UploadResult {
  readonly imageId: string;
  readonly claim: string | undefined;
}

export type UploadImage = (command: UploadCommand) => Promise<UploadResult>;

export const STORED_CONTENT_TYPE = 'image/png';

export function createUploadImage(deps: UploadDeps): UploadImage {
  const upload = async (cmd: UploadCommand): Promise<UploadResult & { outcome: 'stored' | 'replayed' }> => {
    const format = checkUploadOrThrow({ bytes: cmd.bytes, contentType: cmd.contentType }, deps.maxUploadBytes);
    // Read now: decoding may take the bytes over (a BMP's buffer moves to a worker thread).
    const uploadBytes = cmd.bytes.length;
    const attempt: UploadAttempt | undefined =
      cmd.idempotencyKey === undefined
        ? undefined
        : {
            scope: cmd.ownerMemberId ?? ANONYMOUS_SCOPE,
            key: cmd.idempotencyKey,
            method: cmd.method,
            requestHash: createHash('sha256').update(cmd.bytes).digest('hex'),
          };
    if (attempt) {
      const earlier = await deps.repo.findUpload(attempt.scope, attempt.key);
      // No claim on a replay: only its hash is kept, and the anonymous key scope is shared.
      if (earlier) return { imageId: replayOrThrow(earlier, attempt), claim: undefined, outcome: 'replayed' };
    }

    const { image, thumbnail } = await deps.process(cmd.bytes, format, cmd.signal);
    const imageId = randomUUID();
    const claim = cmd.ownerMemberId === null ? newClaim() : undefined;
    try {
      await deps.files.writePair(imageId, image.data, thumbnail.data);
    } catch (err: unknown) {
      throw err instanceof ImageWriteError && err.variant === 'thumbnail' ? imageFailures.thumbnail(err) : imageFailures.processing(err);
    }
    let recorded: Awaited<ReturnType<ImagesRepo['record']>>;
    try {
      recorded = await deps.repo.record(
        {
          id: imageId,
          ownerMemberId: cmd.ownerMemberId,
          kind: cmd.kind,
          sourceFormat: format,
          contentType: STORED_CONTENT_TYPE,
          uploadBytes,
          imageBytes: image.data.length,
          thumbnailBytes: thumbnail.data.length,
          width: image.width,
          height: image.height,
          claimHash: claim?.hash ?? null,
        },
        attempt,
      );
    } catch (err: unknown) {
      await deps.files.removePair(imageId).catch(() => undefined);
      throw imageFailures.processing(err);
    }
    if (recorded.kind === 'key-taken' && attempt) {
      // A concurrent retry with the same key won the race: keep its image, drop ours.
      await deps.files.removePair(imageId).catch(() => undefined);
      return { imageId: replayOrThrow(recorded.earlier, attempt), claim: undefined, outcome: 'replayed' };
    }
    deps.metrics.storedBytes(cmd.kind, image.data.length + thumbnail.data.length);
    deps.log.info(
      { imageId, kind: cmd.kind, owner: cmd.ownerMemberId, filename: cmd.filename.slice(0, 200), format, uploadBytes, width: image.width, height: image.height },
      'image stored',
    );
    return { imageId, claim: claim?.claim, outcome: 'stored' };
  };

  return async (cmd) => {
    try {
      const { imageId, claim, outcome } = await upload(cmd);
      deps.metrics.upload(cmd.kind, outcome);
      return { imageId, claim };
    } catch (err: unknown) {
      deps.metrics.upload(cmd.kind, err instanceof DomainError ? err.reason : 'INTERNAL_ERROR');
      throw err;
    }
  };
}
