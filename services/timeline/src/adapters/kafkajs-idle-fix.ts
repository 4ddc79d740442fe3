// A fix for a CPU leak in kafkajs 2.2.4 (pinned exactly; the library is unmaintained), applied
// once per process when this service's Kafka adapter loads.
//
// RequestQueue.scheduleCheckPendingRequests computes `throttledUntil - Date.now()`; while no broker
// throttle is in force `throttledUntil` is -1, so with an empty queue it arms setTimeout with a
// negative delay (run after 1 ms), whose callback schedules the next one: every broker connection
// wakes the process about a thousand times a second forever (upstream issues #1556 and #1704;
// the fix in pull request #1667 was never released; Node 24 prints it as TimeoutNegativeWarning).
// On this project's 2-core machine those wake-ups cost every Kafka-using process a measurable
// share of a core. The replacement arms a timer only when it has work: requests waiting (checked
// every 10 ms, as kafkajs does) or a broker-requested throttle to wait out. Requests that arrive
// later are still sent: push() sends at once or queues and schedules, and every response re-checks
// the queue (fulfillRequest -> checkPendingRequests).
import { createRequire } from 'node:module';

const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

interface RequestQueueInternals {
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  pending: unknown[];
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals };

RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && untilUnthrottled <= 0) return; // nothing to wait for
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_INTERVAL_MS,
  );
};
