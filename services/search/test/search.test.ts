// Component test: search-svc in-process (app.ts, port 0) with its indexer on a topic of its own,
// next to real member-svc and timeline-svc processes. Events published to the topic are indexed
// in PostgreSQL; results are enriched by timeline (posts) and member (comment authors, followers).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import type { MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import { MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { Code, reasonOf } from '../../../test/support/grpc.ts';
import { bearer, errorMetadataOf, newMember, rpc as memberRpc, type TestMember } from '../../../test/support/member-harness.ts';
import { migrateService, spawnService, TEST_DATABASE_URL, type SpawnedService } from '../../../test/support/spawn-service.ts';
import { admin, event, eventually, publish, searchApi, startSearch, T, testId, uniqueWord, type SearchApi, type TestSearch } from './support/helpers.ts';

/** timeline's read-only role on the test database (TEST_DATABASE_URL). */
function timelineReadUrl(): string {
  const url = new URL(TEST_DATABASE_URL);
  url.username = 'dailyfeed_timeline_ro';
  url.password = '';
  return url.toString();
}

const rejectsWith = (code: number, reason: string, field?: string) => (err: unknown) => {
  const e = err as ServiceError;
  assert.equal(e.code, code, e.details);
  assert.equal(reasonOf(e), reason);
  if (field !== undefined) assert.equal(errorMetadataOf(e)['field'], field);
  return true;
};

describe('search-svc', () => {
  let member: SpawnedService | undefined;
  let timeline: SpawnedService | undefined;
  let search: TestSearch;
  let api: SearchApi;
  let members: MemberServiceClient;
  let author: TestMember;

  before(async () => {
    migrateService('content');
    member = await spawnService('member');
    timeline = await spawnService('timeline', {
      CONTENT_READ_DATABASE_URL: timelineReadUrl(),
      MEMBER_ADDR: member.address,
    });
    search = await startSearch({ MEMBER_ADDR: member.address, TIMELINE_ADDR: timeline.address });
    api = searchApi(search.client);
    members = new MemberServiceClient(member.address, credentials.createInsecure());
    author = await newMember(members);
  });
  after(async () => {
    // Each step runs even when before() failed half-way, so no child process outlives the suite.
    members?.close();
    await search?.stop().catch(() => undefined);
    await timeline?.stop().catch(() => undefined);
    await member?.stop().catch(() => undefined);
    await admin.end();
  });

  /** A post written to content.posts (what timeline reads) and its POST_CREATE event. */
  const createPost = async (content: string): Promise<string> => {
    const r = await admin.query<{ id: string; created_at: Date }>(
      'insert into content.posts (author_id, content) values ($1, $2) returning id, created_at',
      [author.id, content],
    );
    const row = r.rows[0]!;
    await publish(search.topic, [event(T.MEMBER_ACTIVITY_TYPE_POST_CREATE, { postId: row.id, memberId: author.id, content, createdAt: row.created_at })]);
    return row.id;
  };
  const searchPosts = (keyword: string, page = 0, size = 0) => api.searchPosts({ keyword, page, size });
  const searchComments = (keyword: string, page = 0, size = 0) => api.searchComments({ keyword, page, size });
  const postIdsFound = async (keyword: string) => (await searchPosts(keyword)).content.map((p) => p.id);

  describe('posts', () => {
    it('when a post event is consumed, then the post is found by a word in any case and by a substring, enriched by timeline', async () => {
      const word = uniqueWord('Zebra');
      const id = await createPost(`hello ${word} world`);
      const page = await eventually(async () => {
        const res = await searchPosts(word.toUpperCase());
        return res.content.length > 0 ? res : undefined;
      });
      assert.deepEqual(page.content.map((p) => p.id), [id]);
      const post = page.content[0]!;
      assert.equal(post.authorId, author.id);
      assert.equal(post.authorHandle, author.handle);
      assert.equal(post.content, `hello ${word} world`);
      assert.equal(post.liked, undefined, 'anonymous search leaves liked unset');
      assert.deepEqual([page.totalElements, page.totalPages, page.first, page.last, page.hasNext], ['1', 1, true, true, false]);
      assert.deepEqual(await postIdsFound(word.slice(3, 12).toLowerCase()), [id], 'substring match');
      assert.deepEqual(await postIdsFound(`${word} world`), [id], 'two words');
    });

    it('when a valid token is sent, then liked is filled; when an invalid one is sent, then UNAUTHENTICATED', async () => {
      const word = uniqueWord('liked');
      const id = await createPost(word);
      await eventually(async () => ((await postIdsFound(word)).length > 0 ? true : undefined));
      const res = await api.searchPosts({ keyword: word, page: 0, size: 0 }, bearer(author.accessToken));
      assert.deepEqual(res.content.map((p) => [p.id, p.liked]), [[id, false]]);
      await assert.rejects(api.searchPosts({ keyword: word, page: 0, size: 0 }, bearer('not-a-jwt')), (err: unknown) => {
        assert.equal((err as ServiceError).code, Code.UNAUTHENTICATED);
        assert.ok(reasonOf(err as ServiceError));
        return true;
      });
    });

    it('when a post is updated, then it is found by its new text and never by its old one', async () => {
      const before = uniqueWord('before');
      const afterWord = uniqueWord('after');
      const id = await createPost(before);
      await eventually(async () => ((await postIdsFound(before)).length > 0 ? true : undefined));
      await admin.query('update content.posts set content = $2, updated_at = now() where id = $1', [id, afterWord]);
      await publish(search.topic, [event(T.MEMBER_ACTIVITY_TYPE_POST_UPDATE, { postId: id, memberId: author.id, content: afterWord })]);
      assert.deepEqual(await eventually(async () => ((await postIdsFound(afterWord)).length > 0 ? postIdsFound(afterWord) : undefined)), [id]);
      assert.deepEqual(await postIdsFound(before), []);
    });

    it('when a post is deleted, then it no longer matches and its comments no longer match', async () => {
      const word = uniqueWord('doomed');
      const id = await createPost(word);
      const commentId = testId();
      await publish(search.topic, [
        event(T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, { postId: id, commentId, memberId: author.id, content: `re ${word}` }),
      ]);
      await eventually(async () => ((await searchComments(word)).content.length > 0 ? true : undefined));
      await admin.query('update content.posts set is_deleted = true, deleted_at = now() where id = $1', [id]);
      await publish(search.topic, [event(T.MEMBER_ACTIVITY_TYPE_POST_DELETE, { postId: id, memberId: author.id })]);
      await eventually(async () => ((await searchComments(word)).content.length === 0 ? true : undefined));
      const page = await searchPosts(word);
      assert.deepEqual([page.content.length, page.totalElements], [0, '0']);
    });

    it('when the same event is delivered twice, then the index holds one row', async () => {
      const word = uniqueWord('twice');
      const r = await admin.query<{ id: string }>('insert into content.posts (author_id, content) values ($1, $2) returning id', [author.id, word]);
      const id = r.rows[0]!.id;
      const e = event(T.MEMBER_ACTIVITY_TYPE_POST_CREATE, { postId: id, memberId: author.id, content: word });
      await publish(search.topic, [e, e]);
      assert.deepEqual(await eventually(async () => ((await postIdsFound(word)).length > 0 ? postIdsFound(word) : undefined)), [id]);
      const rows = await admin.query<{ n: string }>('select count(*) as n from search.posts where post_id = $1', [id]);
      assert.equal(rows.rows[0]?.n, '1');
    });

    it('when more posts match than a page holds, then pages are newest first with totals', async () => {
      const word = uniqueWord('paged');
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) ids.push(await createPost(`${word} number ${i}`));
      await eventually(async () => ((await searchPosts(word)).totalElements === '3' ? true : undefined));
      const first = await searchPosts(word, 0, 2);
      const second = await searchPosts(word, 1, 2);
      assert.deepEqual(first.content.map((p) => p.id), [ids[2], ids[1]]);
      assert.deepEqual([first.totalElements, first.totalPages, first.hasNext, first.first, first.last], ['3', 2, true, true, false]);
      assert.deepEqual(second.content.map((p) => p.id), [ids[0]]);
      assert.deepEqual([second.hasNext, second.hasPrevious, second.last], [false, true, true]);
    });
  });

  describe('comments', () => {
    it('when comments and a reply are indexed, then a keyword finds them and the post lists them oldest first', async () => {
      const word = uniqueWord('Remark');
      const postId = testId();
      const [c1, c2, reply] = [testId(), testId(), testId()];
      await publish(search.topic, [
        event(T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, { postId, commentId: c1, memberId: author.id, content: `first ${word}`, createdAt: new Date(Date.now() - 3000) }),
        event(T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, { postId, commentId: c2, memberId: author.id, content: 'second, unrelated', createdAt: new Date(Date.now() - 2000) }),
      ]);
      await eventually(async () => ((await api.listPostComments({ postId, page: 0, size: 0 })).totalElements === '2' ? true : undefined));
      await publish(search.topic, [
        event(T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, { postId, commentId: reply, parentCommentId: c1, memberId: author.id, content: `reply ${word}`, createdAt: new Date(Date.now() - 1000) }),
      ]);
      const found = await eventually(async () => {
        const res = await searchComments(word.toLowerCase());
        return res.totalElements === '2' ? res : undefined;
      });
      assert.deepEqual(found.content.map((c) => [c.id, c.parentId, c.depth]), [[reply, c1, 1], [c1, undefined, 0]]);
      assert.equal(found.content[1]?.replyCount, '1');
      assert.equal(found.content[0]?.authorHandle, author.handle);
      const listed = await api.listPostComments({ postId, page: 0, size: 2 });
      assert.deepEqual(listed.content.map((c) => c.id), [c1, c2]);
      assert.deepEqual([listed.totalElements, listed.totalPages, listed.hasNext], ['3', 2, true]);
    });

    it('when a comment is updated and another deleted, then search sees the new text and not the deleted one', async () => {
      const oldWord = uniqueWord('old');
      const newWord = uniqueWord('new');
      const postId = testId();
      const [kept, gone] = [testId(), testId()];
      await publish(search.topic, [
        event(T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, { postId, commentId: kept, memberId: author.id, content: oldWord }),
        event(T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, { postId, commentId: gone, memberId: author.id, content: `${newWord} too` }),
      ]);
      await eventually(async () => ((await searchComments(oldWord)).content.length > 0 ? true : undefined));
      await publish(search.topic, [
        event(T.MEMBER_ACTIVITY_TYPE_COMMENT_UPDATE, { postId, commentId: kept, memberId: author.id, content: newWord }),
        event(T.MEMBER_ACTIVITY_TYPE_COMMENT_DELETE, { postId, commentId: gone, memberId: author.id }),
      ]);
      const found = await eventually(async () => {
        const res = await searchComments(newWord);
        return res.content.length === 1 && res.content[0]?.id === kept ? res : undefined;
      });
      assert.equal(found.totalElements, '1');
      assert.deepEqual((await searchComments(oldWord)).content, []);
    });
  });

  describe('counts', () => {
    it('when post counts are asked, then they are the timeline counts, once per distinct id, 0 for unknown', async () => {
      const id = await createPost(uniqueWord('counted'));
      await admin.query('update content.posts set like_count = 4, comment_count = 2 where id = $1', [id]);
      const unknown = testId();
      const likes = await api.countPostLikes({ postIds: [id, unknown, id] });
      assert.deepEqual(likes.counts, [{ postId: id, likeCount: '4' }, { postId: unknown, likeCount: '0' }]);
      const comments = await api.countPostComments({ postIds: [id] });
      assert.deepEqual(comments.counts, [{ postId: id, commentCount: '2' }]);
    });

    it('when comment likes are liked, cancelled and repeated, then each member counts once', async () => {
      const [postId, commentId] = [testId(), testId()];
      const like = (memberId: string, type: MemberActivityType = T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT) => event(type, { postId, commentId, memberId });
      const dup = like('11');
      await publish(search.topic, [dup, dup, like('12'), like('13')]);
      await publish(search.topic, [like('13', T.MEMBER_ACTIVITY_TYPE_LIKE_COMMENT_CANCEL)]);
      // An id no test uses (the index is shared with the other suites' comments).
      const unknown = testId();
      const counts = await eventually(async () => {
        const res = await api.countCommentLikes({ commentIds: [commentId, unknown] });
        return res.counts[0]?.likeCount === '2' ? res.counts : undefined;
      });
      assert.deepEqual(counts, [{ commentId, likeCount: '2' }, { commentId: unknown, likeCount: '0' }]);
    });

    it('when follower counts are asked, then member-svc follow graph answers', async () => {
      const fan = await newMember(members);
      await memberRpc(members.follow.bind(members), { memberId: author.id }, fan.auth);
      const res = await api.countFollowers({ toMemberIds: [author.id, fan.id] });
      assert.deepEqual(res.counts, [{ toMemberId: author.id, followingCount: '1' }, { toMemberId: fan.id, followingCount: '0' }]);
    });
  });

  describe('validation', () => {
    it('when the keyword is blank, then INVALID_ARGUMENT VALIDATION_FAILED names keyword', async () => {
      await assert.rejects(searchPosts('   '), rejectsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', 'keyword'));
      await assert.rejects(searchComments(''), rejectsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', 'keyword'));
      await assert.rejects(searchPosts('x'.repeat(101)), rejectsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', 'keyword'));
    });

    it('when the size is over 100, then INVALID_ARGUMENT VALIDATION_FAILED names size', async () => {
      await assert.rejects(searchPosts('word', 0, 101), rejectsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', 'size'));
      await assert.rejects(
        api.listPostComments({ postId: '1', page: 0, size: 101 }),
        rejectsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', 'size'),
      );
    });

    it('when more than 1000 ids are sent, then INVALID_ARGUMENT VALIDATION_FAILED names the ids field', async () => {
      const ids = Array.from({ length: 1001 }, (_, i) => String(i + 1));
      await assert.rejects(api.countPostLikes({ postIds: ids }), rejectsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', 'post_ids'));
      await assert.rejects(api.countCommentLikes({ commentIds: ids }), rejectsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', 'comment_ids'));
      await assert.rejects(api.countFollowers({ toMemberIds: ids }), rejectsWith(Code.INVALID_ARGUMENT, 'VALIDATION_FAILED', 'to_member_ids'));
    });
  });
});
