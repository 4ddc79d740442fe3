// The indexer: consumer group `search-indexer-search-svc` over every member-activity day topic
// inside retention (pattern copied from activity-svc, whose code we may not import).
//
// kafkajs resolves a subscription only when subscribing, so a day topic created later would never
// be read: a watcher lists topics every refreshMs and just after each UTC midnight, and when the
// set changes it replaces the consumer (stop -> disconnect -> new consumer on the new list).
//
// Offsets: autoCommit is off; a message's offset is committed only after its index write, so a
// crash replays it, and replays are harmless because every write is idempotent (ON CONFLICT,
// newest event wins). A message that cannot be decoded is logged and skipped: retrying it would
// never succeed, and the index is rebuilt from events anyway.
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { MemberActivityEvent } from '@dailyfeed/gen/events/v1/member_activity';
import { indexChangeOf } from '../domain/index-event.ts';
import { msUntilAfterMidnight, sameTopics, topicsToConsume } from '../domain/topics.ts';
import { lazyAdmin } from './kafka.ts';
import type { SearchIndex } from './search-index.ts';

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
    for (const message of batch.messages) {
      if (!payload.isRunning() || payload.isStale()) return;
      let event: MemberActivityEvent | undefined;
      try {
        event = message.value ? MemberActivityEvent.decode(message.value) : undefined;
      } catch (err: unknown) {
        log.warn({ err, topic: batch.topic, partition: batch.partition, offset: message.offset }, 'undecodable event skipped');
      }
      if (event) await index.apply(indexChangeOf(event));
      payload.resolveOffset(message.offset);
      const next = (BigInt(message.offset) + 1n).toString();
      await payload.commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
      await payload.heartbeat();
    }
  };

  const replace = async (wanted: string[]): Promise<void> => {
    const old = consumer;
    consumer = undefined;
    if (old) {
      await old.stop().catch((err: unknown) => log.warn({ err }, 'consumer stop failed'));
      await old.disconnect().catch((err: unknown) => log.warn({ err }, 'consumer disconnect failed'));
    }
    topics = wanted;
    crashed = false;
    if (wanted.length === 0 || stopped) return;
    const fresh = kafka.consumer({ groupId: options.groupId, maxWaitTimeInMs: 500, retry: { retries: 8, restartOnFailure: async () => true } });
    fresh.on(fresh.events.CRASH, (event) => {
      log.error({ err: event.payload.error, restart: event.payload.restart }, 'indexer crashed');
      if (!event.payload.restart) crashed = true;
    });
    consumer = fresh;
    try {
      await fresh.connect();
      await fresh.subscribe({ topics: wanted, fromBeginning: true });
      await fresh.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch });
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
