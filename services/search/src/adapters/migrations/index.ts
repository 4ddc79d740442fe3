// Versioned migrations of the `search` schema, in order. Never edit an applied one: add a new one.
import type { MigrationObject } from '@mikro-orm/core';
import { SearchIndex } from './0001-search-index.ts';

export const migrations: MigrationObject[] = [{ name: '0001-search-index', class: SearchIndex }];
