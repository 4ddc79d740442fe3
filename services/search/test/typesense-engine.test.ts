// search-svc with SEARCH_ENGINE=typesense, end to end through its gRPC port: it boots against the
// FAKE Typesense HTTP server (test/support/fake-typesense.ts; no Typesense runs on this machine)
// and creates its collection, events from Kafka land in Typesense (not in the PostgreSQL index),
// results carry the same enrichment (authors from a real member-svc), the configuration refuses a
// Typesense engine without its URL and key, and a Typesense that is down makes the RPCs fail
// UNAVAILABLE DATABASE_UNAVAILABLE quickly (the edge answers 503), never INTERNAL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { credentials, type ServiceError } from '@grpc/grpc-js';
import { MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { Code, reasonOf } from '../../../test/support/grpc.ts';
import { newMember, type TestMember } from '../../../test/support/member-harness.ts';
import { spawnService, type SpawnedService } from '../../../test/support/spawn-service.ts';
import { ZodError } from 'zod';
import { loadConfig } from '../src/config.ts';
import { admin, event, eventually, publish, searchApi, startSearch, T, testId, uniqueWord, type SearchApi, type TestSearch } from './support/helpers.ts';
import { startFakeTypesense, type FakeTypesense } from './support/fake-typesense.ts';

describe('search-svc on the Typesense engine (FAKE Typesense server)', () => {
  let member: SpawnedService | undefined;
  let fake: FakeTypesense;
  let search: TestSearch;
  let api: SearchApi;
  let members: MemberServiceClient;
  let author: TestMember;

  before(async () => {
    fake = await startFakeTypesense();
    member = await spawnService('member');
    search = await startSearch({
      SEARCH_ENGINE: 'typesense',
      TYPESENSE_URL: fake.url,
      TYPESENSE_API_KEY: fake.apiKey,
      TYPESENSE_COLLECTION: 'search_svc_test',
      TYPESENSE_TIMEOUT_MS: '1000',
      MEMBER_ADDR: member.address,
      TIMELINE_ADDR: '127.0.0.1:1',
    });
    api = searchApi(search.client);
    members = new MemberServiceClient(member.address, credentials.createInsecure());
    author = await newMember(members);
  });
  after(async () => {
    members?.close();
    await search?.stop().catch(() => undefined);
    await member?.stop().catch(() => undefined);
    await fake?.close().catch(() => undefined);
    await admin.end();
  });

  it('when SEARCH_ENGINE=typesense lacks its URL or key, then the configuration names both', () => {
    assert.throws(
      () => loadConfig({ SEARCH_ENGINE: 'typesense' }),
      (err: unknown) => err instanceof ZodError && ['TYPESENSE_URL', 'TYPESENSE_API_KEY'].every((k) => err.issues.some((issue) => issue.path.join('.') === k)),
    );
    assert.equal(loadConfig({}).SEARCH_ENGINE, 'postgres');
  });

  it('when it boots, then it has created its collection; a consumed comment is found through Typesense with its author from member-svc', async () => {
    assert.ok(fake.requests.includes('POST /collections'), fake.requests.slice(0, 5).join(', '));
    const word = uniqueWord('typesense');
    const [postId, commentId] = [testId(), testId()];
    await publish(search.topic, [event(T.MEMBER_ACTIVITY_TYPE_COMMENT_CREATE, { postId, commentId, memberId: author.id, content: `${word} comment` })]);
    const page = await eventually(async () => {
      const res = await api.searchComments({ keyword: word, page: 0, size: 0 });
      return res.content.length > 0 ? res : undefined;
    });
    assert.deepEqual(
      page.content.map((c) => [c.id, c.postId, c.authorId, c.authorHandle, c.content]),
      [[commentId, postId, author.id, author.handle, `${word} comment`]],
    );
    assert.deepEqual([page.totalElements, page.totalPages, page.size], ['1', 1, 10]);
    // It is in Typesense, not in the PostgreSQL index.
    const rows = await admin.query('select 1 from search.comments where comment_id = $1', [commentId]);
    assert.equal(rows.rowCount, 0);
    assert.ok(fake.requests.includes('POST /collections/search_svc_test/documents'));
  });

  it('when Typesense is down, then searches fail UNAVAILABLE DATABASE_UNAVAILABLE at once, not INTERNAL', async () => {
    await fake.close();
    for (const call of [() => api.searchComments({ keyword: 'anything', page: 0, size: 0 }), () => api.listPostComments({ postId: '1', page: 0, size: 0 })]) {
      const started = Date.now();
      await assert.rejects(call(), (err: unknown) => {
        const e = err as ServiceError;
        assert.equal(e.code, Code.UNAVAILABLE, e.details);
        assert.equal(reasonOf(e), 'DATABASE_UNAVAILABLE');
        return true;
      });
      assert.ok(Date.now() - started < 1000, 'a refused connection fails before the Typesense timeout');
    }
  });
});
