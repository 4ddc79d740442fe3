// Contract of §1.1 (member-svc) through the edge, over real HTTP, against a real member-svc
// process: statuses, envelopes, field types the frontend reads, auth headers and cookie.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dataOf, errorOf, refreshCookieOf, signupBody, tokenOf, uniqueHandle, type CallResult } from '../support/http-client.ts';
import type { Stack } from '../support/stack.ts';

type Obj = Record<string, unknown>;

export function memberContract(stack: Stack): void {
  describe('member-svc contract through the edge (§1.1)', () => {
    const call = stack.call;
    const alice = uniqueHandle('alice');
    const bob = uniqueHandle('bob');
    let aliceId = 0;
    let bobId = 0;
    let aliceToken = '';
    let bobToken = '';
    let aliceCookie = '';

    const login = async (handle: string): Promise<CallResult> => call('POST', '/api/authentication/login', { body: { email: `${handle}@example.com`, password: 'Passw0rd!' } });

    it('when the frontend signup form is posted, then 201 with data {id} as a number', async () => {
      const data = dataOf(await call('POST', '/api/authentication/signup', { body: signupBody(alice) }), 201) as Obj;
      assert.equal(typeof data['id'], 'number');
      aliceId = data['id'] as number;
      bobId = (dataOf(await call('POST', '/api/authentication/signup', { body: signupBody(bob) }), 201) as Obj)['id'] as number;
    });

    it('when the email is taken, then 409 with the error body; when fields are invalid, then 400 naming them', async () => {
      errorOf(await call('POST', '/api/authentication/signup', { body: signupBody(alice) }), 409);
      const message = errorOf(await call('POST', '/api/authentication/signup', { body: { ...signupBody(uniqueHandle('bad')), email: 'not-an-email', password: 'short' } }), 400);
      assert.match(message, /email|password/i);
    });

    it('when login succeeds, then Authorization carries a JWT with a numeric memberId, the cookie is set, data has the user fields', async () => {
      const res = await login(alice);
      const data = dataOf(res) as Obj;
      aliceToken = tokenOf(res);
      aliceCookie = refreshCookieOf(res);
      const payload = JSON.parse(Buffer.from(aliceToken.split('.')[1] ?? '', 'base64url').toString()) as Obj;
      assert.equal(payload['memberId'] ?? Number(payload['sub']), aliceId);
      assert.equal(data['memberId'], aliceId);
      assert.equal(data['handle'], alice);
      for (const field of ['displayName', 'memberName', 'avatarUrl', 'email']) assert.equal(typeof data[field], 'string', field);
      assert.ok(!JSON.stringify(res.json).includes(aliceToken), 'the token never travels in the body');
      bobToken = tokenOf(await login(bob));
    });

    it('when the password is wrong, then 401 with the error body', async () => {
      errorOf(await call('POST', '/api/authentication/login', { body: { email: `${alice}@example.com`, password: 'Wrong0000!' } }), 401);
    });

    it('when the own profile is read, then ids and counts are numbers and dates ISO-8601 with offset', async () => {
      const profile = dataOf(await call('GET', '/api/members/profile', { token: aliceToken })) as Obj;
      assert.equal(profile['memberId'], aliceId);
      assert.equal(profile['handle'], alice);
      assert.equal(profile['gender'], 'OTHER');
      assert.equal(profile['countryCode'], 'KR');
      for (const count of ['followersCount', 'followingCount']) assert.equal(typeof profile[count], 'number', count);
      assert.match(String(profile['createdAt']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
      assert.equal(profile['email'], `${alice}@example.com`);
    });

    it('when the token is missing or garbage, then 401 and the relogin header', async () => {
      const missing = await call('GET', '/api/members/profile');
      errorOf(missing, 401);
      const garbage = await call('GET', '/api/members/profile', { token: 'not.a.jwt' });
      errorOf(garbage, 401);
      assert.equal(garbage.headers.get('x-relogin-required'), 'true');
    });

    it('when a profile is read by @handle or by id, then both paths answer the same member', async () => {
      const byHandle = dataOf(await call('GET', `/api/members/profile/@${bob}`, { token: aliceToken })) as Obj;
      const byId = dataOf(await call('GET', `/api/members/profile/${bobId}`, { token: aliceToken })) as Obj;
      const byIdPath = dataOf(await call('GET', `/api/members/${bobId}/profile`, { token: aliceToken })) as Obj;
      assert.deepEqual([byHandle['memberId'], byId['memberId'], byIdPath['memberId']], [bobId, bobId, bobId]);
      errorOf(await call('GET', '/api/members/profile/@nobody_here_zz', { token: aliceToken }), 404);
    });

    it('when identity and summaries are read, then GET /api/members, /summary, /{id}, /{id}/summary answer', async () => {
      assert.equal((dataOf(await call('GET', '/api/members', { token: aliceToken })) as Obj)['id'], aliceId);
      assert.equal((dataOf(await call('GET', '/api/members/summary', { token: aliceToken })) as Obj)['memberId'], aliceId);
      assert.equal((dataOf(await call('GET', `/api/members/${bobId}`, { token: aliceToken })) as Obj)['id'], bobId);
      assert.equal((dataOf(await call('GET', `/api/members/${bobId}/summary`, { token: aliceToken })) as Obj)['memberId'], bobId);
      const summaries = dataOf(await call('POST', '/api/members/query/in', { token: aliceToken, body: { ids: [aliceId, String(bobId)] } })) as Obj[];
      assert.deepEqual(summaries.map((s) => s['memberId']).sort(), [aliceId, bobId].sort());
    });

    it('when the profile and handle are updated with text/plain JSON, then the changes are returned', async () => {
      const updated = dataOf(await call('PUT', '/api/members/profile', { token: aliceToken, textPlain: true, body: { memberName: 'Alice A', displayName: 'Alice!', avatarUrl: '/api/proxy/images/view/abc', previousAvatarUrl: [] } })) as Obj;
      assert.deepEqual([updated['displayName'], updated['avatarUrl']], ['Alice!', '/api/proxy/images/view/abc']);
      const newHandle = `${alice}_n`.slice(0, 50);
      assert.equal(dataOf(await call('PUT', '/api/members/profile/handle', { token: aliceToken, textPlain: true, body: { newHandle } })), newHandle);
      errorOf(await call('PUT', '/api/members/profile/handle', { token: aliceToken, textPlain: true, body: { newHandle: bob } }), 409);
    });

    it('when alice follows bob with an empty body, then 201 true; again is still 201; the lists show it', async () => {
      assert.equal(dataOf(await call('POST', `/api/members/follow/${bobId}`, { token: aliceToken }), 201), true);
      assert.equal(dataOf(await call('POST', `/api/members/follow/${bobId}`, { token: aliceToken }), 201), true);
      const both = dataOf(await call('GET', '/api/members/followers-followings?page=0&size=10', { token: aliceToken })) as { followers: Obj; followings: { content: Obj[]; totalElements: number } };
      assert.deepEqual(both.followings.content.map((m) => m['memberId']), [bobId]);
      assert.equal(both.followings.totalElements, 1);
      assert.ok(Array.isArray(both.followers['content']));
      const followings = dataOf(await call('GET', '/api/members/followings/more?page=0&size=10', { token: aliceToken })) as { content: Obj[]; hasNext: boolean };
      assert.deepEqual([followings.content.map((m) => m['memberId']), followings.hasNext], [[bobId], false]);
      const bobsFollowers = dataOf(await call('GET', '/api/members/followers/more?page=0&size=10', { token: bobToken })) as { content: Obj[] };
      assert.deepEqual(bobsFollowers.content.map((m) => m['memberId']), [aliceId]);
      for (const path of [`/api/members/${bobId}/followers-followings`, `/api/members/${bobId}/followers/more`, `/api/members/${aliceId}/followings/more`]) dataOf(await call('GET', path, { token: bobToken }));
      const all = dataOf(await call('GET', '/api/members/query/followings', { token: aliceToken })) as Obj[];
      assert.deepEqual(all.map((m) => m['memberId']), [bobId]);
    });

    it('when newbies are recommended, then a full page and a scroll page of members with numeric memberId', async () => {
      const page = dataOf(await call('GET', '/api/members/follow/recommend/newbie?page=0&size=10', { token: bobToken })) as Obj;
      for (const key of ['content', 'page', 'size', 'totalElements', 'totalPages', 'first', 'last', 'hasNext', 'hasPrevious']) assert.ok(key in page, key);
      for (const m of page['content'] as Obj[]) assert.equal(typeof m['memberId'], 'number');
      const more = dataOf(await call('GET', '/api/members/follow/recommend/newbie/more?page=1&size=10', { token: bobToken })) as Obj;
      assert.deepEqual(Object.keys(more).sort(), ['content', 'hasNext', 'page', 'size']);
    });

    it('when alice unfollows bob, then 200 true; unfollowing again is 404', async () => {
      assert.equal(dataOf(await call('DELETE', `/api/members/follow/${bobId}`, { token: aliceToken })), true);
      errorOf(await call('DELETE', `/api/members/follow/${bobId}`, { token: aliceToken }), 404);
    });

    it('when the refresh cookie is presented, then both refresh paths rotate it and send a new Authorization header', async () => {
      const first = await call('POST', '/api/token/refresh', { cookie: aliceCookie });
      assert.equal(dataOf(first), true);
      tokenOf(first);
      const rotated = refreshCookieOf(first);
      const second = await call('POST', '/api/authentication/refresh', { cookie: rotated });
      const data = dataOf(second) as Obj;
      assert.equal(typeof data['accessToken'], 'string');
      assert.equal(typeof data['expiresIn'], 'number');
      aliceToken = tokenOf(second);
      aliceCookie = refreshCookieOf(second);
      const reused = await call('POST', '/api/token/refresh', { cookie: rotated });
      errorOf(reused, 401);
      assert.equal(reused.headers.get('x-relogin-required'), 'true');
    });

    it('when the public keys are asked, then the JWK set is served raw', async () => {
      const res = await fetch(`${stack.base()}/.well-known/jwks.json`);
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(((await res.json()) as { keys?: unknown[] }).keys));
    });

    it('when bob logs out of everything and deactivates, then his sessions end and the cookie is cleared', async () => {
      const all = await call('POST', '/api/authentication/logout-all', { token: bobToken });
      assert.equal(dataOf(all), true);
      assert.match(all.headers.get('set-cookie') ?? '', /^refresh_token=; Max-Age=0/);
      errorOf(await call('GET', '/api/members/profile', { token: bobToken }), 401);
      const fresh = tokenOf(await login(bob));
      const gone = await call('DELETE', '/api/authentication/deactivate', { token: fresh });
      assert.equal(dataOf(gone), true);
      errorOf(await login(bob), 401);
    });
  });
}
