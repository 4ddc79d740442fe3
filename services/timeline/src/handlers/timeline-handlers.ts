// TimelineService handlers: proto message -> read -> proto message. Every RPC of the contract is
// implemented (the return type has no optional member, so a missing one fails the typecheck); the
// feeds, post reads and comment reads live in their own files.
import type { TimelineServiceServer } from '@dailyfeed/gen/timeline/v1/timeline';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import { createCommentHandlers } from './comment-handlers.ts';
import { createFeedHandlers } from './feed-handlers.ts';
import { createPostHandlers } from './post-handlers.ts';
import type { ReadDeps } from './read-deps.ts';

export function createTimelineHandlers(deps: ReadDeps): HandlersOf<TimelineServiceServer> {
  return { ...createFeedHandlers(deps), ...createPostHandlers(deps), ...createCommentHandlers(deps) };
}
