// Tracing bootstrap, loaded ahead of main.ts (`node --import ./src/tracing.ts src/main.ts`) so the
// instrumentations hook grpc-js, pg, ioredis before anything imports them. With
// OTEL_EXPORTER_OTLP_ENDPOINT unset it does nothing: the API keeps its no-op tracer.
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  // The ESM loader hook wraps only the modules instrumented here (every module costs start-up time).
  (await import('node:module')).register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: ['@grpc/grpc-js', 'pg', 'ioredis'] } });
  const [{ NodeSDK }, grpc, pg, ioredis] = await Promise.all([import('@opentelemetry/sdk-node'), import('@opentelemetry/instrumentation-grpc'), import('@opentelemetry/instrumentation-pg'), import('@opentelemetry/instrumentation-ioredis')]);
  // Traces only: metrics stay on /metrics (prom-client), logs on stdout.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({ serviceName: process.env.OTEL_SERVICE_NAME ?? 'member-svc', instrumentations: [new grpc.GrpcInstrumentation(), new pg.PgInstrumentation(), new ioredis.IORedisInstrumentation()] });
  sdk.start();
  // main.ts drains, then calls process.exit: flush the buffered spans when the signal comes (spans
  // ending during the drain are not exported). Before main.ts handles signals, re-raise it to exit.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void sdk.shutdown().finally(() => process.listenerCount(signal) === 0 && process.kill(process.pid, signal)));
}
