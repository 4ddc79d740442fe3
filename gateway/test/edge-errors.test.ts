// Errors at the edge: every gRPC status becomes its real HTTP status with the original error
// body; auth signals become the frontend's headers; bad input (malformed JSON, wrong types,
// oversized bodies, unknown routes) is a clear 4xx with the error body, never a 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Root } from 'protobufjs';
import type { RpcOutcome } from '../src/domain/rpc-invoker.ts';
import { recordingInvoker, startGateway, type RecordingInvoker, type RunningGateway } from './support/harness.ts';

function statusDetails(root: Root, code: number, message: string, reason: string, metadata: Record<string, string> = {}): Uint8Array {
  const status = root.lookupType('google.rpc.Status');
  const info = root.lookupType('google.rpc.ErrorInfo');
  const value = info.encode(info.fromObject({ reason, domain: 'dailyfeed.click', metadata })).finish();
  return status.encode(status.fromObject({ code, message, details: [{ type_url: 'type.googleapis.com/google.rpc.ErrorInfo', value }] })).finish();
}

function failing(code: number, details: string, bytes?: Uint8Array): () => RpcOutcome {
  return () => ({ ok: false, failure: { code, details, statusDetails: bytes }, headers: {} });
}

async function expectErrorBody(res: Response, status: number, path: string): Promise<Record<string, unknown>> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(body['statusCode'], status);
  assert.equal(body['resultCode'], 'FAIL');
  assert.equal(body['path'], path);
  assert.equal(typeof body['message'], 'string');
  return body;
}

describe('edge errors', () => {
  let gateway: RunningGateway;
  let invoker: RecordingInvoker;
  const GET_POST = '/dailyfeed.timeline.v1.TimelineService/GetPost';
  before(async () => {
    invoker = recordingInvoker();
    gateway = await startGateway({ invoker, edge: { jsonBodyLimit: 1024, uploadBodyLimit: 2048 } });
  });
  after(() => gateway.close());

  it('when a service fails with a gRPC code, then the HTTP status is the mapped one and statusCode equals it', async () => {
    const table: [number, number][] = [[3, 400], [16, 401], [7, 403], [5, 404], [6, 409], [10, 409], [8, 429], [1, 499], [13, 500], [2, 500], [12, 501], [14, 503], [4, 504]];
    for (const [code, http] of table) {
      invoker.answers.set(GET_POST, failing(code, `failure ${code}`, statusDetails(gateway.root, code, `failure ${code}`, 'POST_NOT_FOUND')));
      const body = await expectErrorBody(await fetch(`${gateway.base}/api/timeline/posts/1`), http, '/api/timeline/posts/1');
      if (code !== 13 && code !== 2) assert.equal(body['message'], `failure ${code}`);
      else assert.equal(body['message'], 'internal error', 'internal details stay in the logs');
    }
    invoker.answers.delete(GET_POST);
  });

  it('when a token must be refreshed or is dead, then X-Token-Refresh-Needed or X-Relogin-Required is set', async () => {
    invoker.answers.set(GET_POST, failing(16, 'token expired', statusDetails(gateway.root, 16, 'token expired', 'JWT_EXPIRED', { auth_signal: 'REFRESH_NEEDED' })));
    let res = await fetch(`${gateway.base}/api/timeline/posts/1`);
    const body = await expectErrorBody(res, 401, '/api/timeline/posts/1');
    assert.equal(body['reason'], 'JWT_EXPIRED');
    assert.equal(res.headers.get('x-token-refresh-needed'), 'true');
    assert.equal(res.headers.get('x-relogin-required'), null);
    invoker.answers.set(GET_POST, failing(16, 'revoked', statusDetails(gateway.root, 16, 'revoked', 'INVALID_TOKEN', { auth_signal: 'RELOGIN_REQUIRED' })));
    res = await fetch(`${gateway.base}/api/timeline/posts/1`);
    await expectErrorBody(res, 401, '/api/timeline/posts/1');
    assert.equal(res.headers.get('x-relogin-required'), 'true');
    invoker.answers.set(GET_POST, () => ({ ok: true, response: new Uint8Array(), headers: { 'x-token-refresh-needed': 'true' } }));
    res = await fetch(`${gateway.base}/api/timeline/posts/1`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-token-refresh-needed'), 'true', 'a success trailer becomes the header');
    invoker.answers.delete(GET_POST);
  });

  it('when the body is malformed JSON, then 400 with the error body', async () => {
    const body = await expectErrorBody(await fetch(`${gateway.base}/api/posts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"content": ' }), 400, '/api/posts');
    assert.match(String(body['message']), /malformed JSON/);
  });

  it('when a field has the wrong type, then 400 naming the field', async () => {
    const body = await expectErrorBody(await fetch(`${gateway.base}/api/comments`, { method: 'POST', body: JSON.stringify({ content: 'x', postId: 'seven' }) }), 400, '/api/comments');
    assert.equal(body['message'], 'postId: must be an integer');
    await expectErrorBody(await fetch(`${gateway.base}/api/timeline/posts/abc`), 400, '/api/timeline/posts/abc');
    await expectErrorBody(await fetch(`${gateway.base}/api/posts`, { method: 'POST', body: '"just a string"' }), 400, '/api/posts');
  });

  it('when a JSON body is over the limit, then 413 with the error body', async () => {
    await expectErrorBody(await fetch(`${gateway.base}/api/posts`, { method: 'POST', body: JSON.stringify({ content: 'x'.repeat(2000) }) }), 413, '/api/posts');
  });

  it('when an uploaded image is over the limit, then 413 with the error body', async () => {
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(4096)], { type: 'image/png' }), 'big.png');
    await expectErrorBody(await fetch(`${gateway.base}/api/images/upload/profile`, { method: 'POST', body: form }), 413, '/api/images/upload/profile');
  });

  it('when multipart is sent to a JSON route, then 415 with the error body', async () => {
    const form = new FormData();
    form.append('content', 'x');
    await expectErrorBody(await fetch(`${gateway.base}/api/posts`, { method: 'POST', body: form }), 415, '/api/posts');
  });

  it('when the route does not exist, then 404; when only the verb does not, then 405; both with the error body', async () => {
    await expectErrorBody(await fetch(`${gateway.base}/api/nowhere`), 404, '/api/nowhere');
    await expectErrorBody(await fetch(`${gateway.base}/api/posts`, { method: 'GET' }), 405, '/api/posts');
    await expectErrorBody(await fetch(`${gateway.base}/api/token/refresh`, { method: 'GET' }), 405, '/api/token/refresh');
  });

  it('when the Idempotency-Key header is not printable ASCII, then 400', async () => {
    const body = await expectErrorBody(await fetch(`${gateway.base}/api/posts`, { method: 'POST', headers: { 'idempotency-key': 'a b' }, body: '{"content":"x"}' }), 400, '/api/posts');
    assert.match(String(body['message']), /Idempotency-Key/);
  });

  it('when a backend cannot be reached, then 503 with a generic message', async () => {
    const real = await startGateway({ addresses: { timeline: '127.0.0.1:1' } });
    try {
      const body = await expectErrorBody(await fetch(`${real.base}/api/timeline/posts/1`), 503, '/api/timeline/posts/1');
      assert.equal(body['message'], 'service unavailable, try again later');
    } finally {
      await real.close();
    }
  });
});
