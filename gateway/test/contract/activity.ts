// The activity read API (the successor of §1.4, which had no reads) through the edge, over real
// HTTP, against real member-svc, content-svc and activity-svc processes (events through Kafka).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { dataOf, errorOf, eventually, signedUp } from '../support/http-client.ts';
import type { Stack } from '../support/stack.ts';

type Obj = Record<string, unknown>;

export function activityContract(stack: Stack): void {
  describe('activity-svc read API through the edge', () => {
    const call = stack.call;
    let actor = { id: 0, token: '' };
    before(async () => {
      actor = await signedUp(call, 'actor');
    });

    it('when there is no token, then 401 with the error body', async () => {
      errorOf(await call('GET', '/api/activity/me'), 401);
    });

    it("when a member writes a post, then their activity log shows POST_CREATE with numeric ids and ISO times", async () => {
      const postId = (dataOf(await call('POST', '/api/posts', { token: actor.token, body: { content: 'an act' } }), 201) as Obj)['id'] as number;
      const entry = await eventually(async () => {
        const page = dataOf(await call('GET', '/api/activity/me?page=0&size=20', { token: actor.token })) as { content: Obj[]; hasNext: boolean };
        return page.content.find((a) => a['postId'] === postId);
      }, 30_000);
      assert.ok(entry, 'the POST_CREATE activity arrives through Kafka');
      assert.deepEqual([entry['type'], entry['memberId']], ['POST_CREATE', actor.id]);
      assert.match(String(entry['eventTime']), /Z$|[+-]\d{2}:\d{2}$/);
      const followings = dataOf(await call('GET', '/api/activity/followings', { token: actor.token })) as { content: Obj[] };
      assert.ok(Array.isArray(followings.content));
    });
  });
}
