// Component test: the relay against a real broker. An event whose topic does not exist (the
// broker does not auto-create topics) fails every attempt: it is retried with exponential
// backoff, PARKED at the attempt limit, shown by the dead-letter RPCs, and published after an
// operator replays it once its topic exists.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { MemberActivityEvent, MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import { DeadLetterState } from '@dailyfeed/gen/common/v1/common';
import { Code } from '../../../test/support/grpc.ts';
import { contentApi, eventually, failsWith, KAFKA_BROKERS, readTopics, startStack, type ContentApi, type Stack } from './support/helpers.ts';

interface Snapshot {
  readonly state: string;
  readonly attempts: number;
  readonly delayMs: number;
  readonly lastError: string | null;
}

describe('content-svc outbox relay', () => {
  let stack: Stack;
  let api: ContentApi;
  const topic = `content-test-missing-${randomUUID()}`;
  const kafka = new Kafka({ clientId: 'content-relay-test', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });

  before(async () => {
    stack = await startStack({
      OUTBOX_MAX_ATTEMPTS: '3',
      OUTBOX_BACKOFF_BASE_MS: '300',
      OUTBOX_BACKOFF_CAP_MS: '5000',
      OUTBOX_RELAY_INTERVAL_MS: '50',
      OUTBOX_RELAY_GRACE_MS: '0',
      PUBLISH_TIMEOUT_MS: '3000',
      PUBLISH_PROBE_INTERVAL_MS: '50',
    });
    api = contentApi(stack.client);
  });
  after(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await stack.stop();
  });

  const snapshot = async (id: string): Promise<Snapshot | undefined> =>
    (
      await stack.sql<Snapshot>(
        `select state, attempts, (extract(epoch from next_attempt_at - updated_at) * 1000)::int as "delayMs", last_error as "lastError"
           from content.outbox where id = ?`,
        [id],
      )
    )[0];

  it('when publishing keeps failing, then attempts back off exponentially and the letter is PARKED at the limit, then replayed and published', async () => {
    const key = `member_activity:kafka_event:POST_DELETE###1###1###${randomUUID()}`;
    const payload = Buffer.from(
      MemberActivityEvent.encode({ messageKey: key, type: MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_DELETE, memberId: '1', postId: '1', createdAt: new Date() }).finish(),
    );
    const [row] = await stack.sql<{ id: string }>(`insert into content.outbox (message_key, topic, payload) values (?, ?, ?) returning id`, [key, topic, payload]);
    const id = row?.id ?? '';

    const seen: Snapshot[] = [];
    await eventually(
      async () => {
        const s = await snapshot(id);
        if (s && s.attempts > (seen.at(-1)?.attempts ?? 0)) seen.push(s);
        return s?.state === 'PARKED' ? s : undefined;
      },
      30_000,
      'the letter to be parked',
    );
    assert.deepEqual(
      seen.map((s) => [s.attempts, s.state]),
      [
        [1, 'PENDING'],
        [2, 'PENDING'],
        [3, 'PARKED'],
      ],
    );
    // Backoff: base 300 ms after the first failure, doubled after the second.
    assert.deepEqual(seen.slice(0, 2).map((s) => s.delayMs), [300, 600]);
    assert.ok(seen[2]?.lastError, 'the last error is kept');

    const parked = await api.listDeadLetters({ state: DeadLetterState.DEAD_LETTER_STATE_PARKED, size: 100 });
    const letter = parked.content.find((l) => l.id === id);
    assert.equal(letter?.messageKey, key);
    assert.equal(letter?.topic, topic);
    assert.equal(letter?.attempts, 3);
    assert.equal(MemberActivityEvent.decode(letter?.payload ?? Buffer.alloc(0)).messageKey, key);
    assert.ok(Number((await api.countDeadLetters()).counts?.parked) >= 1);

    // All or nothing: an unknown id fails the whole replay and nothing moves.
    await assert.rejects(api.replayDeadLetters([id, '999999999999']), failsWith(Code.NOT_FOUND, 'DEAD_LETTER_NOT_FOUND'));
    assert.equal((await snapshot(id))?.state, 'PARKED');

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    assert.deepEqual(await api.replayDeadLetters([id]), { replayed: '1' });
    await eventually(async () => ((await snapshot(id))?.state === 'COMPLETED' ? true : undefined), 20_000, 'the replayed letter to be published');
    const records = await readTopics([topic], (r) => r.some((x) => x.key === key), 20_000);
    assert.equal(records.filter((r) => r.key === key).length, 1);
    // A letter that is not PARKED is left alone and not counted.
    assert.deepEqual(await api.replayDeadLetters([id]), { replayed: '0' });
  });

  it('when the dead-letter list is asked for more than 100 per page, then VALIDATION_FAILED names `size`', async () => {
    await assert.rejects(api.listDeadLetters({ size: 101 }), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', ['size']));
    const page = await api.listDeadLetters({ size: 0 });
    assert.equal(page.size, 20);
    assert.ok(page.content.length <= 20);
  });
});
