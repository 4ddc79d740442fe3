// One consumer span per Kafka message, a child of the span that published it, so a trace runs on
// from the edge through content's outbox into this consumer. (The kafkajs instrumentation only
// links batch messages to their producer, which starts a new trace per batch.) No-op without an SDK.
import { propagation, ROOT_CONTEXT, SpanKind, trace, type TextMapGetter } from '@opentelemetry/api';
import type { IHeaders, KafkaMessage } from 'kafkajs';

const tracer = trace.getTracer('timeline-svc.consumer');
const headerGetter: TextMapGetter<IHeaders> = { keys: (carrier) => Object.keys(carrier), get: (carrier, key) => [carrier[key]].flat()[0]?.toString() };

/** Starts the spans of the messages about to be handled; call the result when they are done. */
export function startMessageSpans(topic: string, messages: readonly KafkaMessage[]): () => void {
  const attributes = { 'messaging.system': 'kafka', 'messaging.destination.name': topic };
  const spans = messages.map((m) => tracer.startSpan(`handle ${topic}`, { kind: SpanKind.CONSUMER, attributes }, propagation.extract(ROOT_CONTEXT, m.headers ?? {}, headerGetter)));
  return () => spans.forEach((span) => span.end());
}
