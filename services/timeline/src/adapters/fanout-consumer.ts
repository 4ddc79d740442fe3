// The fan-out consumer: one consumer group (FANOUT_GROUP_ID) over content's daily topics.
//
// kafkajs resolves a subscription only when subscribing, so a watcher lists the topics every
// TOPIC_REFRESH_MS and just after each UTC midnight and, when the set of day topics inside
// retention changes, replaces the consumer (stop -> disconnect -> subscribe to the new list -> run).
// A group without committed offsets starts at the end of a topic: the feeds are derived and
// every feed is built from PostgreSQL on first read, so older events have nothing to add (a new
// day topic is subscribed a day ahead, while still empty, so its first message is read).
//
// Offsets are committed after the listener applied a chunk (at-least-once; the listener is
// idempotent). A chunk that fails (Redis, PostgreSQL or member-svc down) is retried with backoff
// (250 ms doubling to 30 s), so an outage of up to ~10 minutes delays fan-out but loses nothing.
// After 25 attempts the chunk is skipped, logged at error level and counted
// (dailyfeed_fanout_events_total{outcome="abandoned"}) rather than blocking its partition for
// good: the feeds are derived, and each one is rebuilt from PostgreSQL within FEED_TTL_HOURS or
// on its member's next follow change; the event itself stays with activity-svc.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { msUntilAfterMidnight, sameTopics, topicsToConsume } from '../domain/topics.ts';
import type { FanoutListener } from '../handlers/fanout-listener.ts';
import type { FanoutMetrics } from './metrics.ts';

export interface FanoutConsumerOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topicPrefix: string;
  readonly retentionDays: number;
  readonly refreshMs: number;
  readonly chunkSize: number;
  readonly listener: FanoutListener;
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

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const running = (): boolean => payload.isRunning() && !payload.isStale();
    for (let start = 0; start < batch.messages.length; start += options.chunkSize) {
      const chunk = batch.messages.slice(start, start + options.chunkSize);
      for (let attempt = 1, backoff = retry.firstDelayMs; ; attempt += 1, backoff = Math.min(backoff * 2, MAX_BACKOFF_MS)) {
        if (!running()) return;
        const done = options.metrics.startFanoutChunk();
        try {
          await options.listener(chunk);
          done('ok');
          break;
        } catch (err: unknown) {
          done('failed');
          if (attempt >= retry.attempts) {
            log.error({ err, topic: batch.topic, partition: batch.partition, firstOffset: chunk[0]!.offset, count: chunk.length }, 'fan-out chunk abandoned after repeated failures');
            options.metrics.fanoutEvent('unknown', 'abandoned', chunk.length);
            break;
          }
          log.warn({ err, topic: batch.topic, partition: batch.partition, retryInMs: backoff }, 'fan-out chunk failed; retrying');
          await new Promise((resolve) => setTimeout(resolve, backoff));
          await payload.heartbeat().catch(() => undefined);
        }
      }
      const last = chunk[chunk.length - 1]!.offset;
      payload.resolveOffset(last);
      await payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }] });
      await payload.heartbeat();
    }
  };

  const replace = async (wanted: string[]): Promise<void> => {
    const old = consumer;
    consumer = undefined;
    if (old) {
      await old.stop().catch((err: unknown) => log.warn({ err }, 'fan-out consumer stop failed'));
      await old.disconnect().catch((err: unknown) => log.warn({ err }, 'fan-out consumer disconnect failed'));
    }
    topics = wanted;
    crashed = false;
    if (wanted.length === 0 || stopped) return;
    const fresh = kafka.consumer({
      groupId: options.groupId,
      maxWaitTimeInMs: 200,
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 10_000, restartOnFailure: async () => true },
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
      await fresh.subscribe({ topics: wanted, fromBeginning: false });
      await fresh.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
      log.info({ topics: wanted, groupId: options.groupId }, 'fan-out consumer subscribed');
    } catch (err: unknown) {
      crashed = true;
      throw err;
    }
  };

  const refreshOnce = async (): Promise<void> => {
    if (stopped) return;
    const admin = kafka.admin();
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
