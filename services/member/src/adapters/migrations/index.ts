// Versioned migrations of the `member` schema, in order. Never edit an applied one: add a new one.
import type { MigrationObject } from '@mikro-orm/core';
import { AccountsAndGraph } from './0001-accounts-and-graph.ts';
import { SessionsAndKeys } from './0002-sessions-and-keys.ts';
import { FollowIdIndexes } from './0003-follow-id-indexes.ts';

export const migrations: MigrationObject[] = [
  { name: '0001-accounts-and-graph', class: AccountsAndGraph },
  { name: '0002-sessions-and-keys', class: SessionsAndKeys },
  { name: '0003-follow-id-indexes', class: FollowIdIndexes },
];
