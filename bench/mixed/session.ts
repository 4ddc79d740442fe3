// bench/mixed: sessions through the edge's real endpoints. Logging in costs member-svc one scrypt
// per member (the generated members share one hash at the lowest allowed cost, log2 N = 14), so
// the bench logs in a bounded set of callers, a few at a time, instead of all 10,000 members.
import { PASSWORD } from './seed.ts';

async function post(edge: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${edge}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Signs the template member up through the edge (the frontend's signup body). */
export async function signupTemplate(edge: string): Promise<void> {
  const res = await post(edge, '/api/authentication/signup', {
    email: 'bench-template@example.com', password: PASSWORD, memberName: 'bench template', handle: 'bench_template', displayName: 'bench template',
    bio: '', location: '', websiteUrl: '', birthDate: '', gender: 'OTHER', timezone: 'Asia/Seoul', languageCode: 'ko', countryCode: 'KR', privacyLevel: 'PUBLIC', isActive: true, avatarUrl: null, coverUrl: null,
  });
  if (res.status !== 201) throw new Error(`template signup failed: ${res.status} ${await res.text()}`);
}

/** Access tokens of `emails` (same order), `concurrency` logins at a time; throws on any failure. */
export async function login(edge: string, emails: readonly string[], password: string, concurrency: number): Promise<string[]> {
  const tokens: string[] = new Array<string>(emails.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < emails.length) {
        const i = next++;
        const res = await post(edge, '/api/authentication/login', { email: emails[i], password });
        const header = res.headers.get('authorization') ?? '';
        await res.arrayBuffer();
        if (res.status !== 200 || !header.startsWith('Bearer ')) throw new Error(`login of ${emails[i]} failed: ${res.status}`);
        tokens[i] = header.slice('Bearer '.length);
      }
    }),
  );
  return tokens;
}
