// The read API against a real member-svc process (Signup, Login, Follow, Authenticate,
// ListFollowingIds, GetSummariesByIds): the caller's own activities, the followed members'
// activities without reads and with the actor's summary, paging, and the failure modes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { ActivityType, type ActivityServiceClient } from '@dailyfeed/gen/activity/v1/activity';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { CountryCode, Gender, MemberServiceClient, SignupRequest } from '@dailyfeed/gen/member/v1/member';
import { Code, reasonOf } from '../../../test/support/grpc.ts';
import { spawnService, type SpawnedService } from '../../../test/support/spawn-service.ts';
import type { RunningService } from '../src/app.ts';
import {
  activityClient,
  activityEvent,
  admin,
  countRows,
  createTopic,
  deleteTopics,
  eventually,
  groupState,
  migrateOnce,
  publish,
  startActivity,
  T,
  unary,
  uniqueNames,
} from './support/helpers.ts';

interface Member {
  readonly id: string;
  readonly handle: string;
  readonly md: Metadata;
}

const failsWith = (code: Code, reason: string) => (err: unknown) => {
  const e = err as ServiceError;
  assert.equal(e.code, code);
  assert.equal(reasonOf(e), reason);
  return true;
};

function authSignalOf(err: ServiceError): string | undefined {
  const raw = err.metadata.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return undefined;
  const info = Status.decode(raw).details.find((d) => d.typeUrl.endsWith('/google.rpc.ErrorInfo'));
  return info ? ErrorInfo.decode(info.value).metadata.auth_signal : undefined;
}

describe('activity read API', () => {
  const names = uniqueNames();
  let memberSvc: SpawnedService | undefined;
  let members: MemberServiceClient;
  let service: RunningService | undefined;
  let client: ActivityServiceClient;
  let alice: Member;
  let bob: Member;
  let carol: Member;

  const signup = async (label: string): Promise<Member> => {
    const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
    const email = `${label}-${suffix}@activity-test.example`;
    const handle = `${label}_${suffix}`;
    const password = 'Passw0rd!x';
    await unary(members.signup.bind(members), SignupRequest.fromPartial({ email, password, memberName: `${label} ${suffix}`, handle, displayName: `${label} display`, gender: Gender.GENDER_OTHER, countryCode: CountryCode.COUNTRY_CODE_KR }));
    const login = await unary(members.login.bind(members), { email, password, client: undefined });
    const md = new Metadata();
    md.set('authorization', `Bearer ${login.tokens?.accessToken ?? ''}`);
    return { id: login.member?.memberId ?? '', handle, md };
  };

  before(async () => {
    await migrateOnce();
    await createTopic(names.today);
    const spawned = await spawnService('member');
    memberSvc = spawned;
    members = new MemberServiceClient(spawned.address, credentials.createInsecure());
    [alice, bob, carol] = [await signup('alice'), await signup('bob'), await signup('carol')];
    await unary(members.follow.bind(members), { memberId: bob.id }, alice.md);
    await unary(members.follow.bind(members), { memberId: carol.id }, alice.md);
    service = await startActivity({ prefix: names.prefix, group: names.group, env: { MEMBER_ADDR: spawned.address } });
    client = activityClient(service.grpcPort);
    // n orders event times: a higher n is newer.
    await publish(names.today, [
      activityEvent(alice.id, T.MEMBER_ACTIVITY_TYPE_POST_CREATE, 1),
      activityEvent(alice.id, T.MEMBER_ACTIVITY_TYPE_POST_READ, 2),
      activityEvent(bob.id, T.MEMBER_ACTIVITY_TYPE_POST_CREATE, 3),
      activityEvent(bob.id, T.MEMBER_ACTIVITY_TYPE_POST_READ, 4),
      activityEvent(bob.id, T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, 5),
      activityEvent(carol.id, T.MEMBER_ACTIVITY_TYPE_COMMENT_READ, 6),
      activityEvent(carol.id, T.MEMBER_ACTIVITY_TYPE_LIKE_POST, 7),
    ]);
    await eventually(
      async () => {
        const counts = await Promise.all([alice, bob, carol].map((m) => countRows(m.id)));
        return counts.reduce((sum, c) => sum + c.rows, 0) === 7 ? true : undefined;
      },
      30_000,
      'the seven events stored',
      () => groupState(names.group, [names.today]),
    );
  });
  after(async () => {
    client?.close();
    members?.close();
    await service?.stop();
    await memberSvc?.stop();
    await deleteTopics([names.today]);
    await admin.end();
  });

  it('when a member lists their activities, then they come newest first, reads included, without actor fields', async () => {
    const page = await unary(client.listMyActivities.bind(client), { page: 0, size: 0 }, alice.md);
    assert.deepEqual(
      page.content.map((a) => a.type),
      [ActivityType.ACTIVITY_TYPE_POST_READ, ActivityType.ACTIVITY_TYPE_POST_CREATE],
    );
    assert.ok(page.content.every((a) => a.memberId === alice.id && a.memberHandle === undefined));
    assert.equal(page.size, 20);
    assert.equal(page.hasNext, false);
    const first = page.content[1];
    assert.ok(first?.eventTime && first.createdAt && first.createdAt >= first.eventTime);
  });

  it('when a member lists what the members they follow did, then reads are left out and each activity names its actor', async () => {
    const page = await unary(client.listFollowingActivities.bind(client), { page: 0, size: 0 }, alice.md);
    assert.deepEqual(
      page.content.map((a) => [a.memberId, a.type]),
      [
        [carol.id, ActivityType.ACTIVITY_TYPE_LIKE_POST],
        [bob.id, ActivityType.ACTIVITY_TYPE_COMMENT_CREATE],
        [bob.id, ActivityType.ACTIVITY_TYPE_POST_CREATE],
      ],
    );
    const comment = page.content[1];
    assert.equal(comment?.memberHandle, bob.handle);
    assert.equal(comment?.memberDisplayName, 'bob display');
    assert.ok(comment?.memberAvatarUrl);
    assert.ok(comment?.commentId);
  });

  it('when the following list is paged, then has_next tells whether more remain', async () => {
    const first = await unary(client.listFollowingActivities.bind(client), { page: 0, size: 2 }, alice.md);
    const second = await unary(client.listFollowingActivities.bind(client), { page: 1, size: 2 }, alice.md);
    assert.deepEqual([first.content.length, first.hasNext, second.content.length, second.hasNext], [2, true, 1, false]);
  });

  it('when the member follows nobody, then the following list is empty', async () => {
    const page = await unary(client.listFollowingActivities.bind(client), { page: 0, size: 0 }, carol.md);
    assert.deepEqual(page.content, []);
    assert.equal(page.hasNext, false);
  });

  it('when the size is over 100, then the call fails with VALIDATION_FAILED', async () => {
    await assert.rejects(unary(client.listMyActivities.bind(client), { page: 0, size: 101 }, alice.md), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED'));
  });

  it('when there is no token, then member-svc’s UNAUTHENTICATED comes back with its reason', async () => {
    await assert.rejects(unary(client.listMyActivities.bind(client), { page: 0, size: 0 }), failsWith(Code.UNAUTHENTICATED, 'BEARER_TOKEN_MISSING'));
  });

  it('when the token is invalid, then UNAUTHENTICATED keeps member-svc’s auth signal', async () => {
    const md = new Metadata();
    md.set('authorization', 'Bearer not-a-jwt');
    await assert.rejects(unary(client.listFollowingActivities.bind(client), { page: 0, size: 0 }, md), (err: unknown) => {
      failsWith(Code.UNAUTHENTICATED, 'INVALID_TOKEN')(err);
      assert.equal(authSignalOf(err as ServiceError), 'RELOGIN_REQUIRED');
      return true;
    });
  });

  it('when member-svc cannot be reached, then the call fails with UNAVAILABLE MEMBER_API_CONNECTION_ERROR', async () => {
    const isolated = await startActivity({ ...uniqueNames(), env: { MEMBER_ADDR: '127.0.0.1:1', CONSUMER_ENABLED: 'false' } });
    const other = activityClient(isolated.grpcPort);
    try {
      await assert.rejects(unary(other.listMyActivities.bind(other), { page: 0, size: 0 }, alice.md), failsWith(Code.UNAVAILABLE, 'MEMBER_API_CONNECTION_ERROR'));
    } finally {
      other.close();
      await isolated.stop();
    }
  });
});
