// Dead letters that keep failing: the replay job retries them with growing delays and parks
// them after the attempt limit; the operator RPCs list, count and replay them; the
// `replay-dead-letters` command does one pass from the command line.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { DeadLetterState } from '@dailyfeed/gen/common/v1/common';
import type { ActivityServiceClient } from '@dailyfeed/gen/activity/v1/activity';
import { Code, reasonOf } from '../../../test/support/grpc.ts';
import type { ServiceError } from '@grpc/grpc-js';
import type { RunningService } from '../src/app.ts';
import {
  activityClient,
  activityEvent,
  admin,
  countRows,
  createServiceRole,
  createTopic,
  deadLettersOf,
  deleteTopics,
  eventually,
  migrateOnce,
  publish,
  startActivity,
  T,
  testMemberId,
  unary,
  uniqueNames,
} from './support/helpers.ts';

const run = promisify(execFile);
const mainTs = fileURLToPath(new URL('../src/main.ts', import.meta.url));

const failsWith = (code: Code, reason: string) => (err: unknown) => {
  const e = err as ServiceError;
  assert.equal(e.code, code);
  assert.equal(reasonOf(e), reason);
  return true;
};

describe('listener dead-letter replay', () => {
  const names = uniqueNames();
  let role: Awaited<ReturnType<typeof createServiceRole>>;
  let service: RunningService;
  let client: ActivityServiceClient;

  before(async () => {
    await migrateOnce();
    await createTopic(names.today);
    role = await createServiceRole();
    service = await startActivity({
      prefix: names.prefix,
      group: names.group,
      databaseUrl: role.url,
      // 1 listener retry = 2 attempts when dead-lettered; replays 3..5; parked after the 5th.
      env: { LISTENER_RETRIES: '1', REPLAY_MAX_ATTEMPTS: '5', REPLAY_BASE_DELAY_MS: '300', REPLAY_MAX_DELAY_MS: '5000', REPLAY_INTERVAL_MS: '100' },
    });
    client = activityClient(service.grpcPort);
    await eventually(async () => (service.consumer?.subscribedTopics().includes(names.today) ? true : undefined), 20_000, 'subscription');
  });
  after(async () => {
    client.close();
    await service.stop();
    await role.drop();
    await deleteTopics([names.today]);
    await admin.end();
  });

  it('when a dead letter keeps failing, then it is retried with growing delays and PARKED after the attempt limit', async () => {
    await admin.query(`revoke insert on activity.activities from ${role.role}`);
    const member = testMemberId();
    const event = activityEvent(member, T.MEMBER_ACTIVITY_TYPE_COMMENT_UPDATE, 1);
    await publish(names.today, [event]);
    // Watch the letter's attempts and the delay before each next attempt.
    const delays = new Map<number, number>();
    const parked = await eventually(
      async () => {
        const letter = (await deadLettersOf(names.prefix)).find((l) => l.message_key === event.key);
        if (!letter) return undefined;
        if (letter.state === 'PENDING' && !delays.has(letter.attempts)) {
          const r = await admin.query<{ ms: number }>(
            'select extract(epoch from next_attempt_at - updated_at) * 1000 as ms from activity.listener_dead_letters where id = $1',
            [letter.id],
          );
          delays.set(letter.attempts, Number(r.rows[0]?.ms));
        }
        return letter.state === 'PARKED' ? letter : undefined;
      },
      30_000,
      'the letter to be parked',
    );
    assert.equal(parked.attempts, 5);
    assert.match(parked.last_error, /42501/);
    // Equal jitter: the delay after attempt n is within [base*2^(n-1)/2, base*2^(n-1)].
    for (const [attempts, ms] of delays) {
      const full = Math.min(5000, 300 * 2 ** (attempts - 1));
      assert.ok(ms >= full / 2 - 50 && ms <= full + 50, `delay after attempt ${attempts} was ${ms} ms, expected ${full / 2}..${full}`);
    }
    assert.ok(delays.size >= 2, `saw delays for attempts ${[...delays.keys()].join(',')}`);
    assert.deepEqual(await countRows(member), { rows: 0, keys: 0 });

    // The operator sees it, fixes the cause, and replays it.
    const counts = await unary(client.countListenerDeadLetters.bind(client), {});
    assert.equal(counts.counts?.parked, '1');
    const listed = await unary(client.listListenerDeadLetters.bind(client), { state: DeadLetterState.DEAD_LETTER_STATE_PARKED, page: 0, size: 0 });
    assert.equal(listed.content.length, 1);
    assert.equal(listed.content[0]?.messageKey, event.key);
    assert.deepEqual(listed.content[0]?.payload, event.value);
    assert.equal(listed.size, 50);
    assert.equal(listed.hasNext, false);

    await admin.query(`grant insert on activity.activities to ${role.role}`);
    const replayed = await unary(client.replayListenerDeadLetters.bind(client), { ids: [parked.id] });
    assert.equal(replayed.movedCount, '1');
    await eventually(
      async () => ((await deadLettersOf(names.prefix)).find((l) => l.id === parked.id)?.state === 'COMPLETED' ? true : undefined),
      10_000,
      'the replayed letter to complete',
    );
    assert.deepEqual(await countRows(member), { rows: 1, keys: 1 });
    // Safe to repeat: a COMPLETED letter is left alone.
    assert.equal((await unary(client.replayListenerDeadLetters.bind(client), { ids: [parked.id] })).movedCount, '0');
  });

  it('when a replay names an unknown id, then it fails with DEAD_LETTER_NOT_FOUND and moves nothing', async () => {
    await assert.rejects(unary(client.replayListenerDeadLetters.bind(client), { ids: ['999999999999'] }), failsWith(Code.NOT_FOUND, 'DEAD_LETTER_NOT_FOUND'));
  });

  it('when a replay names more than 1000 ids, then it fails with VALIDATION_FAILED', async () => {
    const ids = Array.from({ length: 1001 }, (_, i) => String(i + 1));
    await assert.rejects(unary(client.replayListenerDeadLetters.bind(client), { ids }), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED'));
  });

  it('when the list size is over 500, then it fails with VALIDATION_FAILED', async () => {
    await assert.rejects(
      unary(client.listListenerDeadLetters.bind(client), { state: DeadLetterState.DEAD_LETTER_STATE_UNSPECIFIED, page: 0, size: 501 }),
      failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED'),
    );
  });

  it('when the replay-dead-letters command runs, then it completes the due letters and exits', async () => {
    // Letters are written directly: the in-process job of this instance must not take them first,
    // so they live under a prefix of their own that only the command is pointed at.
    const other = uniqueNames();
    const member = testMemberId();
    const events = [activityEvent(member, T.MEMBER_ACTIVITY_TYPE_POST_CREATE, 1), activityEvent(member, T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT, 2)];
    for (const [i, e] of events.entries()) {
      await admin.query(
        `insert into activity.listener_dead_letters (message_key, topic, partition, "offset", payload, attempts, last_error)
         values ($1, $2, 0, $3, $4, 2, 'simulated')`,
        [e.key, other.today, i, e.value],
      );
    }
    const { stdout } = await run(process.execPath, [mainTs, 'replay-dead-letters'], {
      env: { ...process.env, DATABASE_URL: role.url, ACTIVITY_TOPIC_PREFIX: other.prefix, LOG_LEVEL: 'info' },
    });
    assert.match(stdout, /"completed":2/);
    assert.ok((await deadLettersOf(other.prefix)).every((l) => l.state === 'COMPLETED' && l.attempts === 3));
    assert.deepEqual(await countRows(member), { rows: 2, keys: 2 });
  });
});
