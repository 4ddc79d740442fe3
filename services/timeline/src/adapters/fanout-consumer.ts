// The fan-out consumer: one consumer group (FANOUT_GROUP_ID) over content's daily topics.
//
// kafkajs resolves a subscription only when subscribing, so a watcher lists the topics every
// TOPIC_REFRESH_MS and just after each UTC midnight and, when the set of day topics inside
// retention changes, replaces the consumer (stop -> disconnect -> subscribe to the new list -> run).
// A group without committed offsets starts at the end of a topic: the feeds are derived and
// every feed is built from PostgreSQL on first read, so older events have nothing to add (a new
// day topic is subscribed a day ahead, while still empty, so its first message is read).
//
// A chunk's offsets are resolved after the listener applied it (at-least-once; the listener is
// idempotent); kafkajs commits resolved offsets together once COMMIT_INTERVAL_MS has passed (see
// patches/kafkajs+2.2.4.patch), so a steady stream costs one OffsetCommit a second, not one per
// batch and partition. The broker holds a fetch until FETCH_MIN_BYTES are there or
// FETCH_MAX_WAIT_MS passed: one fetch carries many events at moderate rates, and an event waits
// at most FETCH_MAX_WAIT_MS before it is fanned out. A chunk that fails (Redis, PostgreSQL or member-svc down) is retried with backoff
// (250 ms doubling to 30 s), so an outage of up to ~10 minutes delays fan-out but loses nothing.
// After 25 attempts the chunk is skipped, logged at error level and counted
// (dailyfeed_fanout_events_total{outcome="abandoned"}) rather than blocking its partition for
// good. Its posts would then be missing from stored feeds until they expire, so the consumer
// heals: it calls `heal` (every stored follow feed is marked stale and rebuilt from PostgreSQL on
// its next read), and if that fails too (Redis down), again after each later chunk until it
// succeeds. The event itself stays with activity-svc.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { msUntilAfterMidnight, sameTopics, topicsToConsume } from '../domain/topics.ts';
import type { FanoutListener } from '../handlers/fanout-listener.ts';
import { LISTENER_RETRY } from './kafka.ts';
import { startMessageSpans } from './message-spans.ts';
import type { FanoutMetrics } from './metrics.ts';

export interface FanoutConsumerOptions {
  /** The patient client, for the consumer itself (listenerKafka). */
  readonly kafka: Kafka;
  /** A fail-fast client for listing topics: a tick that fails just waits for the next one (and never holds up stop()). */
  readonly adminKafka: Kafka;
  readonly groupId: string;
  readonly topicPrefix: string;
  readonly retentionDays: number;
  readonly refreshMs: number;
  readonly chunkSize: number;
  readonly listener: FanoutListener;
  /** Repairs the stored feeds after a chunk was abandoned (marks them stale). */
  readonly heal: () => Promise<void>;
  readonly metrics: Pick<FanoutMetrics, 'startFanoutChunk' | 'fanoutEvent'>;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  readonly now?: () => Date;
  /** Attempts per chunk before it is abandoned (default 25) and the first retry delay (default 250 ms). */
  readonly retry?: { readonly attempts: number; readonly firstDelayMs: number };
}

export interface FanoutConsumer {
  /** Starts watching topics; returns at once (Kafka being down does not block boot). */
  start(): void;
  /** Resolves once the consumer has joined its group and fetched (offsets resolved): events sent after it are fanned out. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;
const FETCH_MIN_BYTES = 64 * 1024;
const SESSION_TIMEOUT_MS = 6000;
// 250 ms, not 100: an idle consumer fetches 4 times a second instead of 10 (bench/mixed's idle
// stack, two pairs: timeline 24-26 -> 18 ms/s of CPU, Kafka 71-110 -> 53-89 ms/s), and a follower
// sees a new post in a stored feed at most 250 ms after it was published.
const FETCH_MAX_WAIT_MS = 250;
const COMMIT_INTERVAL_MS = 1000;
// Longest wait for a consumer to stop and disconnect (see stopWithin).
const STOP_DEADLINE_MS = 5000;
const DEFAULT_RETRY = { attempts: 25, firstDelayMs: 250 };

export function createFanoutConsumer(options: FanoutConsumerOptions): FanoutConsumer {
  const { kafka, log } = options;
  const now = options.now ?? (() => new Date());
  const retry = options.retry ?? DEFAULT_RETRY;
  let consumer: Consumer | undefined;
  let crashed = false;
  let topics: string[] = [];
  let stopped = false;
  let interval: NodeJS.Timeout | undefined;
  let midnight: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();
  // ready(): pending until the current consumer fetched once; a re-subscription makes it pending again.
  let isReady = false;
  let resolveReady: () => void = () => undefined;
  let readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
  const markReady = (): void => {
    isReady = true;
    resolveReady();
  };

  let healPending = false;
  const healIfPending = async (): Promise<void> => {
    if (!healPending) return;
    try {
      await options.heal();
      healPending = false;
      log.warn({}, 'stored follow feeds marked stale after an abandoned fan-out chunk; each is rebuilt on its next read');
    } catch (err: unknown) {
      log.error({ err }, 'could not mark the stored follow feeds stale; retrying after the next chunk');
    }
  };

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const running = (): boolean => payload.isRunning() && !payload.isStale();
    for (let start = 0; start < batch.messages.length; start += options.chunkSize) {
      const chunk = batch.messages.slice(start, start + options.chunkSize);
      for (let attempt = 1, backoff = retry.firstDelayMs; ; attempt += 1, backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
        if (!running()) return;
        const done = options.metrics.startFanoutChunk();
        try {
          await options.listener(chunk).finally(startMessageSpans(batch.topic, chunk));
          done('ok');
          break;
        } catch (err: unknown) {
          done('failed');
          if (attempt >= retry.attempts) {
            log.error({ err, topic: batch.topic, partition: batch.partition, firstOffset: chunk[0]!.offset, count: chunk.length }, 'fan-out chunk abandoned after repeated failures');
            options.metrics.fanoutEvent('unknown', 'abandoned', chunk.length);
            healPending = true;
            break;
          }
          log.warn({ err, topic: batch.topic, partition: batch.partition, retryInMs: backoff }, 'fan-out chunk failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, backoff));
          await payload.heartbeat().catch(() => undefined);
        }
      }
      await healIfPending();
      payload.resolveOffset(chunk[chunk.length - 1]!.offset);
      await payload.heartbeat();
    }
  };

  const replace = async (wanted: string[]): Promise<void> => {
    const old = consumer;
    consumer = undefined;
    if (old) {
      await stopWithin(old, STOP_DEADLINE_MS, log);
    }
    topics = wanted;
    crashed = false;
    if (wanted.length === 0 || stopped) return;
    const fresh = kafka.consumer({
      groupId: options.groupId,
      minBytes: FETCH_MIN_BYTES,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      // After a broker restart the group waits for its lost members' sessions before the
      // consumers rejoin: 6 s (the broker's minimum) brings them back within 10 s.
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: SESSION_TIMEOUT_MS / 3,
      retry: LISTENER_RETRY,
    });
    fresh.on(fresh.events.CRASH, (event) => {
      log.warn({ err: event.payload.error, restart: event.payload.restart }, 'fan-out consumer crashed');
      if (!event.payload.restart) crashed = true;
    });
    let joined = false;
    fresh.on(fresh.events.GROUP_JOIN, () => void (joined = true));
    fresh.on(fresh.events.FETCH, () => {
      if (joined) markReady();
    });
    consumer = fresh;
    try {
      await fresh.connect();
      // A new group (first deployment, or a day topic it joins late) starts at the oldest retained
      // event, not the newest: fan-out is idempotent, and skipping would leave posts out of feeds.
      await fresh.subscribe({ topics: wanted, fromBeginning: true });
      await fresh.run({ autoCommit: true, autoCommitInterval: COMMIT_INTERVAL_MS, eachBatchAutoResolve: false, eachBatch });
      log.info({ topics: wanted, groupId: options.groupId }, 'fan-out consumer subscribed');
    } catch (err: unknown) {
      crashed = true;
      throw err;
    }
  };

  const refreshOnce = async (): Promise<void> => {
    if (stopped) return;
    const admin = options.adminKafka.admin();
    let names: string[];
    try {
      await admin.connect();
      names = await admin.listTopics();
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const wanted = topicsToConsume(names, options.topicPrefix, now(), options.retentionDays);
    if (!crashed && sameTopics(wanted, topics) && (consumer !== undefined || wanted.length === 0)) return;
    if (isReady) {
      isReady = false;
      readyPromise = new Promise<void>((resolve) => (resolveReady = resolve));
    }
    await replace(wanted);
  };

  const tick = (): void => {
    const run = queue.then(refreshOnce);
    queue = run.catch((err: unknown) => log.warn({ err }, 'fan-out topic refresh failed; retrying on the next tick'));
  };

  const scheduleMidnight = (): void => {
    midnight = setTimeout(() => {
      tick();
      scheduleMidnight();
    }, msUntilAfterMidnight(now(), 5000));
    midnight.unref();
  };

  return {
    start() {
      tick();
      interval = setInterval(tick, options.refreshMs);
      interval.unref();
      scheduleMidnight();
    },
    ready: () => readyPromise,
    async stop() {
      stopped = true;
      clearInterval(interval);
      clearTimeout(midnight);
      await queue;
      await replace([]);
    },
  };
}

/**
 * Stops and disconnects a consumer, giving up after `ms`: with the broker gone, kafkajs would
 * retry the final commit, the group leave and the disconnect for tens of seconds, longer than a
 * deployment's shutdown grace. Whatever was not committed is redelivered (at least once).
 */
async function stopWithin(consumer: Consumer, ms: number, log: { warn(obj: object, msg: string): void }): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ms)));
  const work = (async () => {
    await consumer.stop().catch((err: unknown) => log.warn({ err }, 'fan-out consumer stop failed'));
    await consumer.disconnect().catch((err: unknown) => log.warn({ err }, 'fan-out consumer disconnect failed'));
  })();
  try {
    if ((await Promise.race([work, deadline])) === 'late') log.warn({ ms }, 'fan-out consumer did not stop in time (broker unreachable?); left behind');
  } finally {
    clearTimeout(timer);
  }
}
