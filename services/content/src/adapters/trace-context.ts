// The trace of a write, carried across the outbox: the write stores its request's traceparent in
// the outbox row, and whoever publishes the row later (right away or the relay, maybe after a
// Kafka outage) sends it in a span that continues that trace, with the span's traceparent as a
// Kafka header for the consumers. Without a registered SDK (tracing off) all of it is a no-op.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('content-svc.outbox');

/** The active span's W3C traceparent, or null when nothing is being traced. */
export function activeTraceparent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier['traceparent'] ?? null;
}

export interface PublishSpan {
  /** The Kafka headers that carry the publish span's trace context on to the consumers. */
  readonly headers: Record<string, string>;
  end(err?: unknown): void;
}

/** Starts the span that publishes one row, as a child of the trace the row was written in. */
export function startPublishSpan(topic: string, key: string, traceparent: string | null): PublishSpan {
  const parent = traceparent === null ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, { traceparent });
  const span: Span = tracer.startSpan(`publish ${topic}`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': topic, 'messaging.kafka.message.key': key } }, parent);
  const headers: Record<string, string> = {};
  propagation.inject(trace.setSpan(parent, span), headers);
  // Tracing off here but on where the row was written: pass the stored context on unchanged.
  if (headers['traceparent'] === undefined && traceparent !== null) headers['traceparent'] = traceparent;
  return {
    headers,
    end(err) {
      if (err !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : 'publish failed' });
      span.end();
    },
  };
}
