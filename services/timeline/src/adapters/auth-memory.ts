// Remembers member-svc's Authenticate answers per token, as SPEC "Authentication" allows: only
// while member-svc's revocation channel (Redis pub/sub, see member-svc's
// adapters/revocation-publisher.ts) is heard, and never past the token's expiry. Refusals are
// never remembered. Only timeline-svc (the read path) remembers; content-svc reads the answers
// member-svc writes down in Redis (member-svc's adapters/answer-store.ts) and asks when there is none.
//
// Under the same conditions it remembers facts about a member that member-svc reads straight
// from PostgreSQL (`facts`: the following list, the author summary). member-svc publishes a
// 'member' message for both sides of every follow and unfollow and for every profile change, so
// such a message drops the member's facts; FACTS_TTL_MS is only a backstop.
//
// Forgets everything (and asks member-svc on every call until the channel is healthy again) when:
//   - the subscriber connection closes (it resubscribes by itself; messages sent meanwhile are lost),
//   - a publisher's sequence number skips (a message was lost, or member-svc failed to publish),
//   - a publisher is silent for SILENCE_MS (it heartbeats every 200 ms): it died or cannot publish.
// A revocation drops the entries of its token ids (jti), members or signing keys (kid). An answer
// that was in flight while the channel changed (any message but a heartbeat, a new publisher, a
// reconnect) is not remembered: member-svc may have answered it before the revocation. A member
// revoked less than QUARANTINE_MS ago is not remembered either: another member-svc replica may
// still hold the old record in its in-process cache (MEMBER_CACHE_LOCAL_TTL_MS, 2 s).
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { Counter, type Registry } from 'prom-client';

const SILENCE_MS = 750;
const QUARANTINE_MS = 3000;
const FACTS_TTL_MS = 300_000;

/** What a remembered answer is about, so that revocations find it. */
export interface AnswerFacts {
  readonly memberId: string;
  readonly jti: string;
  readonly expiresAt: Date | undefined;
}

/** What the read path remembers about a member besides answers: shelves of one value per member. */
export type FactShelf = 'following' | 'author';

export interface MemberFacts {
  /** True while the revocation channel is heard: only then are facts recalled or kept. */
  heard(): boolean;
  /** Taken before asking member-svc; keep() with it stores nothing if a message arrived meanwhile. */
  mark(): number;
  recall<V>(shelf: FactShelf, memberId: string): { readonly value: V } | undefined;
  keep(shelf: FactShelf, memberId: string, value: unknown, since: number): void;
}

export interface AuthMemory<T> {
  /** The remembered answer for this token (and variant of the question), or ask() and maybe remember it. */
  through(authorization: string, variant: string, ask: () => Promise<T>): Promise<T>;
  readonly facts: MemberFacts;
  close(): Promise<void>;
}

export interface AuthMemoryOptions<T> {
  readonly redisUrl: string;
  /** member-svc's revocation channel (config REVOCATION_CHANNEL). */
  readonly channel: string;
  /** 0 turns remembering off: every call asks member-svc. */
  readonly maxEntries: number;
  readonly facts: (answer: T) => AnswerFacts;
  readonly registry: Registry;
  readonly log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

interface Entry {
  readonly answer: unknown;
  readonly tags: readonly string[];
}

interface Message {
  readonly p: string;
  readonly s: number;
  readonly k: 'hb' | 'jti' | 'member' | 'kid';
  readonly v: readonly string[];
}

/** The `kid` of a JWT's header; member-svc verified the token, this only reads it. */
function kidOf(token: string): string {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && 'kid' in header && typeof header.kid === 'string' ? header.kid : '';
  } catch {
    return '';
  }
}

function parse(raw: string): Message | undefined {
  try {
    const m = JSON.parse(raw) as Partial<Message>;
    const kinds = ['hb', 'jti', 'member', 'kid'];
    if (typeof m.p !== 'string' || typeof m.s !== 'number' || !kinds.includes(m.k ?? '') || !Array.isArray(m.v)) return undefined;
    return m as Message;
  } catch {
    return undefined;
  }
}

export function createAuthMemory<T>({ redisUrl, channel, maxEntries, facts, registry, log }: AuthMemoryOptions<T>): AuthMemory<T> {
  const counter = new Counter({
    name: 'dailyfeed_auth_memory_total',
    help: 'Authenticate answers: remembered (hit), asked of member-svc (miss), and times everything was forgotten (forget, by cause).',
    labelNames: ['result', 'cause'],
    registers: [registry],
  });
  if (maxEntries === 0) {
    const none: MemberFacts = { heard: () => false, mark: () => 0, recall: () => undefined, keep: () => undefined };
    return { through: (_a, _v, ask) => (counter.inc({ result: 'miss', cause: '' }), ask()), facts: none, close: async () => undefined };
  }
  // Bound once: every call counts a hit or a miss, and prom-client hashes a label object per inc.
  const hits = counter.labels({ result: 'hit', cause: '' });
  const misses = counter.labels({ result: 'miss', cause: '' });
  // tag ("j:<jti>", "m:<member>", "k:<kid>") -> keys of the entries it names.
  const index = new Map<string, Set<string>>();
  const entries = new LRUCache<string, Entry>({
    max: maxEntries,
    dispose: (entry, key) => {
      for (const tag of entry.tags) {
        const keys = index.get(tag);
        keys?.delete(key);
        if (keys?.size === 0) index.delete(tag);
      }
    },
  });
  const publishers = new Map<string, { seq: number; seenAt: number }>();
  const quarantine = new Map<string, number>();
  let subscribed = false;
  let generation = 0;

  const forget = (cause: string): void => {
    generation += 1;
    if (entries.size > 0) entries.clear();
    counter.inc({ result: 'forget', cause });
  };
  const usable = (now: number): boolean => {
    if (!subscribed) return false;
    for (const [id, p] of publishers) {
      if (now - p.seenAt <= SILENCE_MS) continue;
      publishers.delete(id);
      forget('silence');
    }
    return publishers.size > 0;
  };
  const drop = (tag: string): void => {
    for (const key of [...(index.get(tag) ?? [])]) entries.delete(key);
  };

  const onMessage = (raw: string): void => {
    const m = parse(raw);
    if (!m) return log.warn({}, 'revocation channel: unreadable message ignored');
    const now = Date.now();
    const known = publishers.get(m.p);
    publishers.set(m.p, { seq: m.s, seenAt: now });
    if (!known) generation += 1;
    else if (m.s !== known.seq + 1) forget('gap');
    if (m.k === 'hb') return;
    generation += 1;
    if (quarantine.size > 10_000) for (const [id, until] of quarantine) if (until <= now) quarantine.delete(id);
    for (const id of m.v) {
      if (m.k === 'member') quarantine.set(id, now + QUARANTINE_MS);
      drop(`${m.k[0] ?? ''}:${id}`);
    }
  };

  const sub = new Redis(redisUrl, { autoResubscribe: false, maxRetriesPerRequest: null, retryStrategy: (attempt) => Math.min(attempt * 100, 1000) });
  sub.on('error', () => undefined);
  sub.on('message', (_channel: string, raw: string) => onMessage(raw));
  sub.on('ready', () => {
    sub.subscribe(channel).then(
      () => {
        publishers.clear();
        generation += 1;
        subscribed = true;
        log.info({}, 'revocation channel: listening');
      },
      (err: unknown) => log.warn({ err }, 'revocation channel: subscribe failed'),
    );
  });
  sub.on('close', () => {
    if (!subscribed) return;
    subscribed = false;
    publishers.clear();
    forget('disconnect');
    log.warn({}, 'revocation channel: lost; asking member-svc on every call until it is back');
  });

  const store = (key: string, answer: unknown, tags: readonly string[], ttl: number): void => {
    entries.set(key, { answer, tags }, { ttl });
    for (const tag of tags) {
      let keys = index.get(tag);
      if (!keys) index.set(tag, (keys = new Set()));
      keys.add(key);
    }
  };

  const remember = (key: string, token: string, answer: T, now: number): void => {
    const f = facts(answer);
    const until = quarantine.get(f.memberId);
    if (until !== undefined) {
      if (until > now) return;
      quarantine.delete(f.memberId);
    }
    const ttl = (f.expiresAt?.getTime() ?? 0) - now;
    if (ttl <= 0) return;
    store(key, answer, [`j:${f.jti}`, `m:${f.memberId}`, `k:${kidOf(token)}`], ttl);
  };

  const memberFacts: MemberFacts = {
    heard: () => usable(Date.now()),
    mark: () => generation,
    recall<V>(shelf: FactShelf, memberId: string) {
      if (!usable(Date.now())) return undefined;
      // Counted by the caller (feed cache and author cache metrics): a page recalls ~20 authors.
      const hit = entries.get(`${shelf}:${memberId}`);
      return hit ? { value: hit.answer as V } : undefined;
    },
    keep(shelf, memberId, value, since) {
      if (since === generation && usable(Date.now())) store(`${shelf}:${memberId}`, value, [`m:${memberId}`], FACTS_TTL_MS);
    },
  };

  return {
    async through(authorization, variant, ask) {
      const key = createHash('sha256').update(variant).update('\n').update(authorization).digest('base64');
      if (usable(Date.now())) {
        const hit = entries.get(key);
        if (hit) {
          hits.inc();
          return hit.answer as T;
        }
      }
      misses.inc();
      const before = generation;
      const answer = await ask();
      const now = Date.now();
      if (generation === before && usable(now)) remember(key, authorization.replace(/^Bearer\s+/i, ''), answer, now);
      return answer;
    },
    facts: memberFacts,
    async close() {
      subscribed = false;
      entries.clear();
      await sub.quit().catch(() => sub.disconnect());
    },
  };
}
