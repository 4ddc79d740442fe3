// Builds the outbox machinery (publisher, immediate queue, relay, metrics) from a Config; shared
// by the service (app.ts) and the one-shot jobs (jobs.ts beside it).
import type { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createEventPublisher, type EventPublisher } from './event-publisher.ts';
import { createOutboxMetrics } from './outbox-metrics.ts';
import { createCompleter, createOutboxPublisher, type Completer } from './outbox-publisher.ts';
import { createImmediateQueue, createRelay, type ImmediateQueue, type Relay } from './outbox-relay.ts';
import { countByState } from './outbox-repo.ts';
import type { Postgres } from './postgres.ts';
import type { Config } from '../config.ts';

export interface Outbox {
  readonly publisher: EventPublisher;
  /** Close after the queue and the relay have stopped: it marks what they published last. */
  readonly completer: Completer;
  readonly queue: ImmediateQueue;
  readonly relay: Relay;
}

export function createOutbox(config: Config, pg: Postgres, kafka: Kafka, registry: Registry, log: Logger): Outbox {
  const metrics = createOutboxMetrics(registry, () => countByState(pg.pool));
  const publisher = createEventPublisher(kafka, config.PUBLISH_TIMEOUT_MS);
  const completer = createCompleter(pg.relaxed, log);
  const outboxPublisher = createOutboxPublisher({
    pool: pg.pool,
    completer,
    publisher,
    metrics,
    policy: { maxAttempts: config.OUTBOX_MAX_ATTEMPTS, baseMs: config.OUTBOX_BACKOFF_BASE_MS, capMs: config.OUTBOX_BACKOFF_CAP_MS },
    batchMax: config.PUBLISH_BATCH_MAX,
    probeMs: config.PUBLISH_PROBE_INTERVAL_MS,
    log,
  });
  return {
    publisher,
    completer,
    queue: createImmediateQueue(outboxPublisher, { batchMax: config.PUBLISH_BATCH_MAX, lingerMs: config.PUBLISH_LINGER_MS, graceMs: config.OUTBOX_RELAY_GRACE_MS, log }),
    relay: createRelay(outboxPublisher, { batchMax: config.PUBLISH_BATCH_MAX, graceMs: config.OUTBOX_RELAY_GRACE_MS, metrics, log }),
  };
}
