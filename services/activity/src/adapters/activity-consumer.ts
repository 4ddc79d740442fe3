// The member-activity consumer: one consumer group over every daily topic inside retention.
//
// kafkajs resolves a subscription (even a RegExp) only when subscribing, so a day topic created
// later would never be read. A watcher therefore lists the topics every TOPIC_REFRESH_MS and just
// after each UTC midnight, and when the set changes it replaces the consumer: stop -> disconnect
// -> new consumer subscribed to the new list (fromBeginning, so a new topic is read from its
// first message) -> run. A consumer that crashed for good (kafkajs gave up) is replaced the same
// way on the next tick.
//
// Offsets: a chunk's last offset is resolved only after the listener made its effects durable;
// kafkajs commits resolved offsets (never unresolved ones) together once COMMIT_INTERVAL_MS has
// passed (on the next batch, the next idle fetch, a rebalance or stop; patches/kafkajs+2.2.4.patch
// makes batches honour the interval), so a steady stream costs one OffsetCommit a second instead
// of one per batch and partition. A crash replays at most that second: duplicates are dropped.
// We heartbeat after each chunk, so a long batch keeps the group membership alive.
//
// Fetches: the broker holds a fetch until FETCH_MIN_BYTES are there or FETCH_MAX_WAIT_MS passed,
// so at moderate rates one fetch carries many events (instead of one fetch per event) and an
// event waits at most FETCH_MAX_WAIT_MS before it is read.
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { msUntilAfterMidnight, sameTopics, topicsToConsume } from '../domain/topics.ts';
import type { ActivityListener } from '../handlers/activity-listener.ts';
import { LISTENER_RETRY, lazyAdmin } from './kafka.ts';
import { startMessageSpans } from './message-spans.ts';

const FETCH_MIN_BYTES = 64 * 1024;
// 1 s, not the fan-out's 100 ms: nobody waits on the activity log or the search index as on a
// feed, and each fetch costs this consumer and the broker CPU whether it carries events or not
// (bench/mixed, create post row: activity + search 0.64 -> 0.49 ms per post against 200 ms).
const FETCH_MAX_WAIT_MS = 1000;
const COMMIT_INTERVAL_MS = 1000;
// Longest wait for a consumer to stop and disconnect (see stopWithin).
const STOP_DEADLINE_MS = 5000;

export interface ConsumerOptions {
  /** The listener's patient client, for the consumer itself. */
  readonly kafka: Kafka;
  /** A fail-fast client for listing topics: a tick that fails just waits for the next one. */
  readonly adminKafka: Kafka;
  readonly groupId: string;
  readonly topicPrefix: string;
  readonly retentionDays: number;
  readonly refreshMs: number;
  readonly concurrency: number;
  readonly sessionTimeoutMs: number;
  readonly chunkSize: number;
  readonly listener: ActivityListener;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  readonly now?: () => Date;
}

export interface ActivityConsumer {
  /** Starts watching topics; returns at once (Kafka being down does not block boot). */
  start(): void;
  /** Reads the topic list now and re-subscribes if it changed. */
  refresh(): Promise<void>;
  subscribedTopics(): readonly string[];
  /** Stops the watcher and the consumer; in-flight chunks finish or are left uncommitted. */
  stop(): Promise<void>;
}

export function createActivityConsumer(options: ConsumerOptions): ActivityConsumer {
  const { kafka, log } = options;
  const now = options.now ?? (() => new Date());
  const admin = lazyAdmin(options.adminKafka);
  let consumer: Consumer | undefined;
  let crashed = false;
  let topics: string[] = [];
  let stopped = false;
  let interval: NodeJS.Timeout | undefined;
  let midnight: NodeJS.Timeout | undefined;
  // Refreshes run one at a time: a timer tick never overlaps a restart in progress.
  let queue: Promise<void> = Promise.resolve();

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    const control = { shouldContinue: () => payload.isRunning() && !payload.isStale(), heartbeat: () => payload.heartbeat() };
    for (let start = 0; start < batch.messages.length; start += options.chunkSize) {
      if (!control.shouldContinue()) return;
      const chunk = batch.messages.slice(start, start + options.chunkSize);
      const endSpans = startMessageSpans(batch.topic, chunk);
      const outcome = await options.listener(batch.topic, batch.partition, chunk.map(inbound), control).finally(endSpans);
      if (outcome === 'interrupted') return;
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
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.min(3000, Math.floor(options.sessionTimeoutMs / 3)),
      minBytes: FETCH_MIN_BYTES,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      retry: LISTENER_RETRY,
    });
    fresh.on(fresh.events.CRASH, (event) => {
      log.error({ err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
      if (!event.payload.restart) crashed = true;
    });
    consumer = fresh;
    try {
      await fresh.connect();
      await fresh.subscribe({ topics: wanted, fromBeginning: true });
      await fresh.run({ autoCommit: true, autoCommitInterval: COMMIT_INTERVAL_MS, eachBatchAutoResolve: false, partitionsConsumedConcurrently: options.concurrency, eachBatch });
      log.info({ topics: wanted, groupId: options.groupId }, 'consumer subscribed');
    } catch (err: unknown) {
      crashed = true;
      throw err;
    }
  };

  const refreshOnce = async (): Promise<void> => {
    if (stopped) return;
    const names = await admin.use((a) => a.listTopics());
    const wanted = topicsToConsume(names, options.topicPrefix, now(), options.retentionDays);
    if (!crashed && sameTopics(wanted, topics) && (consumer !== undefined || wanted.length === 0)) return;
    await replace(wanted);
  };

  const refresh = (): Promise<void> => {
    const run = queue.then(refreshOnce);
    queue = run.catch(() => undefined);
    return run;
  };

  const tick = (): void => {
    refresh().catch((err: unknown) => log.warn({ err }, 'topic refresh failed; retrying on the next tick'));
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
    refresh,
    subscribedTopics: () => topics,
    async stop() {
      stopped = true;
      clearInterval(interval);
      clearTimeout(midnight);
      await queue;
      await replace([]);
      await admin.close().catch(() => undefined);
    },
  };
}

function inbound(message: KafkaMessage) {
  return { key: message.key, value: message.value, offset: message.offset, timestamp: message.timestamp };
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
    await consumer.stop().catch((err: unknown) => log.warn({ err }, 'consumer stop failed'));
    await consumer.disconnect().catch((err: unknown) => log.warn({ err }, 'consumer disconnect failed'));
  })();
  try {
    if ((await Promise.race([work, deadline])) === 'late') log.warn({ ms }, 'consumer did not stop in time (broker unreachable?); left behind');
  } finally {
    clearTimeout(timer);
  }
}
