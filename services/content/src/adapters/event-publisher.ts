// Sends outbox rows to Kafka: one request per topic, acks=1 (the seed's choice, so a
// single-broker cluster works), bounded by a timeout so a broker outage costs a failed attempt
// instead of a hung publisher. After a failure the producer is rebuilt: a producer that lost its
// broker can keep failing with stale connections after the broker is back.
import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { startPublishSpan } from './trace-context.ts';

export interface PublishItem {
  readonly topic: string;
  readonly key: string;
  readonly payload: Buffer;
  /** The W3C traceparent the row was written with; the send continues that trace. */
  readonly traceparent: string | null;
}

export interface EventPublisher {
  /** Sends the items of one topic; rejects when the broker did not acknowledge them in time. */
  send(topic: string, items: readonly PublishItem[]): Promise<void>;
  close(): Promise<void>;
}

export function createEventPublisher(kafka: Kafka, timeoutMs: number): EventPublisher {
  let producer: Promise<Producer> | undefined;
  let closed = false;

  const connected = (): Promise<Producer> => {
    producer ??= (async () => {
      const fresh = kafka.producer({
        allowAutoTopicCreation: false,
        idempotent: false,
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      await fresh.connect();
      return fresh;
    })();
    return producer;
  };

  /** Drops the producer; the next send builds a new one. Resolves when the old one is closed. */
  const reset = (): Promise<void> => {
    const stale = producer;
    producer = undefined;
    return stale ? stale.then((p) => p.disconnect()).catch(() => undefined) : Promise.resolve();
  };

  return {
    async send(topic, items) {
      if (closed) throw new Error('publisher closed');
      let timer: NodeJS.Timeout | undefined;
      // Once this attempt has been given up (and its rows marked failed), a connect that only
      // completes later must not go on to send them: the relay will, and that would be a
      // duplicate. (A send already on the wire when the timeout fires can still land: at least once.)
      let abandoned = false;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abandoned = true;
          reject(new Error(`kafka send to ${topic} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
      });
      const spans = items.map((i) => startPublishSpan(topic, i.key, i.traceparent));
      try {
        const sending = connected().then((p) => {
          if (abandoned) throw new Error('send abandoned after its timeout');
          return p.send({
            topic,
            acks: 1,
            timeout: timeoutMs,
            compression: CompressionTypes.None,
            messages: items.map((i, n) => ({ key: i.key, value: i.payload, headers: spans[n]?.headers })),
          });
        });
        sending.catch(() => undefined);
        await Promise.race([sending, timeout]);
        for (const span of spans) span.end();
      } catch (err: unknown) {
        for (const span of spans) span.end(err);
        abandoned = true;
        // Not awaited: a connect still retrying against a dead broker would hold up the caller.
        void reset();
        throw err;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      closed = true;
      await reset();
    },
  };
}
