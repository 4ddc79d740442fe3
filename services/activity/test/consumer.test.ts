// Component tests of the listener against the real Kafka, PostgreSQL and Redis: dedup of
// redelivered events, a poison message that does not block its partition, a day topic created
// after the consumer started, and the pipeline metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import type { RunningService } from '../src/app.ts';
import { dayTopic } from '../src/domain/topics.ts';
import {
  activityEvent,
  admin,
  countRows,
  createTopic,
  deadLettersOf,
  deleteTopics,
  eventually,
  metricsText,
  metricValue,
  migrateOnce,
  poisonEvent,
  publish,
  startActivity,
  T,
  testMemberId,
  uniqueNames,
} from './support/helpers.ts';

describe('activity listener', () => {
  const names = uniqueNames();
  const tomorrow = dayTopic(names.prefix, new Date(Date.now() + 86_400_000));
  let service: RunningService;

  before(async () => {
    await migrateOnce();
    await createTopic(names.today);
    service = await startActivity({ prefix: names.prefix, group: names.group });
    await eventually(async () => (service.consumer?.subscribedTopics().includes(names.today) ? true : undefined), 20_000, 'subscription');
  });
  after(async () => {
    await service.stop();
    await deleteTopics([names.today, tomorrow]);
    await admin.end();
  });

  it('when the same event is delivered three times, then one row is stored and two duplicates are counted', async () => {
    const member = testMemberId();
    const event = activityEvent(member, T.MEMBER_ACTIVITY_TYPE_POST_UPDATE, 1);
    const before = metricValue(await metricsText(service.metricsPort), 'dailyfeed_activity_duplicates_dropped_total');
    await publish(names.today, [event]);
    await eventually(async () => ((await countRows(member)).rows === 1 ? true : undefined), 20_000, 'first delivery');
    // Redeliveries: one in a later batch (Redis or PostgreSQL catches it), two in the same batch.
    await publish(names.today, [event, event]);
    await eventually(
      async () => {
        const dropped = metricValue(await metricsText(service.metricsPort), 'dailyfeed_activity_duplicates_dropped_total');
        return dropped - before >= 2 ? true : undefined;
      },
      20_000,
      'two duplicates dropped',
    );
    assert.deepEqual(await countRows(member), { rows: 1, keys: 1 });
  });

  it('when the Redis hint is missing, then the PostgreSQL unique key still drops the duplicate', async () => {
    const member = testMemberId();
    const event = activityEvent(member, T.MEMBER_ACTIVITY_TYPE_LIKE_POST, 2);
    await publish(names.today, [event]);
    await eventually(async () => ((await countRows(member)).rows === 1 ? true : undefined), 20_000, 'first delivery');
    const before = metricValue(await metricsText(service.metricsPort), 'dailyfeed_activity_duplicates_dropped_total', { source: 'postgres' });
    const { Redis } = await import('ioredis');
    const redis = new Redis('redis://127.0.0.1:6379');
    await redis.del(`member_activity:kafka_key:${event.key}`);
    redis.disconnect();
    await publish(names.today, [event]);
    await eventually(
      async () => {
        const now = metricValue(await metricsText(service.metricsPort), 'dailyfeed_activity_duplicates_dropped_total', { source: 'postgres' });
        return now > before ? true : undefined;
      },
      20_000,
      'a duplicate dropped by PostgreSQL',
    );
    assert.deepEqual(await countRows(member), { rows: 1, keys: 1 });
  });

  it('when a poison message sits between good events of a partition, then it is parked as a dead letter and the partition keeps flowing', async () => {
    const member = testMemberId();
    const poison = poisonEvent();
    const events = [activityEvent(member, T.MEMBER_ACTIVITY_TYPE_POST_CREATE, 1), poison, activityEvent(member, T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, 2)];
    await publish(names.today, events, 3);
    await eventually(async () => ((await countRows(member)).rows === 2 ? true : undefined), 20_000, 'both good events stored');
    // The chunk's rows are inserted before its dead letters (handlers/activity-listener.ts): the
    // letter may land a moment after the rows are visible.
    const letters = await eventually(async () => {
      const found = (await deadLettersOf(names.prefix)).filter((l) => l.message_key === poison.key);
      return found.length > 0 ? found : undefined;
    }, 20_000, 'the poison parked');
    assert.equal(letters.length, 1);
    const [letter] = letters;
    assert.equal(letter?.state, 'PARKED');
    assert.equal(letter?.partition, 3);
    assert.deepEqual(letter?.payload, poison.value);
    assert.match(letter?.last_error ?? '', /undecodable/);
  });

  it('when an event breaks the contract (unknown type), then it is dead-lettered at once, not stored', async () => {
    const member = testMemberId();
    const bad = activityEvent(member, 99 as MemberActivityType, 7);
    const good = activityEvent(member, T.MEMBER_ACTIVITY_TYPE_POST_DELETE, 8);
    await publish(names.today, [bad, good], 1);
    await eventually(async () => ((await countRows(member)).rows === 1 ? true : undefined), 20_000, 'the good event stored');
    const letter = await eventually(
      async () => (await deadLettersOf(names.prefix)).find((l) => l.message_key === bad.key),
      10_000,
      'dead letter of the bad event',
    );
    assert.equal(letter.state, 'PARKED');
    assert.match(letter.last_error, /UNDEFINED_ACTIVITY_EVENT_TYPE/);
  });

  it('when a day topic is created after the consumer started, then its events are consumed without a restart', async () => {
    const member = testMemberId();
    await createTopic(tomorrow);
    await eventually(async () => (service.consumer?.subscribedTopics().includes(tomorrow) ? true : undefined), 20_000, 'subscription to the new topic');
    await publish(tomorrow, [activityEvent(member, T.MEMBER_ACTIVITY_TYPE_POST_CREATE, 1), activityEvent(member, T.MEMBER_ACTIVITY_TYPE_POST_READ, 2)]);
    await eventually(async () => ((await countRows(member)).rows === 2 ? true : undefined), 30_000, 'events of the new topic stored');
  });

  it('when events were consumed, then /metrics shows processed events, lag per partition and dead letters by state', async () => {
    const text = await eventually(
      async () => {
        const t = await metricsText(service.metricsPort);
        return t.includes(`dailyfeed_kafka_consumer_lag{topic="${names.today}",partition="3"`) ? t : undefined;
      },
      20_000,
      'lag gauge',
    );
    assert.ok(metricValue(text, 'dailyfeed_activity_events_processed_total', { outcome: 'stored' }) >= 5);
    assert.ok(metricValue(text, 'dailyfeed_dead_letters', { state: 'PARKED' }) >= 2);
    // Everything published so far is committed: lag drains to 0.
    await eventually(
      async () => (metricValue(await metricsText(service.metricsPort), 'dailyfeed_kafka_consumer_lag', { topic: names.today }) === 0 ? true : undefined),
      20_000,
      'zero lag',
    );
  });
});
