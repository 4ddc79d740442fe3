// The consumer process is SIGKILLed in the middle of a stream and started again with the same
// group: the messages whose offsets were not committed are delivered again, and the unique
// message key turns the redelivery into duplicates — every event stored exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { spawnService, type SpawnedService } from '../../../test/support/spawn-service.ts';
import { activityEvent, admin, countRows, createTopic, deleteTopics, eventually, publish, T, testMemberId, uniqueNames } from './support/helpers.ts';

describe('activity listener crash', () => {
  const names = uniqueNames();
  const env = {
    ACTIVITY_TOPIC_PREFIX: names.prefix,
    KAFKA_CONSUMER_GROUP: names.group,
    TOPIC_REFRESH_MS: '1000',
    CONSUMER_CHUNK_SIZE: '200',
    // The killed member's partitions move after this long.
    CONSUMER_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
  };
  let running: SpawnedService | undefined;

  before(() => createTopic(names.today));
  after(async () => {
    await running?.kill();
    await deleteTopics([names.today]);
    await admin.end();
  });

  it('when the consumer is SIGKILLed mid-stream and restarted, then every event is stored exactly once', async () => {
    const member = testMemberId();
    const total = 20_000;
    const events = Array.from({ length: total }, (_, i) => activityEvent(member, T.MEMBER_ACTIVITY_TYPE_POST_UPDATE, i));
    await publish(names.today, events);

    const t0 = Date.now();
    running = await spawnService('activity', env);
    process.stdout.write(`# spawned after ${Date.now() - t0} ms\n`);
    const seenBeforeKill = await eventually(
      async () => {
        const { rows } = await countRows(member);
        return rows >= 2000 ? rows : undefined;
      },
      60_000,
      'the first instance to be mid-stream',
    );
    process.stdout.write(`# mid-stream after ${Date.now() - t0} ms\n`);
    await running.kill();
    const atKill = (await countRows(member)).rows;
    process.stdout.write(`# killed with ${atKill} of ${total} stored\n`);
    assert.ok(atKill < total, `the kill came too late to prove anything (${atKill} of ${total} stored, ${seenBeforeKill} seen)`);

    const t1 = Date.now();
    running = await spawnService('activity', env);
    process.stdout.write(`# respawned after ${Date.now() - t1} ms\n`);
    await eventually(async () => ((await countRows(member)).rows === total ? true : undefined), 90_000, 'every event stored');
    process.stdout.write(`# all stored ${Date.now() - t1} ms after the restart\n`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await countRows(member), { rows: total, keys: total });
    await running.stop();
    running = undefined;
  });
});
