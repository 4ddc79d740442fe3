// ContentService handlers: proto message -> domain call -> proto message. Methods not listed here
// answer UNIMPLEMENTED (see adapters/grpc-handlers.ts) until their issue implements them.
import type { ContentServiceServer } from '@dailyfeed/gen/content/v1/content';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';

export function createContentHandlers(): Partial<HandlersOf<ContentServiceServer>> {
  return {};
}
