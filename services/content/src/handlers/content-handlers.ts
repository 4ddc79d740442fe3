// ContentService handlers: proto message -> domain call -> proto message, one file per area.
import type { ContentServiceServer } from '@dailyfeed/gen/content/v1/content';
import type { HandlersOf } from '../adapters/grpc-handlers.ts';
import { createCommentHandlers } from './comment-handlers.ts';
import { createDeadLetterHandlers } from './dead-letter-handlers.ts';
import type { HandlerDeps } from './deps.ts';
import { createPostHandlers } from './post-handlers.ts';

export type { HandlerDeps } from './deps.ts';

export function createContentHandlers(deps: HandlerDeps): HandlersOf<ContentServiceServer> {
  return { ...createPostHandlers(deps), ...createCommentHandlers(deps), ...createDeadLetterHandlers(deps) };
}
