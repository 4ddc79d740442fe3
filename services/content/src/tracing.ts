// Tracing bootstrap, loaded ahead of main.ts (`node --import ./src/tracing.ts src/main.ts`) so the
// instrumentations hook grpc-js, pg, ioredis before anything imports them. With
// OTEL_EXPORTER_OTLP_ENDPOINT unset it does nothing: the API keeps its no-op tracer.
// No kafkajs instrumentation here: the outbox publisher sends each row with the traceparent it
// stored at write time (adapters/event-publisher.ts), which the instrumentation would overwrite.
if (process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
  const { register } = await import('node:module');
  // The ESM loader hook wraps only the modules instrumented here (every module costs start-up time).
  register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: ['@grpc/grpc-js', 'pg', 'ioredis'] } });
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { GrpcInstrumentation } = await import('@opentelemetry/instrumentation-grpc');
  const { PgInstrumentation } = await import('@opentelemetry/instrumentation-pg');
  const { IORedisInstrumentation } = await import('@opentelemetry/instrumentation-ioredis');
  // Traces only: metrics stay on /metrics (prom-client), logs on stdout.
  process.env.OTEL_METRICS_EXPORTER ??= 'none';
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'content-svc',
    instrumentations: [new GrpcInstrumentation(), new PgInstrumentation(), new IORedisInstrumentation()],
  });
  sdk.start();
  // main.ts drains and then calls process.exit: send what is buffered as soon as the signal comes
  // (spans that end during the drain itself are not exported). Before main.ts has its own
  // handler, the signal is raised again so that it still ends the process.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void sdk.shutdown();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}
