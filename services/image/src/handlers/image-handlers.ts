// ImageService handlers: proto message -> domain call -> proto message. Methods not listed here
// answer UNIMPLEMENTED (see adapters/grpc-handlers.ts) until their issue implements them.
import type { ImageServiceServer } from '@dailyfeed/gen/image/v1/image';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';

export function createImageHandlers(): Partial<HandlersOf<ImageServiceServer>> {
  return {};
}
