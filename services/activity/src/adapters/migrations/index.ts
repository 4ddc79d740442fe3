// Versioned migrations of the `activity` schema, in order. Never edit an applied one: add a new one.
import type { MigrationObject } from '@mikro-orm/core';

export const migrations: MigrationObject[] = [];
