// bench/mixed: are the posts' events really consumed? Before a row's closing CPU snapshot the
// bench waits until every consumer group of the stack (activity, search, timeline's fan-out) has
// committed up to the end of content's day topics, so the consumers' CPU is counted in the row,
// and then checks that each created post is stored once in activity's log and search's index.
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { MemberActivityType } from '@dailyfeed/gen/events/v1/member_activity';
import type pg from 'pg';
import { GROUPS } from './stack.ts';

const TOPIC_PREFIX = 'member-activity-'; // content-svc's day topics (member-activity-yyyyMMdd, UTC)

export interface Events {
  /** Waits until every group has joined (Stable, with members). */
  groupsJoined(timeoutMs: number): Promise<void>;
  /** Waits until every group committed up to the end of the day topics; false on timeout. */
  drained(timeoutMs: number): Promise<{ drained: boolean; lag: number; ms: number }>;
  close(): Promise<void>;
}

export async function connectEvents(broker: string): Promise<Events> {
  // Connected only while in use: an idle kafkajs connection wakes its process ~1,000 times a second
  // (kafkajs 2.2.4's request-queue timer), which would be charged to the load generator.
  const admin: Admin = new Kafka({ clientId: 'bench-mixed', brokers: [broker], logLevel: logLevel.NOTHING }).admin();
  const connected = async <T>(work: () => Promise<T>): Promise<T> => {
    await admin.connect();
    try {
      return await work();
    } finally {
      await admin.disconnect();
    }
  };
  const dayTopics = async (): Promise<string[]> => {
    const days = [-1, 0, 1].map((d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10).replaceAll('-', ''));
    const all = await admin.listTopics();
    return days.map((d) => `${TOPIC_PREFIX}${d}`).filter((t) => all.includes(t));
  };
  // End offsets when the stack came up: a group that never committed on a partition is behind
  // only if that partition grew since (timeline's fan-out group starts at the end of a topic).
  const baseline = new Map<string, number>();
  const ends = async (topics: string[]): Promise<Map<string, { high: number; low: number }>> => {
    const out = new Map<string, { high: number; low: number }>();
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) out.set(`${topic}/${p.partition}`, { high: Number(p.high), low: Number(p.low) });
    return out;
  };
  await connected(async () => {
    for (const [key, { high }] of await ends(await dayTopics())) baseline.set(key, high);
  });
  const lag = async (): Promise<number> => {
    const topics = await dayTopics();
    const end = await ends(topics);
    let total = 0;
    for (const groupId of Object.values(GROUPS)) {
      for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
        for (const { partition, offset } of partitions) {
          const key = `${topic}/${partition}`;
          const e = end.get(key) ?? { high: 0, low: 0 };
          const committed = Number(offset) >= 0 ? Number(offset) : Math.max(e.low, baseline.get(key) ?? e.low);
          total += Math.max(0, e.high - committed);
        }
      }
    }
    return total;
  };
  return {
    groupsJoined: (timeoutMs) =>
      connected(async () => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const { groups } = await admin.describeGroups(Object.values(GROUPS));
          if (groups.every((g) => g.state === 'Stable' && g.members.length > 0)) return;
          if (Date.now() > deadline) throw new Error(`consumer groups not joined after ${timeoutMs} ms: ${groups.map((g) => `${g.groupId}=${g.state}`).join(', ')}`);
          await new Promise((r) => setTimeout(r, 250));
        }
      }),
    drained: (timeoutMs) =>
      connected(async () => {
        const started = Date.now();
        let last = 0;
        while (Date.now() - started < timeoutMs) {
          last = await lag();
          if (last === 0) return { drained: true, lag: 0, ms: Date.now() - started };
          await new Promise((r) => setTimeout(r, 100));
        }
        return { drained: false, lag: last, ms: Date.now() - started };
      }),
    close: () => admin.disconnect(),
  };
}

export interface Stored {
  readonly expected: number;
  readonly activity: number;
  readonly search: number;
}

/** How many of the created posts activity's log and search's index hold (each must hold every one). */
export async function storedPosts(db: pg.Client, postIds: readonly string[], timeoutMs: number): Promise<Stored> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ a: string; s: string }>(
      `select (select count(*) from activity.activities where post_id = any($1::bigint[]) and type = $2) as a,
              (select count(*) from search.posts where post_id = any($1::bigint[]) and not is_deleted) as s`,
      [postIds, MemberActivityType.MEMBER_ACTIVITY_TYPE_POST_CREATE],
    );
    const stored = { expected: postIds.length, activity: Number(rows[0]?.a), search: Number(rows[0]?.s) };
    if ((stored.activity >= stored.expected && stored.search >= stored.expected) || Date.now() > deadline) return stored;
    await new Promise((r) => setTimeout(r, 200));
  }
}
