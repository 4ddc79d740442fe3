// Rows of image.images and image.upload_keys. The row of an image is what makes it exist for
// view and delete; the files are written before it (record) and removed inside the transaction
// that marks it deleted (deleteOwned), so a live row never lacks its files.
import type { Knex } from '@mikro-orm/postgresql';
import type { EarlierUpload, UploadAttempt } from '../domain/idempotency.ts';
import type { ImageKind } from '../domain/upload-rules.ts';
import { hexArray, query, queryOne, uuidArray } from './sql.ts';

export interface NewImage {
  readonly id: string;
  readonly ownerMemberId: string | null;
  readonly kind: ImageKind;
  readonly sourceFormat: string;
  readonly contentType: string;
  readonly uploadBytes: number;
  readonly imageBytes: number;
  readonly thumbnailBytes: number;
  readonly width: number;
  readonly height: number;
  /** SHA-256 of the upload's claim; set for anonymous uploads only. */
  readonly claimHash: string | null;
}

/** What recording an upload did: stored it, or found the key already taken by an earlier one. */
export type RecordOutcome = { readonly kind: 'recorded' } | { readonly kind: 'key-taken'; readonly earlier: EarlierUpload };

export interface ImagesRepo {
  findUpload(scope: string, key: string): Promise<EarlierUpload | undefined>;
  /** Inserts the image row, claiming the idempotency key first when there is one. */
  record(image: NewImage, attempt: UploadAttempt | undefined): Promise<RecordOutcome>;
  isLive(id: string): Promise<boolean>;
  /**
   * Marks deleted those of `ids` that are live and owned by `memberId`, or owned by nobody with
   * their claim's hash among `claimHashes`; runs `removeFiles` on them inside the same
   * transaction (a failure rolls the marks back), and returns the ids deleted.
   */
  deleteOwned(
    ids: readonly string[],
    memberId: string,
    claimHashes: readonly string[],
    removeFiles: (ids: readonly string[]) => Promise<void>,
  ): Promise<string[]>;
  /**
   * Makes `memberId` the owner of a live image whose claim hashes to `claimHash` and that has no
   * owner or already this one (a retry). False when nothing matched.
   */
  claim(id: string, claimHash: string, memberId: string): Promise<boolean>;
}

const EARLIER = `select method, request_hash as "requestHash", image_id as "imageId" from image.upload_keys where scope = ? and idempotency_key = ?`;

export function createImagesRepo(knex: Knex): ImagesRepo {
  return {
    findUpload: (scope, key) => queryOne<EarlierUpload>(knex, EARLIER, [scope, key]),
    record: (image, attempt) =>
      knex.transaction(async (trx): Promise<RecordOutcome> => {
        if (attempt) {
          // A concurrent upload with the same key waits here until the first one commits.
          const claimed = await queryOne(
            trx,
            `insert into image.upload_keys (scope, idempotency_key, method, request_hash, image_id)
             values (?, ?, ?, ?, ?) on conflict do nothing returning image_id`,
            [attempt.scope, attempt.key, attempt.method, attempt.requestHash, image.id],
          );
          if (!claimed) {
            const earlier = await queryOne<EarlierUpload>(trx, EARLIER, [attempt.scope, attempt.key]);
            if (!earlier) throw new Error('idempotency key vanished between conflict and read');
            return { kind: 'key-taken', earlier };
          }
        }
        await query(
          trx,
          `insert into image.images (id, owner_member_id, kind, source_format, content_type, upload_bytes, image_bytes,
             thumbnail_bytes, width, height, claim_hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [image.id, image.ownerMemberId, image.kind, image.sourceFormat, image.contentType, image.uploadBytes, image.imageBytes,
            image.thumbnailBytes, image.width, image.height, image.claimHash],
        );
        return { kind: 'recorded' };
      }),
    async isLive(id) {
      return (await queryOne(knex, `select 1 from image.images where id = ? and deleted_at is null`, [id])) !== undefined;
    },
    async claim(id, claimHash, memberId) {
      const row = await queryOne(
        knex,
        `update image.images set owner_member_id = ?
         where id = ? and deleted_at is null and claim_hash = ? and (owner_member_id is null or owner_member_id = ?)
         returning id`,
        [memberId, id, claimHash, memberId],
      );
      return row !== undefined;
    },
    deleteOwned: (ids, memberId, claimHashes, removeFiles) =>
      ids.length === 0
        ? Promise.resolve([])
        : knex.transaction(async (trx) => {
            const rows = await query<{ id: string }>(
              trx,
              `update image.images set deleted_at = now()
               where id = any(?::uuid[]) and deleted_at is null
                 and (owner_member_id = ? or (owner_member_id is null and claim_hash = any(?::char(64)[])))
               returning id`,
              [uuidArray(ids), memberId, hexArray(claimHashes)],
            );
            const deleted = rows.map((r) => r.id);
            await removeFiles(deleted);
            return deleted;
          }),
  };
}
