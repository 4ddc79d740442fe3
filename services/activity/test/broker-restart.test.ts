// The listener rides out a Kafka broker restart: events published before the stop and after the
// restart are all stored once, without restarting activity-svc, and the consumer is back within
// 10 s of the broker. It stops the SHARED broker (as
// content-svc's outage test does), so it only runs when asked: ACTIVITY_KAFKA_RESTART_TEST=1.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { RunningService } from '../src/app.ts';
import { activityEvent, admin, countRows, createTopic, deleteTopics, eventually, migrateOnce, publish, startActivity, T, testMemberId, uniqueNames } from './support/helpers.ts';

const infraSh = fileURLToPath(new URL('../../../infra/infra.sh', import.meta.url));
const infra = (command: 'kafka-down' | 'kafka-up') => execFileSync('bash', [infraSh, command], { stdio: 'ignore', timeout: 120_000 });
const skip = process.env.ACTIVITY_KAFKA_RESTART_TEST === '1' ? false : 'stops the shared broker; opt in with ACTIVITY_KAFKA_RESTART_TEST=1';

describe('activity listener across a broker restart', { skip }, () => {
  const names = uniqueNames();
  let service: RunningService;

  before(async () => {
    await migrateOnce();
    await createTopic(names.today);
    service = await startActivity({ prefix: names.prefix, group: names.group });
    await eventually(async () => (service.consumer?.subscribedTopics().includes(names.today) ? true : undefined), 20_000, 'subscription');
  });
  after(async () => {
    infra('kafka-up');
    await service.stop();
    await deleteTopics([names.today]);
    await admin.end();
  });

  it('when the broker stops and comes back, then events from before and after are all stored once, the later ones within 10 s of the broker coming back', async () => {
    const member = testMemberId();
    const events = Array.from({ length: 200 }, (_, i) => activityEvent(member, T.MEMBER_ACTIVITY_TYPE_POST_UPDATE, i));
    await publish(names.today, events.slice(0, 100));
    await eventually(async () => ((await countRows(member)).rows === 100 ? true : undefined), 20_000, 'the first half stored');
    infra('kafka-down');
    await new Promise((r) => setTimeout(r, 5000));
    infra('kafka-up');
    const back = Date.now();
    await publish(names.today, events.slice(100));
    await eventually(async () => ((await countRows(member)).rows === 200 ? true : undefined), 90_000, 'the second half stored');
    // Issue 17 asks for consumers back within 10 s of the broker (this 5 s outage is ridden out
    // by kafkajs's retries under the same group member; a longer one that crashes the consumer is
    // not covered here).
    const rejoinMs = Date.now() - back;
    assert.ok(rejoinMs < 10_000, `the second half took ${rejoinMs} ms after the broker was back`);
    assert.deepEqual(await countRows(member), { rows: 200, keys: 200 });
  });
});
