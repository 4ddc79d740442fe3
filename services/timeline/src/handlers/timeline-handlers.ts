// TimelineService handlers: proto message -> domain call -> proto message. Methods not listed here
// answer UNIMPLEMENTED (see adapters/grpc-handlers.ts) until their issue implements them.
import type { TimelineServiceServer } from '@dailyfeed/gen/timeline/v1/timeline';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';

export function createTimelineHandlers(): Partial<HandlersOf<TimelineServiceServer>> {
  return {};
}
