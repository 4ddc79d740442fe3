// PostgreSQL unavailable during consumption, two ways, each against an instance with a login
// role of its own (the shared cluster keeps serving everyone else):
//  - the activity INSERT is refused (privilege revoked): the listener stores dead letters and
//    commits; after recovery the replay job completes them;
//  - PostgreSQL refuses the connection altogether (role NOLOGIN, backends terminated): not even
//    dead letters can be stored, so nothing is committed and the chunk is retried until
//    PostgreSQL is back.
// Either way: none lost, none doubled.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningService } from '../src/app.ts';
import {
  activityEvent,
  admin,
  countRows,
  createServiceRole,
  createTopic,
  deadLettersOf,
  deleteTopics,
  eventually,
  metricsText,
  metricValue,
  migrateOnce,
  publish,
  startActivity,
  T,
  terminate,
  testMemberId,
  uniqueNames,
  type TestEvent,
} from './support/helpers.ts';

function eventsOf(member: string, n: number): TestEvent[] {
  const types = [T.MEMBER_ACTIVITY_TYPE_POST_CREATE, T.MEMBER_ACTIVITY_TYPE_LIKE_POST, T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, T.MEMBER_ACTIVITY_TYPE_POST_READ];
  return Array.from({ length: n }, (_, i) => activityEvent(member, types[i % types.length]!, i));
}

describe('PostgreSQL unavailable during consumption', () => {
  const topics: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  before(() => migrateOnce());
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await deleteTopics(topics);
    await admin.end();
  });

  const start = async (env: Record<string, string> = {}) => {
    const names = uniqueNames();
    topics.push(names.today);
    await createTopic(names.today);
    const role = await createServiceRole();
    const service: RunningService = await startActivity({ prefix: names.prefix, group: names.group, databaseUrl: role.url, env });
    cleanups.push(() => role.drop(), () => service.stop());
    await eventually(async () => (service.consumer?.subscribedTopics().includes(names.today) ? true : undefined), 20_000, 'subscription');
    return { names, role, service };
  };

  it('when the activity insert is refused, then events land in dead letters, and after recovery the replay job completes them: none lost, none doubled', async () => {
    const { names, role } = await start({ REPLAY_MAX_ATTEMPTS: '1000' });
    await admin.query(`revoke insert on activity.activities from ${role.role}`);
    const member = testMemberId();
    const events = eventsOf(member, 200);
    // Every fourth event is delivered twice.
    await publish(names.today, [...events, ...events.filter((_, i) => i % 4 === 0)]);
    const letters = await eventually(
      async () => {
        const all = await deadLettersOf(names.prefix);
        return new Set(all.map((l) => l.message_key)).size === events.length ? all : undefined;
      },
      30_000,
      'a dead letter for every event',
    );
    assert.ok(letters.every((l) => l.state === 'PENDING' && l.last_error.includes('42501')));
    assert.deepEqual(await countRows(member), { rows: 0, keys: 0 });

    await admin.query(`grant insert on activity.activities to ${role.role}`);
    await eventually(
      async () => ((await deadLettersOf(names.prefix)).every((l) => l.state === 'COMPLETED') ? true : undefined),
      30_000,
      'every dead letter completed',
    );
    assert.deepEqual(await countRows(member), { rows: events.length, keys: events.length });
  });

  it('when PostgreSQL refuses connections, then nothing is committed while it is out, and after recovery every event is stored once', async () => {
    const { names, role, service } = await start();
    await admin.query(`alter role ${role.role} nologin`);
    await terminate(role.role);
    const member = testMemberId();
    const events = eventsOf(member, 300);
    await publish(names.today, [...events, ...events.slice(0, 30)]);
    // While it is out: no rows, no dead letters, and the lag shows the uncommitted events.
    await eventually(
      async () => (metricValue(await metricsText(service.metricsPort), 'dailyfeed_kafka_consumer_lag', { topic: names.today }) === 330 ? true : undefined),
      20_000,
      'lag of every published event',
    );
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await countRows(member), { rows: 0, keys: 0 });
    assert.equal((await deadLettersOf(names.prefix)).length, 0);

    await admin.query(`alter role ${role.role} login`);
    await eventually(async () => ((await countRows(member)).rows === events.length ? true : undefined), 30_000, 'every event stored');
    await eventually(
      async () => (metricValue(await metricsText(service.metricsPort), 'dailyfeed_kafka_consumer_lag', { topic: names.today }) === 0 ? true : undefined),
      20_000,
      'offsets committed',
    );
    assert.deepEqual(await countRows(member), { rows: events.length, keys: events.length });
    assert.equal((await deadLettersOf(names.prefix)).length, 0);
  });
});
