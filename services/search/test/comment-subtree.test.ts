// A deleted comment takes its replies (and theirs) out of search, whichever order the events
// arrive in: content-svc hides the subtree but publishes a single COMMENT_DELETE. And keywords
// PostgreSQL cannot take (NUL) are INVALID_ARGUMENT naming keyword.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { Code, reasonOf } from '../../../test/support/grpc.ts';
import { errorMetadataOf, newMember, type TestMember } from '../../../test/support/member-harness.ts';
import { spawnService, type SpawnedService } from '../../../test/support/spawn-service.ts';
import { admin, event, eventually, publish, searchApi, startSearch, T, testId, uniqueWord, type SearchApi, type TestSearch } from './support/helpers.ts';

describe('search-svc comment subtrees', () => {
  let member: SpawnedService | undefined;
  let search: TestSearch;
  let api: SearchApi;
  let members: MemberServiceClient;
  let author: TestMember;

  before(async () => {
    member = await spawnService('member');
    // Comment searches read no posts: timeline is never called.
    search = await startSearch({ MEMBER_ADDR: member.address, TIMELINE_ADDR: '127.0.0.1:1' });
    api = searchApi(search.client);
    members = new MemberServiceClient(member.address, credentials.createInsecure());
    author = await newMember(members);
  });
  after(async () => {
    members?.close();
    await search?.stop().catch(() => undefined);
    await member?.stop().catch(() => undefined);
    await admin.end();
  });

  const found = async (word: string): Promise<string[]> => (await api.searchComments({ keyword: word, page: 0, size: 0 })).content.map((c) => c.id).sort();

  it('when a comment with replies and a reply of a reply is deleted, then none of them matches, a sibling still does, and a reply arriving after the delete is hidden too', async () => {
    const word = uniqueWord('subtree');
    const postId = testId();
    const [top, reply, nested, sibling, late] = [testId(), testId(), testId(), testId(), testId()];
    const comment = (commentId: string, parentCommentId?: string) =>
      event(T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, { postId, commentId, memberId: author.id, content: `${word} ${commentId}`, ...(parentCommentId ? { parentCommentId } : {}) });
    await publish(search.topic, [comment(top), comment(sibling), comment(reply, top), comment(nested, reply)]);
    await eventually(async () => ((await found(word)).length === 4 ? true : undefined));

    await publish(search.topic, [event(T.MEMBER_ACTIVITY_TYPE_COMMENT_DELETE, { postId, commentId: top, memberId: author.id })]);
    await eventually(async () => ((await found(word)).length === 1 ? true : undefined));
    assert.deepEqual(await found(word), [sibling]);

    await publish(search.topic, [comment(late, top), event(T.MEMBER_ACTIVITY_TYPE_COMMENT_UPDATE, { postId, commentId: sibling, memberId: author.id, content: `${word} edited` })]);
    await eventually(async () => {
      const rows = await admin.query<{ n: string }>('select count(*) as n from search.comments where comment_id = $1', [late]);
      return Number(rows.rows[0]?.n) === 1 ? true : undefined;
    });
    assert.deepEqual(await found(word), [sibling]);
  });

  it('when the keyword contains NUL, then INVALID_ARGUMENT VALIDATION_FAILED names keyword with rule no_nul', async () => {
    for (const call of [() => api.searchPosts({ keyword: 'a\u0000b', page: 0, size: 0 }), () => api.searchComments({ keyword: '\u0000', page: 0, size: 0 })]) {
      await assert.rejects(call(), (err: unknown) => {
        const e = err as ServiceError;
        assert.equal(e.code, Code.INVALID_ARGUMENT, e.details);
        assert.equal(reasonOf(e), 'VALIDATION_FAILED');
        assert.deepEqual([errorMetadataOf(e)['field'], errorMetadataOf(e)['rule']], ['keyword', 'no_nul']);
        return true;
      });
    }
  });
});
