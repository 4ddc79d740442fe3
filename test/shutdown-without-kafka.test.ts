// Every Kafka-using service (content, timeline, activity, search) stops within its grace when
// Kafka is gone: each runs as its own process with a live producer or consumer, their broker (one
// of the test's own, on free ports: bench/drills/infra.ts) is stopped, and SIGTERM must end each process before Kubernetes
// would SIGKILL it — terminationGracePeriodSeconds minus the preStop sleep (mesh/src/policy.ts).
// Without the services' bounded Kafka stops, kafkajs retries the commit, the group leave and the
// disconnect: with search's stopWithin (services/search/src/adapters/index-consumer.ts) replaced by
// a plain stop() + disconnect(), search took 35 s and this test fails; so does timeline without its
// own (fanout-consumer.ts: still running at 15 s). A broker of its own, not the run's: infra.sh
// cannot stop a broker another checkout started, and the test would then test nothing.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { LIFECYCLE, terminationGraceSeconds } from '../mesh/src/policy.ts';
import { createKafka } from '../bench/drills/infra.ts';
import { spawnService, TEST_DATABASE_URL, type ServiceName, type SpawnedService } from './support/spawn-service.ts';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const broker = await createKafka(repoRoot, join(repoRoot, '.run', 'tests'));
await broker.start();
const BROKERS = [broker.brokers];
const GRACE_AFTER_SIGTERM_MS = (terminationGraceSeconds() - LIFECYCLE.preStopSeconds) * 1000;
const READ_URL = TEST_DATABASE_URL.replace('postgres://postgres@', 'postgres://dailyfeed_timeline_ro@');

const day = (d: Date) => `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;

describe('shutdown with Kafka gone', () => {
  const id = randomBytes(4).toString('hex');
  const prefix = `test-${id}-member-activity-`;
  const services: SpawnedService[] = [];
  const admin = new Kafka({ clientId: `shutdown-test-${id}`, brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();

  before(async () => {
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: `${prefix}${day(new Date())}`, numPartitions: 3 }] });
    await admin.disconnect();
    const common = { KAFKA_BROKERS: BROKERS.join(','), TOPIC_REFRESH_MS: '500', MEMBER_ADDR: '127.0.0.1:1', LOG_LEVEL: 'info' };
    // One at a time, and a boot that misses spawnService's 30 s readiness bound on a loaded
    // machine is tried again (the setup is retried, never the assertion).
    const spawnRetrying = async (name: ServiceName, env: Record<string, string>): Promise<SpawnedService> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await spawnService(name, env);
        } catch (err) {
          if (attempt === 3) throw err;
        }
      }
    };
    services.push(await spawnRetrying('content', common));
    services.push(await spawnRetrying('timeline', { ...common, ACTIVITY_TOPIC_PREFIX: prefix, FANOUT_GROUP_ID: `test-fanout-${id}`, CONTENT_READ_DATABASE_URL: READ_URL }));
    services.push(await spawnRetrying('activity', { ...common, ACTIVITY_TOPIC_PREFIX: prefix, KAFKA_CONSUMER_GROUP: `test-activity-${id}` }));
    services.push(await spawnRetrying('search', { ...common, SEARCH_TOPIC_PREFIX: prefix, SEARCH_GROUP_ID: `test-search-${id}`, TIMELINE_ADDR: '127.0.0.1:1' }));
    // Let the consumers join their groups and fetch, so there is a live member to stop.
    await new Promise((r) => setTimeout(r, 5_000));
  }, { timeout: 420_000 }); // four boots, each possibly retried, on a loaded machine

  after(async () => {
    await Promise.all(services.map((s) => s.kill()));
    await broker.dispose();
  });

  it(`when Kafka is down and each service gets SIGTERM, then each exits within its grace (${GRACE_AFTER_SIGTERM_MS / 1000} s after SIGTERM)`, async (t) => {
    await broker.stop();
    // As Kubernetes does, a process still running when the grace is over is SIGKILLed (its exit
    // code is then null), so a hang fails the test after the grace instead of after the hang.
    const took = await Promise.all(
      services.map(async (service) => {
        const started = Date.now();
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, GRACE_AFTER_SIGTERM_MS)));
        await Promise.race([service.stop(), graceOver]);
        clearTimeout(timer);
        const ms = Date.now() - started;
        const killed = service.process.exitCode === null && service.process.signalCode === null;
        await service.kill();
        return { name: service.name, ms, code: service.process.exitCode, killed };
      }),
    );
    for (const { name, ms, code, killed } of took) t.diagnostic(killed ? `${name}: still running after ${ms} ms, SIGKILLed` : `${name}: exited ${code} after ${ms} ms`);
    for (const { name, ms, code } of took) {
      assert.ok(ms < GRACE_AFTER_SIGTERM_MS, `${name} took ${ms} ms to stop (grace ${GRACE_AFTER_SIGTERM_MS} ms)`);
      assert.equal(code, 0, `${name} exited cleanly`);
    }
  });
});
