// Component test, one table over the six services: each boots in this process on port 0 against
// the real PostgreSQL, Redis and Kafka, reports liveness and readiness through the generated health
// client, lists itself through reflection, registers every RPC of its contract, tells an unknown
// method apart, stays live and ready while a dependency it can do without is down, and stops.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { HealthCheckResponse_ServingStatus as Serving } from '@dailyfeed/gen/grpc/health/v1/health';
import { declaredMethods } from './support/contracts.ts';
import { callEmpty, Code, healthStatus, reflectionServices, waitForHealth } from './support/grpc.ts';
import { migrateService, TEST_DATABASE_URL, type ServiceName } from './support/spawn-service.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READ_URL = TEST_DATABASE_URL.replace(/^postgres(ql)?:\/\/[^@/]*@/, 'postgres://dailyfeed_timeline_ro@');
const log = pino({ level: 'silent' });
// The runner's own Redis and Kafka (tests must not reach the shared ones on the default ports).
const infra = { REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092' };
const id = randomUUID().slice(0, 8);
const DOWN = { KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1' } as const;

interface Row {
  readonly service: ServiceName;
  /** The fewest RPCs its contract has (so an empty descriptor read cannot pass). */
  readonly minMethods: number;
  /** Settings beyond the common ones. */
  readonly env?: Record<string, string>;
  /** Dependencies its readiness does not need (src/app.ts of each). */
  readonly canLose: readonly (keyof typeof DOWN)[];
}

const TABLE: readonly Row[] = [
  // The cheapest password hash the schema allows: Login and Signup are called, on a shared machine.
  { service: 'member', minMethods: 30, env: { PASSWORD_SCRYPT_LOG_N: '14' }, canLose: ['REDIS_URL'] },
  { service: 'content', minMethods: 14, env: { OUTBOX_RELAY_INTERVAL_MS: '0' }, canLose: [] },
  { service: 'timeline', minMethods: 15, env: { CONTENT_READ_DATABASE_URL: READ_URL }, canLose: ['KAFKA_BROKERS', 'REDIS_URL'] },
  { service: 'image', minMethods: 4, canLose: ['REDIS_URL'] },
  { service: 'search', minMethods: 7, canLose: ['KAFKA_BROKERS', 'REDIS_URL'] },
  {
    service: 'activity',
    minMethods: 5,
    env: { ACTIVITY_TOPIC_PREFIX: `test-${id}-member-activity-`, KAFKA_CONSUMER_GROUP: `test-activity-boot-${id}`, MEMBER_ADDR: '127.0.0.1:1' },
    canLose: ['KAFKA_BROKERS', 'REDIS_URL'],
  },
];

interface Running {
  readonly grpcPort: number;
  stop(): Promise<void>;
}

/** The service's own boot path: its config schema and startService, loaded by name. */
async function boot(row: Row, overrides: Record<string, string> = {}): Promise<Running> {
  const { loadConfig } = (await import(`../services/${row.service}/src/config.ts`)) as { loadConfig: (env: Record<string, string>) => unknown };
  const { startService } = (await import(`../services/${row.service}/src/app.ts`)) as { startService: (config: unknown, logger: typeof log) => Promise<Running> };
  const config = loadConfig({ GRPC_PORT: '0', METRICS_PORT: '0', DATABASE_URL: TEST_DATABASE_URL, ...infra, LOG_LEVEL: 'silent', HEALTH_INTERVAL_MS: '200', ...row.env, ...overrides });
  return startService(config, log);
}

for (const row of TABLE) {
  describe(`${row.service}-svc boot`, () => {
    let service: Running;
    let serviceName = '';

    before(async () => {
      migrateService(row.service, row.service === 'timeline' ? { CONTENT_READ_DATABASE_URL: READ_URL } : {});
      serviceName = ((await import(`../services/${row.service}/src/server.ts`)) as { SERVICE_NAME: string }).SERVICE_NAME;
      service = await boot(row);
    });
    after(() => service.stop());

    it('when its dependencies answer, then liveness ("") and readiness (the service name) report SERVING', async () => {
      assert.equal(await waitForHealth(service.grpcPort, Serving.SERVING, 10_000, serviceName), Serving.SERVING);
      assert.equal(await healthStatus(service.grpcPort), Serving.SERVING);
    });

    it('when a reflection client lists the services, then it names this service and grpc.health.v1.Health', async () => {
      const listed = await reflectionServices(service.grpcPort);
      assert.ok(listed.includes(serviceName), `listed: ${listed.join(', ')}`);
      assert.ok(listed.includes('grpc.health.v1.Health'), `listed: ${listed.join(', ')}`);
    });

    it('when a method of proto/ is called, then the service has registered it', async () => {
      const methods = declaredMethods(serviceName);
      assert.ok(methods.length >= row.minMethods, `expected the whole ${serviceName} contract, found ${methods.length} RPCs`);
      for (const path of methods) {
        const outcome = await callEmpty(service.grpcPort, path);
        // An unregistered method fails with grpc-js's own UNIMPLEMENTED and no ErrorInfo; every
        // answer from a registered handler is a success or carries our ErrorInfo reason.
        assert.ok(outcome.code === Code.OK || outcome.reason !== undefined, `${path} is not registered: ${outcome.details}`);
      }
    });

    it('when a method is not in the contract, then the probe tells it apart', async () => {
      const outcome = await callEmpty(service.grpcPort, `/${serviceName}/NoSuchMethod`);
      assert.equal(outcome.code, Code.UNIMPLEMENTED);
      assert.equal(outcome.reason, undefined);
    });

    it('when settings are invalid, then the process exits 2 before serving, naming each variable and its rule', () => {
      const run = spawnSync(process.execPath, [`${ROOT}services/${row.service}/src/main.ts`], {
        env: { ...process.env, GRPC_PORT: '70000', LOG_LEVEL: 'loud' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`^${row.service}-svc: invalid configuration`));
      assert.match(run.stderr, /GRPC_PORT/);
      assert.match(run.stderr, /<=65535/);
      assert.match(run.stderr, /LOG_LEVEL/);
    });

    for (const dependency of row.canLose) {
      it(`when ${dependency === 'REDIS_URL' ? 'Redis' : 'Kafka'} does not answer, then the process stays live and ready`, async () => {
        const degraded = await boot(row, { [dependency]: DOWN[dependency] });
        try {
          assert.equal(await healthStatus(degraded.grpcPort), Serving.SERVING);
          assert.equal(await waitForHealth(degraded.grpcPort, Serving.SERVING, 5000, serviceName), Serving.SERVING);
        } finally {
          await degraded.stop();
        }
      });
    }
  });
}
