// Errors raised before a route runs (router, HTTP parser, CORS preflight, multipart parser) and
// input the services cannot store: each is a 4xx with the original error body naming the field
// and the rule, never a plain-text answer, a 404 for a wrong verb, or a 500.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { recordingInvoker, startGateway, type RecordingInvoker, type RunningGateway } from './support/harness.ts';

interface ErrorBodyShape {
  readonly statusCode: number;
  readonly resultCode: string;
  readonly message: string;
  readonly path: string;
}

function assertErrorBody(status: number, body: unknown, path: string, message: RegExp): void {
  const b = body as ErrorBodyShape;
  assert.deepEqual([b.statusCode, b.resultCode, b.path], [status, 'FAIL', path], JSON.stringify(body));
  assert.match(b.message, message);
}

async function expectError(res: Response, status: number, path: string, message: RegExp): Promise<void> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  assertErrorBody(status, await res.json(), path, message);
}

/** Sends raw bytes and returns the raw answer (for requests fetch() refuses to send). */
function rawHttp(base: string, bytes: string): Promise<string> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(bytes));
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

function parseRaw(answer: string): { status: number; headers: string; body: unknown } {
  const [head = '', body = ''] = answer.split('\r\n\r\n', 2);
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), headers: head, body: JSON.parse(body) as unknown };
}

describe('errors raised before the routes', () => {
  let gateway: RunningGateway;
  let invoker: RecordingInvoker;
  before(async () => {
    invoker = recordingInvoker();
    gateway = await startGateway({ invoker });
  });
  after(() => gateway.close());

  it('when a path parameter is longer than 100 characters, then 414 with the error body', async () => {
    const path = `/api/members/profile/${'a'.repeat(101)}`;
    await expectError(await fetch(`${gateway.base}${path}`), 414, path, /path parameter is longer than 100/);
  });

  it('when the path has malformed percent-encoding, then 400 with the error body', async () => {
    await expectError(await fetch(`${gateway.base}/api/members/profile/%E0%A4%A`), 400, '/api/members/profile/%E0%A4%A', /percent-encoding/);
  });

  it('when the headers are larger than 16 KB, then 431 with the error body', async () => {
    const answer = parseRaw(await rawHttp(gateway.base, `GET /api/timeline/posts HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
    assert.equal(answer.status, 431);
    assert.match(answer.headers, /content-type: application\/json/i);
    assertErrorBody(431, answer.body, '/api/timeline/posts', /headers: larger than/);
  });

  it('when the request is not valid HTTP, then 400 with the error body', async () => {
    const answer = parseRaw(await rawHttp(gateway.base, 'GET /api/posts HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'));
    assert.equal(answer.status, 400);
    assertErrorBody(400, answer.body, '/api/posts', /malformed HTTP/);
  });

  it('when OPTIONS is sent without the preflight headers, then 400 with the error body naming them', async () => {
    await expectError(await fetch(`${gateway.base}/api/posts`, { method: 'OPTIONS' }), 400, '/api/posts', /Origin and Access-Control-Request-Method/);
    const preflight = await fetch(`${gateway.base}/api/posts`, { method: 'OPTIONS', headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 200, 'a real preflight still passes');
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  });

  it('when a known path is asked with a verb it lacks, then 405 with Allow and the error body', async () => {
    let res = await fetch(`${gateway.base}/api/posts`, { method: 'GET' });
    assert.equal(res.headers.get('allow'), 'POST');
    await expectError(res, 405, '/api/posts', /method: GET is not allowed/);
    res = await fetch(`${gateway.base}/api/timeline/posts/7`, { method: 'PATCH' });
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
    await expectError(res, 405, '/api/timeline/posts/7', /PATCH/);
    res = await fetch(`${gateway.base}/api/posts/7`, { method: 'POST' });
    assert.equal(res.headers.get('allow'), 'DELETE, PUT');
    await expectError(res, 405, '/api/posts/7', /POST/);
    await expectError(await fetch(`${gateway.base}/api/nowhere`), 404, '/api/nowhere', /no route/);
  });

  it('when a multipart upload has no boundary, then 400 with the error body', async () => {
    const res = await fetch(`${gateway.base}/api/images/upload/profile`, { method: 'POST', headers: { 'content-type': 'multipart/form-data' }, body: 'abc' });
    await expectError(res, 400, '/api/images/upload/profile', /multipart/);
  });

  it('when a multipart upload is cut short, then 400 with the error body', async () => {
    const body = '--XyZ\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\u0089PNG partial';
    const res = await fetch(`${gateway.base}/api/images/upload/profile`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XyZ' }, body });
    await expectError(res, 400, '/api/images/upload/profile', /multipart/);
  });

  it('when a path id is above int64, then 400 naming the parameter, and nothing reaches a service', async () => {
    const calls = invoker.calls.length;
    await expectError(await fetch(`${gateway.base}/api/members/profile/9223372036854775808`), 400, '/api/members/profile/9223372036854775808', /^member_ref: is out of range/);
    await expectError(await fetch(`${gateway.base}/api/timeline/posts/9223372036854775808`), 400, '/api/timeline/posts/9223372036854775808', /post_id.*out of range/);
    await expectError(await fetch(`${gateway.base}/api/timeline/posts/authors/1?authorId=99999999999999999999`), 400, '/api/timeline/posts/authors/1', /out of range/);
    const comment = await fetch(`${gateway.base}/api/comments`, { method: 'POST', body: '{"content":"x","postId":9223372036854775808}' });
    await expectError(comment, 400, '/api/comments', /postId/);
    assert.equal(invoker.calls.length, calls);
    assert.equal((await fetch(`${gateway.base}/api/members/profile/9223372036854775807`)).status, 200, 'the largest int64 passes');
  });

  it('when a text holds NUL or a lone surrogate, then 400 naming the field, and nothing reaches a service', async () => {
    const calls = invoker.calls.length;
    await expectError(await fetch(`${gateway.base}/api/posts`, { method: 'POST', body: '{"content":"a\\u0000b"}' }), 400, '/api/posts', /^content: must not contain NUL/);
    await expectError(await fetch(`${gateway.base}/api/posts`, { method: 'POST', body: '{"content":"a\\ud800b"}' }), 400, '/api/posts', /^content: must not contain a lone UTF-16 surrogate/);
    const nested = await fetch(`${gateway.base}/api/members/profile`, { method: 'PUT', body: '{"bio":"ok","links":[{"x\\u0000":"y"}]}' });
    await expectError(nested, 400, '/api/members/profile', /NUL/);
    await expectError(await fetch(`${gateway.base}/api/members/profile/@%00`), 400, '/api/members/profile/@%00', /^member_ref: must not contain NUL/);
    await expectError(await fetch(`${gateway.base}/api/search/posts?keyword=a%00b`), 400, '/api/search/posts', /^keyword: must not contain NUL/);
    assert.equal(invoker.calls.length, calls);
    assert.equal((await fetch(`${gateway.base}/api/posts`, { method: 'POST', body: '{"content":"a\\u00e9\\ud83d\\ude00 \\\\u0000"}' })).status, 201, 'escaped text and surrogate pairs pass');
  });
});
