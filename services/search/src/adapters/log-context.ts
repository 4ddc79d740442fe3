// Request id and trace id on every log line: grpc-handlers.ts runs each call inside
// requestScope, and main.ts gives pino logContext as its mixin.
import { AsyncLocalStorage } from 'node:async_hooks';
import { trace } from '@opentelemetry/api';

export const requestScope = new AsyncLocalStorage<string>();

export function logContext(): { requestId?: string; traceId?: string } {
  const requestId = requestScope.getStore();
  const traceId = trace.getActiveSpan()?.spanContext().traceId;
  return { ...(requestId === undefined ? {} : { requestId }), ...(traceId === undefined ? {} : { traceId }) };
}
