// The two drivers of outbox publishing:
// - the immediate queue: rows a write just committed, sent right away in batches by one worker
//   (after lingering `lingerMs` so that writes landing together share one Kafka request and one
//   outbox update), so a write never waits for Kafka and a Kafka outage never fails a write;
//   rows that waited longer than the relay's grace are left to the relay;
// - the relay: every interval (and in the relay-dead-letters job) it claims due rows — failed
//   attempts whose backoff has passed, and rows a crashed writer committed but never sent — and
//   keeps going while it finds full batches.
import type { OutboxMetrics } from './outbox-metrics.ts';
import type { ClaimedRow } from './outbox-repo.ts';
import type { OutboxPublisher, PublishLog, PublishOutcome } from './outbox-publisher.ts';

export interface ImmediateQueue {
  enqueue(rows: readonly ClaimedRow[]): void;
  /** Resolves once everything enqueued so far has had its attempt. */
  idle(): Promise<void>;
}

export interface ImmediateQueueOptions {
  readonly batchMax: number;
  /** How long the worker waits for more rows before sending a batch. */
  readonly lingerMs: number;
  /** Rows older than this belong to the relay (its grace for never-attempted rows). */
  readonly graceMs: number;
  readonly log: PublishLog;
}

export function createImmediateQueue(publisher: OutboxPublisher, options: ImmediateQueueOptions): ImmediateQueue {
  const queue: { row: ClaimedRow; at: number }[] = [];
  let running: Promise<void> | undefined;

  const work = async (): Promise<void> => {
    if (options.lingerMs > 0) await new Promise((resolve) => setTimeout(resolve, options.lingerMs));
    while (queue.length > 0) {
      const oldest = Date.now() - options.graceMs;
      const rows = queue.splice(0, options.batchMax).flatMap((item) => (item.at > oldest ? [item.row] : []));
      try {
        await publisher.publishFresh(rows);
      } catch (err: unknown) {
        // The rows stay PENDING and due: the relay sends them after its grace period.
        options.log.error({ err, rows: rows.length }, 'immediate outbox publish failed');
      }
    }
  };
  const kick = (): void => {
    running ??= work().finally(() => {
      running = undefined;
      if (queue.length > 0) kick();
    });
  };
  return {
    enqueue(rows) {
      if (rows.length === 0) return;
      const at = Date.now();
      for (const row of rows) queue.push({ row, at });
      kick();
    },
    async idle() {
      while (running) await running;
    },
  };
}

export interface Relay {
  /** Publishes due rows until a batch comes back short (or `maxBatches`); returns the totals. */
  drain(maxBatches?: number): Promise<PublishOutcome>;
  start(intervalMs: number): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

export function createRelay(publisher: OutboxPublisher, deps: { batchMax: number; graceMs: number; metrics: OutboxMetrics; log: PublishLog }): Relay {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<PublishOutcome> | undefined;

  const drain = async (maxBatches = Number.POSITIVE_INFINITY): Promise<PublishOutcome> => {
    deps.metrics.relayRun();
    const total = { claimed: 0, published: 0, failed: 0, parked: 0 };
    for (let batch = 0; batch < maxBatches; batch += 1) {
      const outcome = await publisher.publishDue(deps.graceMs);
      total.claimed += outcome.claimed;
      total.published += outcome.published;
      total.failed += outcome.failed;
      total.parked += outcome.parked;
      // A short batch means nothing more is due (or the breaker holds the relay back); a failing
      // batch waits for its backoff.
      if (outcome.claimed < deps.batchMax || outcome.failed > 0) break;
    }
    return total;
  };

  const tick = (): void => {
    if (current) return;
    current = drain(50)
      .catch((err: unknown) => {
        deps.log.error({ err }, 'outbox relay run failed');
        return { claimed: 0, published: 0, failed: 0, parked: 0 };
      })
      .finally(() => {
        current = undefined;
      });
  };

  return {
    drain,
    start(intervalMs) {
      if (intervalMs <= 0 || timer) return;
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await current;
    },
  };
}
