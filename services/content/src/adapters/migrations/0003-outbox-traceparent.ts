// The W3C traceparent of the request that wrote an outbox row, captured in the write's
// transaction, so the relay publishes the event into the same trace however much later it runs.
// Nullable: rows written without tracing (or before this migration) carry none.
import { Migration } from '@mikro-orm/migrations';

export class OutboxTraceparent extends Migration {
  override up(): void {
    this.addSql(`alter table content.outbox add column traceparent varchar(55)`);
  }
}
