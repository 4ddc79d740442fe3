// Versioned migrations of the `content` schema, in order. Never edit an applied one: add a new one.
import type { MigrationObject } from '@mikro-orm/core';
import { PostsCommentsLikesOutbox } from './0001-posts-comments-likes-outbox.ts';
import { IdempotencyRequestHash } from './0002-idempotency-request-hash.ts';
import { OutboxTraceparent } from './0003-outbox-traceparent.ts';

export const migrations: MigrationObject[] = [
  { name: '0001-posts-comments-likes-outbox', class: PostsCommentsLikesOutbox },
  { name: '0002-idempotency-request-hash', class: IdempotencyRequestHash },
  { name: '0003-outbox-traceparent', class: OutboxTraceparent },
];
