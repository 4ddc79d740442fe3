// Load through the REST edge, as the frontend sends it: members sign up and log in, followers
// follow authors, then a burst of writes (posts, comments, likes) mixed with reads (follow feed,
// search, activity). Every answer is tallied by HTTP status; acknowledged ids are kept for the
// stores' check. Each write's text carries a unique marker, so a write stored twice is visible.
import { sleep } from './infra.ts';

export interface Answer {
  /** 0 when no HTTP answer came (connection refused, reset, client timeout). */
  readonly status: number;
  readonly retryAfter: string | null;
  readonly ms: number;
  readonly body: Record<string, unknown>;
  readonly token: string | null;
}

export async function call(edge: string, method: string, path: string, options: { token?: string; body?: unknown; timeoutMs?: number; idempotencyKey?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  const started = performance.now();
  try {
    const res = await fetch(`${edge}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    } catch {
      body = { raw: text };
    }
    const auth = res.headers.get('authorization');
    return { status: res.status, retryAfter: res.headers.get('retry-after'), ms: performance.now() - started, body, token: auth?.startsWith('Bearer ') ? auth.slice(7) : null };
  } catch {
    return { status: 0, retryAfter: null, ms: performance.now() - started, body: {}, token: null };
  }
}

/**
 * A setup request (sign-up, login, follow, first feed read, seed post): the previous drill's fault
 * may still be wearing off, a channel reconnecting or an edge circuit still open (its half-open
 * probe comes 30 s after it opened, and a failed probe opens it for another 30 s), so a refusal
 * (503, 504, no answer) is retried as a client would, after the Retry-After it carries (1-10 s),
 * for up to 90 s. The burst itself never retries: its answers are what a drill judges.
 */
export async function setupCall(edge: string, method: string, path: string, options: Parameters<typeof call>[3] = {}): Promise<Answer> {
  const deadline = Date.now() + 90_000;
  let res = await call(edge, method, path, options);
  while ([0, 503, 504].includes(res.status) && Date.now() < deadline) {
    await sleep(Math.min(10, Math.max(1, Number(res.retryAfter) || 1)) * 1000);
    res = await call(edge, method, path, options);
  }
  return res;
}

const dataId = (answer: Answer): number | undefined => {
  const data = answer.body['data'];
  const id = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['id'] : undefined;
  return typeof id === 'number' ? id : undefined;
};

export interface Member {
  readonly id: number;
  readonly token: string;
  readonly email: string;
}

export async function signUp(edge: string, handle: string): Promise<Member> {
  const email = `${handle}@example.com`;
  const body = {
    email, password: 'Passw0rd!', memberName: handle.slice(0, 30), handle, displayName: handle.slice(0, 50), bio: '', location: '', websiteUrl: '', birthDate: '',
    gender: 'OTHER', timezone: 'Asia/Seoul', languageCode: 'ko', countryCode: 'KR', privacyLevel: 'PUBLIC', isActive: true, avatarUrl: null, coverUrl: null,
  };
  const signup = await setupCall(edge, 'POST', '/api/authentication/signup', { body });
  const id = dataId(signup);
  if (signup.status !== 201 || id === undefined) throw new Error(`signup of ${handle} answered ${signup.status}: ${JSON.stringify(signup.body)}`);
  return { id, token: await logIn(edge, email), email };
}

export async function logIn(edge: string, email: string): Promise<string> {
  const login = await setupCall(edge, 'POST', '/api/authentication/login', { body: { email, password: 'Passw0rd!' } });
  if (login.status !== 200 || login.token === null) throw new Error(`login answered ${login.status}: ${JSON.stringify(login.body)}`);
  return login.token;
}

/** Authors and followers of one drill; every follower follows every author and has built its stored feed. */
export interface Cast {
  readonly authors: readonly Member[];
  readonly followers: readonly Member[];
}

export async function cast(edge: string, tag: string, authors = 3, followers = 3): Promise<Cast> {
  const make = (role: string, n: number): Promise<Member[]> => Promise.all(Array.from({ length: n }, (_, i) => signUp(edge, `${tag}_${role}${i}`)));
  const cast = { authors: await make('a', authors), followers: await make('f', followers) };
  for (const follower of cast.followers) {
    for (const author of cast.authors) {
      const res = await setupCall(edge, 'POST', `/api/members/follow/${author.id}`, { token: follower.token });
      if (res.status >= 300) throw new Error(`follow answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    // The first read builds the stored follow feed; fan-out adds to feeds that exist.
    const feed = await setupCall(edge, 'GET', '/api/timeline/posts/followings?page=0&size=20', { token: follower.token });
    if (feed.status !== 200) throw new Error(`follow feed answered ${feed.status}: ${JSON.stringify(feed.body)}`);
  }
  return cast;
}

export type OpKind = 'post' | 'comment' | 'like' | 'read';

/** What the burst sent and what came back. */
export interface Tally {
  readonly marker: string;
  readonly byKind: Map<OpKind, Map<number, number>>;
  /** Ids the edge acknowledged. */
  readonly posts: number[];
  readonly comments: number[];
  readonly likes: { postId: number; memberId: number }[];
  /** Latency (ms) of each acknowledged write. */
  readonly writeMs: number[];
  /** Non-2xx answers without Retry-After where one was due (503, 429). */
  missingRetryAfter: number;
}

export function newTally(marker: string): Tally {
  return { marker, byKind: new Map(), posts: [], comments: [], likes: [], writeMs: [], missingRetryAfter: 0 };
}

/**
 * One post per author before the burst, so comments and likes have targets from the first
 * operation on (under load the burst's own posts are acknowledged only after it is all sent).
 */
export async function seedPosts(edge: string, c: Cast, tally: Tally): Promise<void> {
  for (const [k, author] of c.authors.entries()) {
    // Retried (setupCall) under one idempotency key: a retry never posts twice.
    const seed = { token: author.token, body: { content: `${tally.marker} w-seed${k}` }, idempotencyKey: `${tally.marker}-seed${k}`.replaceAll(' ', '-') };
    const res = await setupCall(edge, 'POST', '/api/posts', seed);
    const id = dataId(res);
    if (res.status !== 201 || id === undefined) throw new Error(`seed post answered ${res.status}: ${JSON.stringify(res.body)}`);
    tally.posts.push(id);
  }
}

function count(tally: Tally, kind: OpKind, answer: Answer): void {
  const byStatus = tally.byKind.get(kind) ?? new Map<number, number>();
  byStatus.set(answer.status, (byStatus.get(answer.status) ?? 0) + 1);
  tally.byKind.set(kind, byStatus);
  if ((answer.status === 503 || answer.status === 429) && answer.retryAfter === null) tally.missingRetryAfter++;
}

/** The i-th operation of a burst: mostly posts, then comments and likes on acknowledged posts, and reads. */
export async function operation(edge: string, c: Cast, tally: Tally, i: number): Promise<void> {
  const author = c.authors[i % c.authors.length] as Member;
  const follower = c.followers[i % c.followers.length] as Member;
  const slot = i % 10;
  const target = tally.posts.length > 0 ? tally.posts[(i * 7) % tally.posts.length] : undefined;
  // One like per (post, member): a member not yet liking the target, if any (else this slot posts).
  const liker = slot === 6 && target !== undefined ? c.followers.find((m) => !tally.likes.some((l) => l.postId === target && l.memberId === m.id)) : undefined;
  if (slot === 3 && target !== undefined) {
    const res = await call(edge, 'POST', '/api/comments', { token: follower.token, body: { content: `${tally.marker} w${i}`, postId: target, parentId: null } });
    count(tally, 'comment', res);
    const id = dataId(res);
    if (res.status === 201 && id !== undefined) {
      tally.comments.push(id);
      tally.writeMs.push(res.ms);
    }
  } else if (liker !== undefined && target !== undefined) {
    const like = { postId: target, memberId: liker.id };
    tally.likes.push(like); // reserved while in flight; dropped unless acknowledged
    const res = await call(edge, 'POST', `/api/posts/${target}/like`, { token: liker.token });
    count(tally, 'like', res);
    if (res.status < 200 || res.status >= 300) tally.likes.splice(tally.likes.indexOf(like), 1);
    else tally.writeMs.push(res.ms);
  } else if (slot === 8 || slot === 9) {
    const path = [`/api/timeline/posts/followings?page=0&size=20`, `/api/search/posts?keyword=${encodeURIComponent(tally.marker)}`, '/api/activity/me?page=0&size=20'][i % 3] as string;
    count(tally, 'read', await call(edge, 'GET', path, { token: follower.token }));
  } else {
    const res = await call(edge, 'POST', '/api/posts', { token: author.token, body: { content: `${tally.marker} w${i}` } });
    count(tally, 'post', res);
    const id = dataId(res);
    if (res.status === 201 && id !== undefined) {
      tally.posts.push(id);
      tally.writeMs.push(res.ms);
    }
  }
}

export interface BurstPlan {
  readonly operations: number;
  /** Operations started per second (open loop): a slow answer does not slow the offered load. */
  readonly ratePerSec: number;
  /** Called once before operation `at` is sent (the fault's cue). */
  readonly cues?: readonly { readonly at: number; readonly run: () => Promise<void> }[];
}

/** Sends the burst at a fixed rate; resolves when every answer is in and every cue has run. */
export async function burst(edge: string, c: Cast, tally: Tally, plan: BurstPlan): Promise<void> {
  const inflight: Promise<unknown>[] = [];
  const started = performance.now();
  for (let i = 0; i < plan.operations; i++) {
    for (const cue of plan.cues ?? []) if (cue.at === i) inflight.push(cue.run());
    const due = started + (i * 1000) / plan.ratePerSec;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inflight.push(operation(edge, c, tally, i));
  }
  await Promise.all(inflight);
}
