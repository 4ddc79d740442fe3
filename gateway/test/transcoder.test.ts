// The JSON <-> proto transcoding of the edge against the real protos: what the unchanged
// frontend sends becomes the right request message, and responses come back in the original
// contract's JSON (numbers for int64, enums without prefix, ISO dates, counts never absent).
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { Root, Type } from 'protobufjs';
import { InputError, messageFromJson } from '../src/domain/json-in.ts';
import { messageToJson, timestampJson } from '../src/domain/json-out.ts';
import { buildRequest, encodeRequest, type HttpInput } from '../src/domain/request-builder.ts';
import { sessionEffects, shapeResponse } from '../src/domain/response-shape.ts';
import { buildRouteTable, type RouteSpec } from '../src/domain/route-table.ts';
import { protoRoot } from './support/harness.ts';

const NO_INPUT: HttpInput = { params: {}, query: {}, body: undefined, files: [], refreshTokenCookie: undefined, userAgent: 'ua', clientIp: '10.0.0.1' };

describe('transcoding against the real protos', () => {
  let root: Root;
  let routes: RouteSpec[];
  const route = (rpc: string): RouteSpec => {
    const found = routes.find((r) => r.rpc === rpc);
    assert.ok(found, rpc);
    return found;
  };
  const roundTrip = (type: Type, object: Record<string, unknown>): Record<string, unknown> =>
    type.toObject(type.decode(encodeRequest(type, object)), { longs: String, enums: String });
  before(async () => {
    root = await protoRoot();
    routes = buildRouteTable(root);
  });

  it('when the frontend signup form is sent, then enums, "" optionals and nulls map as the proto says', () => {
    const signup = route('Signup');
    const body = {
      email: 'a@b.co', password: 'Passw0rd!', memberName: 'Alice', handle: 'alice', displayName: 'Alice', bio: '', location: '', websiteUrl: '',
      birthDate: '', gender: 'OTHER', timezone: 'Asia/Seoul', languageCode: 'ko', countryCode: 'KR', privacyLevel: 'PUBLIC', isActive: true, avatarUrl: null, coverUrl: null,
    };
    const request = roundTrip(signup.requestType, buildRequest(signup, { ...NO_INPUT, body }));
    assert.equal(request['gender'], 'GENDER_OTHER');
    assert.equal(request['country_code'], 'COUNTRY_CODE_KR');
    assert.equal(request['privacy_level'], 'PRIVACY_LEVEL_PUBLIC');
    assert.equal(request['is_active'], true);
    assert.equal(request['member_name'], 'Alice');
    // SignupRequest documents "" as absent for its optional strings; null is absent everywhere.
    for (const absent of ['birth_date', 'bio', 'location', 'website_url', 'avatar_url', 'cover_url']) assert.equal(request[absent], undefined, absent);
  });

  it('when ids arrive as numbers or numeric strings, then both become the int64 field', () => {
    const reply = route('CreateReply');
    const asNumber = roundTrip(reply.requestType, buildRequest(reply, { ...NO_INPUT, body: { content: 'hi', postId: 9007199254740991, parentId: '12' } }));
    assert.equal(asNumber['post_id'], '9007199254740991');
    assert.equal(asNumber['parent_id'], '12');
    const update = route('UpdatePost');
    const withPath = roundTrip(update.requestType, buildRequest(update, { ...NO_INPUT, params: { post_id: '77' }, body: { content: 'x', postId: 1 } }));
    assert.equal(withPath['post_id'], '77', 'the path variable wins over the body');
  });

  it('when a value has the wrong type, then an InputError names the field and the rule', () => {
    const comment = route('CreateComment');
    assert.throws(() => buildRequest(comment, { ...NO_INPUT, body: { content: 5, postId: 1 } }), (e: unknown) => e instanceof InputError && e.message === 'content: must be a string');
    assert.throws(() => buildRequest(comment, { ...NO_INPUT, body: { content: 'x', postId: 'abc' } }), /postId: must be an integer/);
    assert.throws(() => buildRequest(comment, { ...NO_INPUT, body: { content: 'x', postId: 1.5 } }), /postId: must be an integer/);
    assert.throws(() => buildRequest(comment, { ...NO_INPUT, body: [1, 2] }), /body: must be a JSON object/);
    assert.throws(() => buildRequest(route('Signup'), { ...NO_INPUT, body: { gender: 'ROBOT' } }), /gender: must be one of MALE, FEMALE, OTHER, PREFER_NOT_TO_SAY/);
    assert.throws(() => buildRequest(route('GetPost'), { ...NO_INPUT, params: { post_id: 'abc' } }), /post_id: must be an integer/);
    assert.throws(() => buildRequest(route('ListFollowingPosts'), { ...NO_INPUT, query: { page: 'x' } }), /page: must be an integer/);
  });

  it('when query parameters are given, then they fill the request fields by JSON or proto name', () => {
    const search = route('SearchPosts');
    const request = roundTrip(search.requestType, buildRequest(search, { ...NO_INPUT, query: { keyword: 'hello world', page: '2', size: '20', sort: 'createdAt,desc' } }));
    assert.deepEqual(request, { keyword: 'hello world', page: 2, size: 20 });
    const view = route('ViewImage');
    assert.equal(roundTrip(view.requestType, buildRequest(view, { ...NO_INPUT, params: { image_id: 'abc' }, query: { thumbnail: 'true' } }))['thumbnail'], true);
    const range = route('ListPostsByDateRange');
    const dated = roundTrip(range.requestType, buildRequest(range, { ...NO_INPUT, query: { startDate: '2025-11-02T09:15:00Z', endDate: '2025-11-03T00:00:00.5+09:00' } }));
    assert.deepEqual(dated['start_date'], { seconds: '1762074900' });
    assert.deepEqual(dated['end_date'], { seconds: String(Date.parse('2025-11-02T15:00:00Z') / 1000), nanos: 500_000_000 });
  });

  it('when a request has refresh_token or ClientInfo fields, then the edge fills them from the cookie and the connection', () => {
    const login = route('Login');
    const request = roundTrip(login.requestType, buildRequest(login, { ...NO_INPUT, body: { email: 'e', password: 'p', client: { ipAddress: 'spoofed' } } }));
    assert.deepEqual(request['client'], { device_info: 'ua', ip_address: '10.0.0.1' });
    const refresh = route('RefreshSession');
    assert.equal(roundTrip(refresh.requestType, buildRequest(refresh, { ...NO_INPUT, refreshTokenCookie: 'cookie-token' }))['refresh_token'], 'cookie-token');
  });

  it('when a multipart file arrives, then it fills the bytes field, filename and content_type', () => {
    const upload = route('UploadProfileImage');
    const request = roundTrip(upload.requestType, buildRequest(upload, { ...NO_INPUT, body: {}, files: [{ field: 'image', data: Buffer.from([1, 2, 3]), filename: 'a.png', contentType: 'image/png' }] }));
    assert.deepEqual([...(request['image'] as Uint8Array)], [1, 2, 3]);
    assert.equal(request['filename'], 'a.png');
    assert.equal(request['content_type'], 'image/png');
  });

  it('when a post is answered, then ids and counts are numbers, dates ISO-8601 with offset, unset optionals absent', () => {
    const post = root.lookupType('dailyfeed.timeline.v1.Post');
    const message = post.decode(post.encode(post.fromObject({ id: '12', content: 'hello', author_id: '3', like_count: '0', comment_count: '2', created_at: { seconds: 1762074900, nanos: 0 } })).finish());
    assert.deepEqual(messageToJson(post, message), {
      id: 12, title: '', content: 'hello', authorId: 3, authorName: '', authorHandle: '', authorAvatarUrl: '', viewCount: 0, likeCount: 0, commentCount: 2, createdAt: '2025-11-02T09:15:00.000Z',
    });
    const big = messageToJson(post, post.decode(post.encode(post.fromObject({ id: '9007199254740993' })).finish()));
    assert.equal(big['id'], '9007199254740993', 'unsafe int64 keeps its precision as a string');
  });

  it('when a profile is answered, then enums lose their prefix and json_name is honoured', () => {
    const profile = root.lookupType('dailyfeed.member.v1.MemberProfile');
    const json = messageToJson(profile, profile.decode(profile.encode(profile.fromObject({ member_id: '5', gender: 1, country_code: 1, privacy_level: 1, following_count: '4', birth_date: '2000-01-31' })).finish()));
    assert.equal(json['gender'], 'MALE');
    assert.equal(json['countryCode'], 'KR');
    assert.equal(json['privacyLevel'], 'PUBLIC');
    assert.equal(json['followingCount'], 4);
    assert.equal(json['birthDate'], '2000-01-31');
    assert.equal(json['verificationStatus'], undefined, 'UNSPECIFIED is left out');
    assert.equal(json['email'], undefined, 'an unset optional is left out, never null');
    const update = root.lookupType('dailyfeed.member.v1.UpdateMyProfileRequest');
    assert.deepEqual(messageFromJson(update, { previousAvatarUrl: ['/api/proxy/images/view/x'] }), { previous_avatar_urls: ['/api/proxy/images/view/x'] });
  });

  it('when a response names a response_body, then data is that field; session fields never reach the body', () => {
    const login = route('Login');
    const message = login.responseType.fromObject({ member: { member_id: '8', handle: 'bob' }, tokens: { access_token: 'jwt', refresh_token: 'r', refresh_token_expires_at: { seconds: Math.floor(Date.now() / 1000) + 3600 } } });
    const decoded = login.responseType.decode(login.responseType.encode(message).finish()) as unknown as Record<string, unknown>;
    const shaped = shapeResponse(login, decoded);
    assert.equal(shaped.kind, 'json');
    assert.equal(shaped.kind === 'json' && JSON.stringify(shaped.envelope).includes('jwt'), false);
    assert.deepEqual(shaped.kind === 'json' ? [shaped.envelope.status, shaped.envelope.result, (shaped.envelope.data as Record<string, unknown>)['memberId']] : [], [200, 'SUCCESS', 8]);
    const effects = sessionEffects(login.responseType, decoded);
    assert.equal(effects.issued?.accessToken, 'jwt');
    assert.equal(effects.issued?.refreshToken, 'r');
    const logout = route('Logout');
    assert.equal(sessionEffects(logout.responseType, {}).cleared, true);
    const like = route('LikePost');
    const liked = shapeResponse(like, like.responseType.decode(like.responseType.encode(like.responseType.fromObject({ like_count: '3' })).finish()));
    assert.deepEqual(liked, { kind: 'json', envelope: { status: 200, result: 'SUCCESS', data: 3 } });
  });

  it('when the data field is a google.api.HttpBody, then the bytes are raw with their content type', () => {
    const view = route('ViewImage');
    const decoded = view.responseType.decode(view.responseType.encode(view.responseType.fromObject({ image: { content_type: 'image/png', data: Buffer.from([137, 80]) } })).finish());
    const shaped = shapeResponse(view, decoded);
    assert.equal(shaped.kind, 'raw');
    assert.equal(shaped.kind === 'raw' ? shaped.contentType : '', 'image/png');
    assert.deepEqual(shaped.kind === 'raw' ? [...shaped.data] : [], [137, 80]);
  });
});

describe('timestamps', () => {
  it('when many timestamps are formatted, repeated ones and more than the remembered 50,000 included, then each is its own instant in ISO form', () => {
    const at = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 + 999 });
    const start = Date.UTC(2025, 10, 2, 9, 15);
    for (let i = 0; i < 60_000; i += 1) {
      const ms = start + i * 7_777;
      assert.equal(timestampJson(at(ms)), new Date(ms).toISOString());
      if (i % 1000 === 0) assert.equal(timestampJson(at(start)), '2025-11-02T09:15:00.000Z');
    }
  });
});
