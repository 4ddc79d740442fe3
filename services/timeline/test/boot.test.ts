// Component test: timeline-svc boots on port 0 against the real PostgreSQL, Redis and Kafka, reports
// liveness and readiness through the generated health client, lists itself through reflection, registers
// every RPC of its contract, and shuts down on request.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import { declaredMethods } from '../../../test/support/contracts.ts';
import { callEmpty, Code, healthStatus, reflectionServices, waitForHealth } from '../../../test/support/grpc.ts';
import { startService, type RunningService } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { connectPostgres, migrate } from '../src/adapters/postgres.ts';
import { SERVICE_NAME } from '../src/server.ts';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed_test';
const READ_URL = 'postgres://dailyfeed_timeline_ro@127.0.0.1:5432/dailyfeed_test';
const log = pino({ level: 'silent' });
// The runner's own Redis and Kafka (tests must not reach the shared ones on the default ports).
const infra = { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' };
const testConfig = (overrides: Record<string, string> = {}) =>
  loadConfig({ GRPC_PORT: '0', METRICS_PORT: '0', DATABASE_URL, ...infra, CONTENT_READ_DATABASE_URL: READ_URL, LOG_LEVEL: 'silent', HEALTH_INTERVAL_MS: '200', ...overrides });

describe('timeline-svc boot', () => {
  let service: RunningService;

  before(async () => {
    const pg = await connectPostgres(DATABASE_URL, 2);
    await migrate(pg, READ_URL).finally(() => pg.close());
    service = await startService(testConfig(), log);
  });
  after(() => service.stop());

  it('when its dependencies answer, then liveness ("") and readiness (the service name) report SERVING', async () => {
    assert.equal(await waitForHealth(service.grpcPort, Serving.SERVING, 10_000, SERVICE_NAME), Serving.SERVING);
    assert.equal(await healthStatus(service.grpcPort), Serving.SERVING);
  });

  it('when a reflection client lists the services, then it names this service and grpc.health.v1.Health', async () => {
    const listed = await reflectionServices(service.grpcPort);
    assert.ok(listed.includes(SERVICE_NAME), `listed: ${listed.join(', ')}`);
    assert.ok(listed.includes('grpc.health.v1.Health'), `listed: ${listed.join(', ')}`);
  });

  it('when a method of proto/ is called, then the service has registered it', async () => {
    const methods = declaredMethods(SERVICE_NAME);
    assert.ok(methods.length >= 15, `expected the whole TimelineService contract, found ${methods.length} RPCs`);
    for (const path of methods) {
      const outcome = await callEmpty(service.grpcPort, path);
      // An unregistered method fails with grpc-js's own UNIMPLEMENTED and no ErrorInfo; every
      // answer from a registered handler is a success or carries our ErrorInfo reason.
      assert.ok(outcome.code === Code.OK || outcome.reason !== undefined, `${path} is not registered: ${outcome.details}`);
    }
  });

  it('when a method is not in the contract, then the probe tells it apart', async () => {
    const outcome = await callEmpty(service.grpcPort, `/${SERVICE_NAME}/NoSuchMethod`);
    assert.equal(outcome.code, Code.UNIMPLEMENTED);
    assert.equal(outcome.reason, undefined);
  });
});

// Readiness is what the RPCs need (src/app.ts): reads fall back to PostgreSQL without Redis; read events are best effort.
describe('timeline-svc health with a dependency down', () => {
  it('when Kafka does not answer, then the process stays live and ready', async () => {
    const service = await startService(testConfig({ KAFKA_BROKERS: '127.0.0.1:1' }), log);
    try {
      assert.equal(await healthStatus(service.grpcPort), Serving.SERVING);
      assert.equal(await waitForHealth(service.grpcPort, Serving.SERVING, 5000, SERVICE_NAME), Serving.SERVING);
    } finally {
      await service.stop();
    }
  });

  it('when Redis does not answer, then the process stays live and ready', async () => {
    const service = await startService(testConfig({ REDIS_URL: 'redis://127.0.0.1:1' }), log);
    try {
      assert.equal(await healthStatus(service.grpcPort), Serving.SERVING);
      assert.equal(await waitForHealth(service.grpcPort, Serving.SERVING, 5000, SERVICE_NAME), Serving.SERVING);
    } finally {
      await service.stop();
    }
  });
});
