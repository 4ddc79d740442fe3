// Request id and trace id on every log line: grpc-handlers.ts runs each call inside
// requestScope, and main.ts gives pino logContext as its mixin (undefined fields are left out).
import { AsyncLocalStorage } from 'node:async_hooks';
import { trace } from '@opentelemetry/api';

export const requestScope = new AsyncLocalStorage<string>();

export const logContext = (): { requestId: string | undefined; traceId: string | undefined } => ({ requestId: requestScope.getStore(), traceId: trace.getActiveSpan()?.spanContext().traceId });
