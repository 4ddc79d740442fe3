// STYLE rule 6 for every service, run as in production (its own process, SIGTERM): health goes
// NOT_SERVING first, consumers stop (where there are any), the server drains with tryShutdown and
// falls back to forceShutdown at its deadline, pools close, the last log line is written, and the
// process exits 0 within the Deployment's terminationGracePeriodSeconds. A health Watch stream is
// kept open through the shutdown (as a client-side health checker would), so tryShutdown cannot
// finish on its own and the deadline fallback is exercised too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { credentials, Metadata } from '@grpc/grpc-js';
import { HealthClient } from '@dailyfeed/gen/grpc/health/v1/health';
import { LIFECYCLE, terminationGraceSeconds } from '../mesh/src/policy.ts';
import { spawnService, type ServiceName } from './support/spawn-service.ts';

const SHUTDOWN_TIMEOUT_MS = 1500;
const WITH_CONSUMERS = new Set<ServiceName>(['timeline', 'search', 'activity']);
const SERVICES: readonly ServiceName[] = ['member', 'content', 'timeline', 'image', 'search', 'activity'];

/** The `msg` (and `how`) of each pino line the process wrote, in time order (the test pipes two
 * streams into one file, so file order alone is not proof; the sort is stable for equal times). */
function logLines(file: string): { msg: string; how?: string; time: number }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg: string; how?: string; time: number })
    .sort((a, b) => a.time - b.time);
}

describe('graceful shutdown on SIGTERM', () => {
  for (const name of SERVICES) {
    it(`when ${name}-svc gets SIGTERM, then it stops in STYLE's order and exits 0 within the grace period`, async () => {
      const service = await spawnService(name, { SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS), MEMBER_ADDR: '127.0.0.1:1', IMAGE_ADDR: '127.0.0.1:1', TIMELINE_ADDR: '127.0.0.1:1' });
      const watcher = new HealthClient(service.address, credentials.createInsecure());
      const watch = watcher.watch({ service: '' }, new Metadata());
      watch.on('error', () => undefined);
      await new Promise((resolve) => watch.once('data', resolve));
      const exited = new Promise<number | null>((resolve) => service.process.once('exit', (code) => resolve(code)));
      const started = Date.now();
      service.process.kill('SIGTERM');
      const code = await exited;
      const elapsedMs = Date.now() - started;
      watcher.close();

      assert.equal(code, 0);
      // The grace period the manifests give, less the preStop sleep that runs before SIGTERM.
      assert.ok(elapsedMs < (terminationGraceSeconds() - LIFECYCLE.preStopSeconds) * 1000, `took ${elapsedMs} ms`);
      const lines = logLines(service.logFile);
      const steps = ['shutting down', 'health NOT_SERVING', ...(WITH_CONSUMERS.has(name) ? ['consumers stopped'] : []), 'grpc server stopped', 'shutdown complete'];
      const at = steps.map((step) => lines.findIndex((l) => l.msg === step));
      assert.ok(at.every((i) => i >= 0), `missing steps: ${steps.filter((_, k) => (at[k] ?? -1) < 0).join(', ')}`);
      assert.deepEqual([...at].sort((a, b) => a - b), at, `out of order: ${lines.map((l) => l.msg).join(' | ')}`);
      // The open Watch stream keeps tryShutdown waiting: the deadline fell back to forceShutdown.
      assert.equal(lines.find((l) => l.msg === 'grpc server stopped')?.how, 'forced');
      assert.equal(lines.at(-1)?.msg, 'shutdown complete');
    });
  }
});
