// A small HTTP client for the contract tests: sends what the frontend's proxy sends
// (Content-Type application/json unless told otherwise, the token, the cookie) and returns the
// status, headers and parsed JSON body.
import assert from 'node:assert/strict';

export interface CallOptions {
  readonly body?: unknown;
  readonly token?: string;
  readonly cookie?: string;
  readonly headers?: Record<string, string>;
  /** Send the body as text/plain, as authenticatedFetch does for some calls. */
  readonly textPlain?: boolean;
}

export interface CallResult {
  readonly status: number;
  readonly headers: Headers;
  readonly json: Record<string, unknown>;
}

export function client(base: string): (method: string, path: string, options?: CallOptions) => Promise<CallResult> {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { 'content-type': options.textPlain ? 'text/plain;charset=UTF-8' : 'application/json', ...options.headers };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    if (options.cookie !== undefined) headers['cookie'] = options.cookie;
    const res = await fetch(`${base}${path}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
    const text = await res.text();
    assert.ok(![204, 205, 304].includes(res.status), `${method} ${path} answered ${res.status}`);
    let json: Record<string, unknown> = {};
    if (text !== '') json = JSON.parse(text) as Record<string, unknown>;
    return { status: res.status, headers: res.headers, json };
  };
}

/** The success envelope's data, after checking the envelope and the status. */
export function dataOf(result: CallResult, status = 200): unknown {
  assert.equal(result.status, status, JSON.stringify(result.json));
  assert.equal(result.json['status'], status);
  assert.equal(result.json['result'], 'SUCCESS');
  assert.ok('data' in result.json);
  return result.json['data'];
}

/** Checks the error body and the real status; returns the message. */
export function errorOf(result: CallResult, status: number): string {
  assert.equal(result.status, status, JSON.stringify(result.json));
  assert.equal(result.json['statusCode'], status);
  assert.equal(result.json['resultCode'], 'FAIL');
  assert.equal(typeof result.json['path'], 'string');
  assert.equal(typeof result.json['message'], 'string');
  return String(result.json['message']);
}

export function tokenOf(result: CallResult): string {
  const header = result.headers.get('authorization') ?? '';
  assert.match(header, /^Bearer \S+$/);
  return header.slice('Bearer '.length);
}

/** "refresh_token=<value>" from Set-Cookie, after checking its attributes. */
export function refreshCookieOf(result: CallResult): string {
  const cookie = result.headers.get('set-cookie') ?? '';
  assert.match(cookie, /^refresh_token=[^;]+;/);
  for (const attribute of [/HttpOnly/, /SameSite=Strict/, /Path=\//, /Max-Age=(\d+)/]) assert.match(cookie, attribute);
  const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1]);
  assert.ok(maxAge > 29 * 86400 && maxAge <= 30 * 86400, `Max-Age ${maxAge} is about 30 days`);
  assert.doesNotMatch(cookie, /Domain=/);
  return cookie.split(';')[0] ?? '';
}

export function signupBody(handle: string): Record<string, unknown> {
  // Exactly what the frontend's signup modal sends (frontend-contract.md A2).
  return {
    email: `${handle}@example.com`, password: 'Passw0rd!', memberName: `Name ${handle}`.slice(0, 30), handle, displayName: `Display ${handle}`.slice(0, 50), bio: '', location: '', websiteUrl: '', birthDate: '',
    gender: 'OTHER', timezone: 'Asia/Seoul', languageCode: 'ko', countryCode: 'KR', privacyLevel: 'PUBLIC', isActive: true, avatarUrl: null, coverUrl: null,
  };
}

export function uniqueHandle(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Signs a fresh member up and logs in: its id and access token. */
export async function signedUp(call: ReturnType<typeof client>, prefix: string): Promise<{ id: number; token: string }> {
  const handle = uniqueHandle(prefix);
  const id = (dataOf(await call('POST', '/api/authentication/signup', { body: signupBody(handle) }), 201) as Record<string, unknown>)['id'] as number;
  const token = tokenOf(await call('POST', '/api/authentication/login', { body: { email: `${handle}@example.com`, password: 'Passw0rd!' } }));
  return { id, token };
}

/** Polls until the probe yields a value (eventually consistent reads: Kafka, the search index). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 500));
  }
  return undefined;
}
