// Component tests: follow/unfollow rules, counts, concurrency, paging and the bulk lookups.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code } from '../../../test/support/grpc.ts';
import { failsWith, newMember, rpc, startMemberService, uniqueSuffix, type MemberHarness, type TestMember } from '../../../test/support/member-harness.ts';
import { withDb } from '../../../test/support/member-tokens.ts';

/** Inserts `count` members straight into PostgreSQL (no scrypt) and returns their ids. */
async function seedMembers(count: number): Promise<string[]> {
  const tag = uniqueSuffix();
  return withDb(async (db) => {
    const { rows } = await db.query<{ id: string }>(
      `insert into member.members (email, password_hash)
       select 'seed_' || $1 || '_' || g || '@example.test', 'scrypt$14$8$1$x$y' from generate_series(1, $2) g returning id`,
      [tag, count],
    );
    await db.query(
      `insert into member.member_profiles (member_id, member_name, handle, gender, country_code)
       select id, 'Seed', 's' || $1 || '_' || id, 'OTHER', 'KR' from unnest($2::bigint[]) as id`,
      [tag, rows.map((r) => r.id)],
    );
    return rows.map((r) => String(r.id));
  });
}

/** Makes `followerId` follow every id, with the counter kept in step, straight in PostgreSQL. */
async function seedFollows(followerId: string, ids: readonly string[]): Promise<void> {
  await withDb(async (db) => {
    await db.query(`insert into member.follows (follower_id, followee_id) select $1, unnest($2::bigint[])`, [followerId, ids]);
    await db.query(`update member.member_profiles set followings_count = followings_count + $2 where member_id = $1`, [followerId, ids.length]);
  });
}

describe('member-svc follow graph', () => {
  let h: MemberHarness;
  let a: TestMember;
  let b: TestMember;
  before(async () => {
    h = await startMemberService();
    [a, b] = await Promise.all([newMember(h.client), newMember(h.client)]);
  });
  after(() => h.stop());
  const follow = (who: TestMember, memberId: string) => rpc(h.client.follow.bind(h.client), { memberId }, who.auth);
  const unfollow = (who: TestMember, memberId: string) => rpc(h.client.unfollow.bind(h.client), { memberId }, who.auth);
  const profile = async (who: TestMember) => (await rpc(h.client.getMyProfile.bind(h.client), {}, who.auth)).profile;

  it('when a member follows another, then counts and both lists show it, and unfollow undoes it', async () => {
    const [x, y] = await Promise.all([newMember(h.client), newMember(h.client)]);
    assert.equal((await follow(x, y.id)).value, true);
    assert.equal((await profile(x))?.followingCount, '1');
    assert.equal((await profile(y))?.followersCount, '1');
    const both = await rpc(h.client.getMyFollowersFollowings.bind(h.client), { page: 0, size: 0 }, x.auth);
    assert.deepEqual(both.followings?.content.map((s) => s.memberId), [y.id]);
    assert.equal(both.followings?.totalElements, '1');
    assert.equal(both.followers?.content.length, 0);
    const theirs = await rpc(h.client.listMemberFollowers.bind(h.client), { memberId: y.id, page: 0, size: 10 }, x.auth);
    assert.deepEqual(theirs.content.map((s) => s.memberId), [x.id]);
    assert.deepEqual((await rpc(h.client.listFollowingIds.bind(h.client), { memberId: x.id })).memberIds, [y.id]);
    const followerIds = await rpc(h.client.listFollowerIds.bind(h.client), { memberId: y.id, afterMemberId: '0', limit: 0 });
    assert.deepEqual(followerIds.memberIds, [x.id]);
    assert.equal(followerIds.total, '1');
    assert.equal((await unfollow(x, y.id)).value, true);
    assert.equal((await profile(x))?.followingCount, '0');
    assert.equal((await profile(y))?.followersCount, '0');
  });

  it('when a member follows itself, then FOLLOW_SELF_NOT_ALLOWED', async () => {
    await assert.rejects(follow(a, a.id), failsWith(Code.INVALID_ARGUMENT, 'FOLLOW_SELF_NOT_ALLOWED'));
  });

  it('when the target does not exist, then MEMBER_NOT_FOUND', async () => {
    await assert.rejects(follow(a, '999999999999'), failsWith(Code.NOT_FOUND, 'MEMBER_NOT_FOUND'));
  });

  it('when unfollowing someone not followed, then FOLLOW_RELATIONSHIP_NOT_FOUND', async () => {
    await assert.rejects(unfollow(a, b.id), failsWith(Code.NOT_FOUND, 'FOLLOW_RELATIONSHIP_NOT_FOUND'));
  });

  it('when the same follow arrives many times at once, then it succeeds every time and one row exists', async () => {
    const [x, y] = await Promise.all([newMember(h.client), newMember(h.client)]);
    const results = await Promise.all(Array.from({ length: 6 }, () => follow(x, y.id)));
    assert.ok(results.every((r) => r.value));
    const { rows } = await withDb((db) => db.query<{ n: string }>('select count(*) as n from member.follows where follower_id = $1 and followee_id = $2', [x.id, y.id]));
    assert.equal(rows[0]?.n, '1');
    assert.equal((await profile(y))?.followersCount, '1');
    assert.equal((await profile(x))?.followingsCount, '1');
  });

  it('when a member already follows 1000 members, then one more follow fails with FOLLOW_LIMIT_EXCEEDS but re-following is fine', async () => {
    const x = await newMember(h.client);
    const targets = await seedMembers(1001);
    await seedFollows(x.id, targets.slice(0, 1000));
    await assert.rejects(follow(x, targets[1000] ?? ''), failsWith(Code.INVALID_ARGUMENT, 'FOLLOW_LIMIT_EXCEEDS'));
    assert.equal((await follow(x, targets[0] ?? '')).value, true);
    const ids = await rpc(h.client.listFollowingIds.bind(h.client), { memberId: x.id });
    assert.equal(ids.memberIds.length, 1000);
  });

  it('when a member at 999 follows two members at once, then exactly one succeeds', async () => {
    const x = await newMember(h.client);
    const targets = await seedMembers(1001);
    await seedFollows(x.id, targets.slice(0, 999));
    const outcomes = await Promise.allSettled([follow(x, targets[999] ?? ''), follow(x, targets[1000] ?? '')]);
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    assert.ok(rejected && failsWith(Code.INVALID_ARGUMENT, 'FOLLOW_LIMIT_EXCEEDS')(rejected.reason));
    assert.equal((await profile(x))?.followingCount, '1000');
  });

  it('when pages are read, then they are 0-based, honour size, and say whether there is a next page', async () => {
    const x = await newMember(h.client);
    const targets = await seedMembers(25);
    for (const id of targets) await follow(x, id);
    const page = (p: number, size: number) => rpc(h.client.listMyFollowings.bind(h.client), { page: p, size }, x.auth);
    const first = await page(0, 10);
    const third = await page(2, 10);
    assert.equal(first.content.length, 10);
    assert.equal(first.hasNext, true);
    assert.equal(first.content[0]?.memberId, targets[24]); // newest follow first
    assert.equal(third.content.length, 5);
    assert.equal(third.hasNext, false);
    assert.equal(first.size, 10);
    const defaults = await page(0, 0);
    assert.equal(defaults.size, 10);
    await assert.rejects(page(0, 101), (err: unknown) => failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED')(err) && String((err as Error).message).includes('size'));
    await assert.rejects(page(-1, 10), failsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED'));
  });

  it('when summaries are asked by ids, then active ones come back in order, and more than 1000 ids fail', async () => {
    const [x, y] = await Promise.all([newMember(h.client), newMember(h.client)]);
    const { summaries } = await rpc(h.client.getSummariesByIds.bind(h.client), { ids: [y.id, '999999999999', x.id, y.id] }, a.auth);
    assert.deepEqual(summaries.map((s) => s.memberId), [y.id, x.id]);
    assert.equal(summaries[0]?.handle, y.handle);
    assert.equal(summaries[0]?.followersCount, '0');
    const tooMany = Array.from({ length: 1001 }, (_, i) => String(i + 1));
    await assert.rejects(rpc(h.client.getSummariesByIds.bind(h.client), { ids: tooMany }, a.auth), failsWith(Code.INVALID_ARGUMENT, 'MEMBER_IDS_LIMIT_EXCEEDS'));
  });

  it('when newbies are recommended, then the list leaves out me and whom I follow and includes a fresh member', async () => {
    const x = await newMember(h.client);
    const [y, z] = [await newMember(h.client), await newMember(h.client)];
    await follow(x, y.id);
    const res = await rpc(h.client.recommendNewbies.bind(h.client), { page: 0, size: 100 }, x.auth);
    const ids = res.content.map((s) => s.memberId);
    assert.ok(!ids.includes(x.id));
    assert.ok(!ids.includes(y.id));
    assert.ok(Number(res.totalElements) >= ids.length);
    assert.equal(res.first, true);
    assert.ok(ids.includes(z.id) || res.hasNext, 'a fresh member is recommended unless many newer ones exist');
    const more = await rpc(h.client.recommendNewbiesMore.bind(h.client), { page: 0, size: 5 }, x.auth);
    assert.equal(more.content.length, 5);
    assert.ok(!more.content.some((s) => s.memberId === x.id || s.memberId === y.id));
  });

  it('when ListAllMyFollowings is called, then it returns every followed member', async () => {
    const x = await newMember(h.client);
    const targets = await seedMembers(3);
    for (const id of targets) await follow(x, id);
    const { summaries } = await rpc(h.client.listAllMyFollowings.bind(h.client), {}, x.auth);
    assert.deepEqual(new Set(summaries.map((s) => s.memberId)), new Set(targets));
  });
});
