// Versioned migrations of the `activity` schema, in order. Never edit an applied one: add a new one.
import type { MigrationObject } from '@mikro-orm/core';
import { ActivitiesAndDeadLetters } from './0001-activities-and-dead-letters.ts';

export const migrations: MigrationObject[] = [{ name: '0001-activities-and-dead-letters', class: ActivitiesAndDeadLetters }];
