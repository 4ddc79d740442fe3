// One consumer span per Kafka message, a child of the span that published it, so a trace runs on
// from the edge through content's outbox into this consumer. (The kafkajs instrumentation only
// links batch messages to their producer, which starts a new trace per batch.) No-op without an SDK.
import { propagation, ROOT_CONTEXT, SpanKind, trace, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders, KafkaMessage } from 'kafkajs';

const tracer = trace.getTracer('activity-svc.consumer');
const headerGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => (Array.isArray(carrier[key]) ? carrier[key][0] : carrier[key])?.toString(),
};

/** Starts the spans of the messages about to be handled; call the result when they are done. */
export function startMessageSpans(topic: string, messages: readonly KafkaMessage[]): () => void {
  const spans = messages.map((m) => {
    const parent = propagation.extract(ROOT_CONTEXT, m.headers ?? {}, headerGetter);
    return tracer.startSpan(`handle ${topic}`, { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': topic, 'messaging.kafka.offset': m.offset } }, parent);
  });
  return () => {
    for (const span of spans) span.end();
  };
}
