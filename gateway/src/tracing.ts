// Tracing bootstrap, loaded ahead of main.ts (`node --import ./src/tracing.ts src/main.ts`) so the
// instrumentations hook http, grpc-js and ioredis before anything imports them. The edge starts
// each trace (or continues the caller's traceparent) and passes it on in the gRPC metadata. With
// OTEL_EXPORTER_OTLP_ENDPOINT unset it does nothing: the API keeps its no-op tracer.
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  // The ESM loader hook wraps only the modules instrumented here (every module costs start-up time).
  (await import('node:module')).register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: ['@grpc/grpc-js', 'ioredis'] } });
  const [{ NodeSDK }, http, grpc, ioredis] = await Promise.all([import('@opentelemetry/sdk-node'), import('@opentelemetry/instrumentation-http'), import('@opentelemetry/instrumentation-grpc'), import('@opentelemetry/instrumentation-ioredis')]);
  // Traces only: metrics stay on /metrics (prom-client), logs on stdout.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({ serviceName: process.env.OTEL_SERVICE_NAME ?? 'gateway', instrumentations: [new http.HttpInstrumentation(), new grpc.GrpcInstrumentation(), new ioredis.IORedisInstrumentation()] });
  sdk.start();
  // main.ts drains, then calls process.exit: flush the buffered spans when the signal comes (spans
  // ending during the drain are not exported). Before main.ts handles signals, re-raise it to exit.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void sdk.shutdown().finally(() => process.listenerCount(signal) === 0 && process.kill(process.pid, signal)));
}
