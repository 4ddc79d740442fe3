// ActivityService handlers: proto message -> domain call -> proto message. Methods not listed here
// answer UNIMPLEMENTED (see adapters/grpc-handlers.ts) until their issue implements them.
import type { ActivityServiceServer } from '@dailyfeed/gen/activity/v1/activity';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';

export function createActivityHandlers(): Partial<HandlersOf<ActivityServiceServer>> {
  return {};
}
