// `npm run seed`: demo data through the public REST edge (the same calls the frontend makes), so
// a fresh `npm start` shows a living feed: eight members with avatars, follows between them,
// posts, comments, replies and likes. Re-running it is safe: existing members log in instead of
// signing up, and every write carries a fixed Idempotency-Key, so it applies once.
//   npm run seed                              against http://localhost:8080
//   SEED_BASE_URL=http://host:port npm run seed
// Demo logins: <handle>@demo.dailyfeed.local with password Demo!2345 (e.g. alice@demo.dailyfeed.local).
import { deflateSync, crc32 } from 'node:zlib';

const BASE = process.env.SEED_BASE_URL ?? 'http://localhost:8080';
const PASSWORD = 'Demo!2345';
const MEMBERS = [
  { handle: 'alice', name: 'Alice Kim', bio: 'Coffee, cameras and long walks.', color: [231, 76, 60] },
  { handle: 'bora', name: 'Bora Lee', bio: 'Backend engineer. Writes about queues.', color: [46, 204, 113] },
  { handle: 'chen', name: 'Chen Wei', bio: 'Trail runner, weekend baker.', color: [52, 152, 219] },
  { handle: 'dana', name: 'Dana Park', bio: 'Reading one book a week this year.', color: [155, 89, 182] },
  { handle: 'eli', name: 'Eli Cohen', bio: 'Guitar and synths.', color: [241, 196, 15] },
  { handle: 'fumi', name: 'Fumi Sato', bio: 'Ramen cartographer.', color: [230, 126, 34] },
  { handle: 'gabe', name: 'Gabe Silva', bio: 'Climbing gyms of the world.', color: [26, 188, 156] },
  { handle: 'hana', name: 'Hana Choi', bio: 'Plants everywhere.', color: [236, 112, 99] },
] as const;
const POSTS = [
  'Morning light over the river today. Worth getting up early for.',
  'Finally finished the book everyone talked about last month. No spoilers, but the ending!',
  'Tried a new recipe: sourdough with black sesame. Second attempt was much better.',
  'Does anyone else keep a list of small wins? Today: fixed the flaky test.',
  'Weekend plan: long run, then absolutely nothing.',
  'The new café on the corner has the best cardamom buns.',
];
const COMMENTS = ['Love this!', 'Same here.', 'Tell me more?', 'Saving this for later.', 'Ha, exactly.'];

type Json = Record<string, unknown>;

async function call(method: string, path: string, opts: { token?: string; body?: unknown; key?: string } = {}): Promise<{ status: number; json: Json; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.key !== undefined) headers['idempotency-key'] = opts.key;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${BASE}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Json), headers: res.headers };
}

function ok(res: { status: number; json: Json }, what: string, also: number[] = []): Json {
  if (res.status >= 300 && !also.includes(res.status)) throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/** A 96×96 PNG filled with one colour and a lighter diagonal band: a recognisable avatar. */
function avatarPng([r, g, b]: readonly [number, number, number]): Buffer {
  const size = 96;
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 3);
    for (let x = 0; x < size; x += 1) {
      const light = Math.abs(x - y) < 12 ? 60 : 0;
      row.set([Math.min(255, r + light), Math.min(255, g + light), Math.min(255, b + light)], 1 + x * 3);
    }
    rows.push(row);
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

async function memberSession(m: (typeof MEMBERS)[number]): Promise<{ id: number; token: string }> {
  const email = `${m.handle}@demo.dailyfeed.local`;
  const signup = await call('POST', '/api/authentication/signup', {
    body: { email, password: PASSWORD, memberName: m.name, handle: m.handle, displayName: m.name, bio: m.bio, gender: 'PREFER_NOT_TO_SAY', languageCode: 'en', countryCode: 'KR' },
  });
  ok(signup, `signup ${m.handle}`, [409]);
  const login = await call('POST', '/api/authentication/login', { body: { email, password: PASSWORD } });
  const member = ok(login, `login ${m.handle}`)['data'] as Json;
  const token = (login.headers.get('authorization') ?? '').replace(/^Bearer\s+/i, '');
  if (token === '') throw new Error(`login ${m.handle}: no Authorization header`);
  return { id: Number(member['memberId'] ?? member['id']), token };
}

async function setAvatar(m: (typeof MEMBERS)[number], token: string): Promise<void> {
  const form = new FormData();
  form.append('image', new Blob([avatarPng(m.color)], { type: 'image/png' }), `${m.handle}.png`);
  const res = await fetch(`${BASE}/api/images/upload/profile`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  const body = (await res.json()) as Json;
  if (res.status !== 201) throw new Error(`avatar ${m.handle}: HTTP ${res.status} ${JSON.stringify(body)}`);
  ok(await call('PUT', '/api/members/profile', { token, body: { avatarUrl: `/api/proxy/images/view/${String(body['data'])}` } }), `profile ${m.handle}`);
}

const sessions = new Map<string, { id: number; token: string }>();
for (const m of MEMBERS) {
  const session = await memberSession(m);
  sessions.set(m.handle, session);
  await setAvatar(m, session.token);
}
const all = MEMBERS.map((m) => ({ ...m, ...sessions.get(m.handle)! }));

let follows = 0;
for (const [i, m] of all.entries()) {
  // Everyone follows the next three members (a ring), so every feed has a few authors.
  for (let k = 1; k <= 3; k += 1) {
    const other = all[(i + k) % all.length]!;
    ok(await call('POST', `/api/members/follow/${other.id}`, { token: m.token }), `follow ${m.handle}->${other.handle}`, [409]);
    follows += 1;
  }
}

let posts = 0;
let comments = 0;
let likes = 0;
for (const [i, m] of all.entries()) {
  for (let p = 0; p < 3; p += 1) {
    const content = POSTS[(i + p) % POSTS.length]!;
    const post = ok(await call('POST', '/api/posts', { token: m.token, key: `seed-post-${m.handle}-${p}`, body: { content } }), `post ${m.handle}`)['data'] as Json;
    posts += 1;
    const postId = Number(post['id']);
    const commenter = all[(i + 1) % all.length]!;
    const comment = ok(
      await call('POST', '/api/comments', { token: commenter.token, key: `seed-comment-${m.handle}-${p}`, body: { content: COMMENTS[(i + p) % COMMENTS.length], postId } }),
      'comment',
    )['data'] as Json;
    ok(await call('POST', '/api/comments/replies', { token: m.token, key: `seed-reply-${m.handle}-${p}`, body: { content: 'Thanks!', postId, parentId: Number(comment['id']) } }), 'reply');
    comments += 2;
    for (const liker of [all[(i + 2) % all.length]!, all[(i + 3) % all.length]!]) {
      ok(await call('POST', `/api/posts/${postId}/like`, { token: liker.token, key: `seed-like-${liker.handle}-${m.handle}-${p}` }), 'like', [409]);
      likes += 1;
    }
  }
}
process.stdout.write(`seeded ${all.length} members (avatars), ${follows} follows, ${posts} posts, ${comments} comments and replies, ${likes} likes through ${BASE}\n`);
process.stdout.write(`log in as ${MEMBERS[0].handle}@demo.dailyfeed.local / ${PASSWORD}\n`);
