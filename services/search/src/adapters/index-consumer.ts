// The indexer: consumer group `search-indexer-search-svc` over every member-activity day topic
// inside retention (pattern copied from activity-svc, whose code we may not import).
//
// kafkajs resolves a subscription only when subscribing, so a day topic created later would never
// be read: a watcher lists topics every refreshMs and just after each UTC midnight, and when the
// set changes it replaces the consumer (stop -> disconnect -> new consumer on the new list).
//
// Offsets: a fetched batch is applied in one transaction, then its last offset is resolved;
// kafkajs commits resolved offsets (never unresolved ones) together once COMMIT_INTERVAL_MS has
// passed (patches/kafkajs+2.2.4.patch makes batches honour it), so a crash replays at most that
// much, and replays are harmless because every write is idempotent (ON CONFLICT, newest event
// wins). The broker holds a fetch until FETCH_MIN_BYTES are there or FETCH_MAX_WAIT_MS passed, so
// at moderate rates one fetch carries many events and an event waits at most that long. A message that cannot be decoded is logged and skipped: retrying it would
// never succeed, and the index is rebuilt from events anyway.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { MemberActivityEvent } from '@dailyfeed/gen/events/v1/member_activity';
import { indexChangeOf, type IndexChange } from '../domain/index-event.ts';
import { msUntilAfterMidnight, sameTopics, topicsToConsume } from '../domain/topics.ts';
import { LISTENER_RETRY, lazyAdmin } from './kafka.ts';
import { startMessageSpans } from './message-spans.ts';
import type { SearchIndex } from '../domain/search-engine.ts';

const FETCH_MIN_BYTES = 64 * 1024;
const SESSION_TIMEOUT_MS = 6000;
// 1 s, not the fan-out's 100 ms: nobody waits on the activity log or the search index as on a
// feed, and each fetch costs this consumer and the broker CPU whether it carries events or not
// (bench/mixed, create post row: activity + search 0.64 -> 0.49 ms per post against 200 ms).
const FETCH_MAX_WAIT_MS = 1000;
const COMMIT_INTERVAL_MS = 1000;
// Longest wait for a consumer to stop and disconnect (see stopWithin).
const STOP_DEADLINE_MS = 5000;

export interface IndexConsumerOptions {
  readonly kafka: Kafka;
  readonly adminKafka: Kafka;
  readonly groupId: string;
  readonly topicPrefix: string;
  readonly retentionDays: number;
  readonly refreshMs: number;
  readonly index: SearchIndex;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

export interface IndexConsumer {
  start(): void;
  refresh(): Promise<void>;
  subscribedTopics(): readonly string[];
  stop(): Promise<void>;
}

export function createIndexConsumer(options: IndexConsumerOptions): IndexConsumer {
  const { kafka, log, index } = options;
  const admin = lazyAdmin(options.adminKafka);
  let consumer: Consumer | undefined;
  let crashed = false;
  let topics: string[] = [];
  let stopped = false;
  let interval: NodeJS.Timeout | undefined;
  let midnight: NodeJS.Timeout | undefined;
  let queue: Promise<void> = Promise.resolve();

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { batch } = payload;
    if (batch.messages.length === 0 || !payload.isRunning() || payload.isStale()) return;
    const changes: IndexChange[] = [];
    for (const message of batch.messages) {
      try {
        if (message.value) changes.push(indexChangeOf(MemberActivityEvent.decode(message.value)));
      } catch (err: unknown) {
        log.warn({ err, topic: batch.topic, partition: batch.partition, offset: message.offset }, 'undecodable event skipped');
      }
    }
    await index.applyMany(changes).finally(startMessageSpans(batch.topic, batch.messages));
    payload.resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
    await payload.heartbeat();
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
      log.error({ err: event.payload.error, restart: event.payload.restart }, 'indexer crashed');
      if (!event.payload.restart) crashed = true;
    });
    consumer = fresh;
    try {
      await fresh.connect();
      await fresh.subscribe({ topics: wanted, fromBeginning: true });
      await fresh.run({ autoCommit: true, autoCommitInterval: COMMIT_INTERVAL_MS, eachBatchAutoResolve: false, eachBatch });
      log.info({ topics: wanted, groupId: options.groupId }, 'indexer subscribed');
    } catch (err: unknown) {
      crashed = true;
      throw err;
    }
  };

  const refreshOnce = async (): Promise<void> => {
    if (stopped) return;
    const names = await admin.use((a) => a.listTopics());
    const wanted = topicsToConsume(names, options.topicPrefix, new Date(), options.retentionDays);
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
    }, msUntilAfterMidnight(new Date(), 5000));
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
