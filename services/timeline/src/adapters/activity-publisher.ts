// Publishes read events (POST_READ, COMMENT_READ) to `member-activity-yyyyMMdd`, acks=1, key =
// the dedup key, value = binary MemberActivityEvent. Best effort and off the request path: the
// read answers without waiting, and a Kafka failure is logged and counted, never returned. At
// most MAX_IN_FLIGHT sends wait at once, so an outage cannot pile up memory; beyond that events
// are dropped and counted. (Reads are not in content's outbox: a lost read event loses one
// activity-log line, while a user's write is never at stake.)
import type { Kafka, Producer } from 'kafkajs';
import { MemberActivityEvent, MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import { activityTopic, readEventKey, type ReadEventCode } from '../domain/activity-event.ts';

const MAX_IN_FLIGHT = 1000;

export interface ReadEvent {
  readonly code: ReadEventCode;
  readonly memberId: string;
  readonly postId: string;
  readonly commentId?: string;
}

export interface PublishLog {
  warn(obj: object, msg: string): void;
}

export interface ActivityPublisher {
  /** Fire and forget; never throws. */
  publish(event: ReadEvent): void;
  /** Resolves when every send started so far has settled (shutdown, tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createActivityPublisher(
  kafka: Kafka,
  log: PublishLog,
  onOutcome: (outcome: 'sent' | 'failed' | 'dropped') => void,
  clockNanos: () => bigint,
): ActivityPublisher {
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: true, retry: { retries: 1 } });
  let connected: Promise<void> | undefined;
  const inFlight = new Set<Promise<void>>();

  const connect = (): Promise<void> => {
    connected ??= producer.connect().catch((err: unknown) => {
      connected = undefined;
      throw err;
    });
    return connected;
  };

  const send = async (event: ReadEvent): Promise<void> => {
    const nanos = clockNanos();
    const createdAt = new Date(Number(nanos / 1_000_000n));
    const targetId = event.code === 'POST_READ' ? event.postId : (event.commentId ?? event.postId);
    const key = readEventKey(event.code, targetId, event.memberId, nanos);
    const value = MemberActivityEvent.encode({
      messageKey: key,
      type: event.code === 'POST_READ' ? MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_READ : MemberActivityType.MEMBER_ACTIVITY_TYPE_COMMENT_READ,
      memberId: event.memberId,
      postId: event.postId,
      commentId: event.commentId,
      createdAt,
    }).finish();
    await connect();
    await producer.send({ topic: activityTopic(createdAt), acks: 1, messages: [{ key, value: Buffer.from(value) }] });
  };

  return {
    publish(event) {
      if (inFlight.size >= MAX_IN_FLIGHT) {
        onOutcome('dropped');
        return;
      }
      const pending = send(event).then(
        () => onOutcome('sent'),
        (err: unknown) => {
          onOutcome('failed');
          log.warn({ err, code: event.code, postId: event.postId }, 'activity event not published');
        },
      );
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    },
    async flush() {
      await Promise.all([...inFlight]);
    },
    async close() {
      await Promise.all([...inFlight]);
      if (connected) await producer.disconnect().catch(() => undefined);
    },
  };
}
