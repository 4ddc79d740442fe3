// Versioned migrations of the `image` schema, in order. Never edit an applied one: add a new one.
import type { MigrationObject } from '@mikro-orm/core';
import { Images } from './0001-images.ts';
import { UploadClaims } from './0002-upload-claims.ts';

export const migrations: MigrationObject[] = [
  { name: '0001-images', class: Images },
  { name: '0002-upload-claims', class: UploadClaims },
];
