// The hash of the request that first used an idempotency key, so that the same key sent with a
// different request fails with IDEMPOTENCY_KEY_REUSED instead of replaying an unrelated answer.
// Nullable: rows written before this migration are compared by method only.
import { Migration } from '@mikro-orm/migrations';

export class IdempotencyRequestHash extends Migration {
  override up(): void {
    this.addSql(`alter table content.idempotency_keys add column request_hash varchar(64)`);
  }
}
