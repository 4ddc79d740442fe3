// The stored PNGs on disk (IMAGE_ROOT, a volume in containers): `<id>.png` and
// `<id>-thumbnail.png`. Files are written to a temporary name in the same directory and renamed,
// so a reader never sees half a file; a failed pair is removed again, so no orphan half stays.
// Ids reach this module only after parseImageIdOrThrow/isImageId, so a path cannot escape root.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isImageId } from '../domain/image-id.ts';

export type ImageVariant = 'image' | 'thumbnail';

/** Prefix of files being written (and of health probes); never a valid image file name. */
const TEMP_PREFIX = '.tmp-';

/** Which of the pair failed to be written; the caller maps it to its reason. */
export class ImageWriteError extends Error {
  readonly variant: ImageVariant;
  constructor(variant: ImageVariant, cause: unknown) {
    super(`writing the ${variant} failed`, { cause });
    this.name = 'ImageWriteError';
    this.variant = variant;
  }
}

export interface ImageFiles {
  readonly root: string;
  /** Writes both files or, on failure, neither (throws ImageWriteError). */
  writePair(id: string, image: Uint8Array, thumbnail: Uint8Array): Promise<void>;
  /** The bytes, or undefined when the file does not exist. */
  read(id: string, variant: ImageVariant): Promise<Buffer | undefined>;
  /** Removes both files; files already gone are fine, so a retry is safe. */
  removePair(id: string): Promise<void>;
  /** Throws unless the directory exists and this process may write into it. */
  checkWritable(): Promise<void>;
}

/** Temporary files older than this were left by a crash, not by a write still in progress. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export async function openImageFiles(root: string): Promise<ImageFiles> {
  await mkdir(root, { recursive: true });
  await sweepStaleTemps(root);
  const pathOf = (id: string, variant: ImageVariant): string => {
    if (!isImageId(id)) throw new Error(`not an image id: ${JSON.stringify(id)}`);
    return join(root, variant === 'image' ? `${id}.png` : `${id}-thumbnail.png`);
  };
  const writeAtomically = async (path: string, data: Uint8Array): Promise<void> => {
    const temp = join(root, `${TEMP_PREFIX}${randomUUID()}.png`);
    try {
      // `wx`: a temp name is never reused, so an existing file here is a bug, not something to overwrite.
      await writeFile(temp, data, { flag: 'wx' });
      await rename(temp, path);
    } catch (err: unknown) {
      await rm(temp, { force: true }).catch(() => undefined);
      throw err;
    }
  };
  const removePair = async (id: string): Promise<void> => {
    await Promise.all([rm(pathOf(id, 'image'), { force: true }), rm(pathOf(id, 'thumbnail'), { force: true })]);
  };
  return {
    root,
    async writePair(id, image, thumbnail) {
      for (const [variant, data] of [['image', image], ['thumbnail', thumbnail]] as const) {
        try {
          await writeAtomically(pathOf(id, variant), data);
        } catch (err: unknown) {
          await removePair(id).catch(() => undefined);
          throw new ImageWriteError(variant, err);
        }
      }
    },
    async read(id, variant) {
      try {
        return await readFile(pathOf(id, variant));
      } catch (err: unknown) {
        if (isMissing(err)) return undefined;
        throw err;
      }
    },
    removePair,
    // A real write, not access(W_OK): that passes for root on a file or on a full volume.
    async checkWritable() {
      const probe = join(root, `${TEMP_PREFIX}health-${randomUUID()}`);
      await writeFile(probe, 'ok');
      await rm(probe, { force: true });
    },
  };
}

async function sweepStaleTemps(root: string): Promise<void> {
  const cutoff = Date.now() - STALE_TEMP_MS;
  for (const name of await readdir(root)) {
    if (!name.startsWith(TEMP_PREFIX)) continue;
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < cutoff) await rm(path, { force: true });
  }
}

function isMissing(err: unknown): boolean {
  return err instanceof Error && 'code' in err && err.code === 'ENOENT';
}
