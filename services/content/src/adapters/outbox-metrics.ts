// Outbox metrics on the service's registry (names used by the dashboard). The two gauges read
// the outbox when Prometheus scrapes, so every replica reports the same shared truth; one query
// serves both and is cached briefly so a burst of scrapes costs one count.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { OutboxState } from './outbox-repo.ts';

export interface OutboxMetrics {
  /** Times one Kafka send; call the result with the outcome. */
  startPublish(): (outcome: 'ok' | 'error') => void;
  publishFailed(rows: number): void;
  relayRun(): void;
}

export function createOutboxMetrics(registry: Registry, countByState: () => Promise<Record<OutboxState, number>>): OutboxMetrics {
  let cached: { at: number; counts: Promise<Record<OutboxState, number>> } | undefined;
  const counts = (): Promise<Record<OutboxState, number>> => {
    if (!cached || Date.now() - cached.at > 1000) {
      const fresh = countByState();
      fresh.catch(() => undefined);
      cached = { at: Date.now(), counts: fresh };
    }
    return cached.counts;
  };
  new Gauge({
    name: 'dailyfeed_outbox_backlog',
    help: 'Outbox rows waiting to be published (state PENDING).',
    registers: [registry],
    async collect() {
      this.set((await counts()).PENDING);
    },
  });
  new Gauge({
    name: 'dailyfeed_dead_letters',
    help: 'Publisher-side dead letters (outbox rows) by state.',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const byState = await counts();
      for (const state of ['PENDING', 'PARKED', 'COMPLETED'] as const) this.set({ state }, byState[state]);
    },
  });
  const publishSeconds = new Histogram({
    name: 'dailyfeed_outbox_publish_seconds',
    help: 'Time of one Kafka send of outbox rows (one topic), by outcome.',
    labelNames: ['outcome'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'dailyfeed_outbox_publish_failures_total',
    help: 'Outbox rows whose publish attempt failed.',
    registers: [registry],
  });
  const relayRuns = new Counter({
    name: 'dailyfeed_outbox_relay_runs_total',
    help: 'Runs of the outbox relay (timer or relay-dead-letters job).',
    registers: [registry],
  });
  return {
    startPublish() {
      const end = publishSeconds.startTimer();
      return (outcome) => void end({ outcome });
    },
    publishFailed: (rows) => failures.inc(rows),
    relayRun: () => relayRuns.inc(),
  };
}
