// The fault drills' short version (bench/drills.ts with one small burst each): one test per
// drill, each printing its ledger, so a failing drill names itself in the test report. The stack
// runs on its own database (dailyfeed_drills_test, re-created), redis-server and Kafka broker,
// started here on free ports; the developer's stack and the test infrastructure are not touched.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DRILL_NAMES, runDrillSafely, type DrillName } from '../bench/drills/drills.ts';
import { formatLedger } from '../bench/drills/report.ts';
import { openSession, SHORT, type Session } from '../bench/drills/session.ts';

const WHAT: Record<DrillName, string> = {
  kafka: 'when Kafka stops mid-burst and comes back, then every acknowledged write reaches every store once, within 10 s of the broker',
  'activity-kill': 'when activity-svc is SIGKILLed mid-burst and restarted, then every event is stored once',
  'content-kill': 'when content-svc is SIGKILLed mid-burst and restarted, then writes fail with 503 at most and none is lost or doubled',
  postgres: 'when PostgreSQL becomes unreachable mid-burst, then requests fail with 503 (never 500) and nothing acknowledged is lost',
  redis: 'when Redis restarts empty mid-burst, then revoked tokens stay refused and no event is lost',
  poison: 'when a poison message lands on the day topic, then it is parked and every other event is stored once',
  overload: 'when the edge is offered twice its saturation, then the excess is shed with 503 + Retry-After and nothing is lost (the p99 ratio is printed; the full drills judge it)',
};

describe('fault drills (short)', () => {
  let session: Session | undefined;

  before(async () => {
    session = await openSession({ database: 'dailyfeed_drills_test', size: SHORT, log: (line) => process.stdout.write(`# ${line}\n`) });
  }, { timeout: 600_000 });

  after(async () => {
    await session?.close();
  }, { timeout: 120_000 });

  for (const name of DRILL_NAMES) {
    it(`${WHAT[name]} (drill ${name})`, async (t) => {
      assert.ok(session, 'the drill stack started');
      const result = await runDrillSafely(session, name);
      const ledger = formatLedger(result);
      t.diagnostic(ledger);
      const healed = await session.heal();
      if (healed.length > 0) t.diagnostic(`restarted after the drill: ${healed.join(', ')}`);
      assert.deepEqual(result.failures, [], ledger);
    });
  }
});
