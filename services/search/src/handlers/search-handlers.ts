// SearchService handlers: proto message -> domain call -> proto message. Methods not listed here
// answer UNIMPLEMENTED (see adapters/grpc-handlers.ts) until their issue implements them.
import type { SearchServiceServer } from '@dailyfeed/gen/search/v1/search';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';

export function createSearchHandlers(): Partial<HandlersOf<SearchServiceServer>> {
  return {};
}
