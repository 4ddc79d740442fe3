// Daily activity topics (SPEC "Kafka"): today's and tomorrow's `member-activity-yyyyMMdd` exist
// before anything is published to them (6 partitions, replication capped by the broker count,
// delete policy, retention in days); topics past retention are deleted only once every consumer
// group that read them has caught up to their end offsets.
import type { Admin, Kafka } from 'kafkajs';
import { dateOfTopic, topicForDate } from '../domain/activity-event.ts';

export const TOPIC_PARTITIONS = 6;
const DAY_MS = 86_400_000;

export interface TopicLog {
  info(obj: object, msg: string): void;
}

async function withAdmin<T>(kafka: Kafka, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect();
  }
}

/** Creates today's and tomorrow's topics when missing; returns the names it created. */
export function ensureDailyTopics(kafka: Kafka, now: Date, retentionDays: number): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const wanted = [topicForDate(now), topicForDate(new Date(now.getTime() + DAY_MS))];
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    if (missing.length === 0) return [];
    const { brokers } = await admin.describeCluster();
    const replicationFactor = Math.max(1, Math.min(3, brokers.length));
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({
        topic,
        numPartitions: TOPIC_PARTITIONS,
        replicationFactor,
        configEntries: [
          { name: 'cleanup.policy', value: 'delete' },
          { name: 'retention.ms', value: String(retentionDays * DAY_MS) },
        ],
      })),
    });
    return missing;
  });
}

/**
 * Deletes daily topics older than the retention whose consumer groups have no lag. A group
 * counts for a topic when it committed an offset on it; a topic nobody ever consumed is past
 * retention, so its records are gone anyway and it is deleted too.
 */
export function cleanupExpiredTopics(kafka: Kafka, now: Date, retentionDays: number, log: TopicLog): Promise<string[]> {
  return withAdmin(kafka, async (admin) => {
    const cutoff = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - retentionDays * DAY_MS;
    const expired = (await admin.listTopics()).filter((t) => {
      const day = dateOfTopic(t);
      return day !== undefined && day.getTime() < cutoff;
    });
    if (expired.length === 0) return [];
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    const deletable: string[] = [];
    for (const topic of expired) {
      const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
      let lagging: string | undefined;
      for (const groupId of groups) {
        const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
        const partitions = committed?.partitions ?? [];
        if (partitions.every((p) => p.offset === '-1')) continue;
        const behind = partitions.some((p) => BigInt(p.offset === '-1' ? '0' : p.offset) < (ends.get(p.partition) ?? 0n));
        if (behind) {
          lagging = groupId;
          break;
        }
      }
      if (lagging) log.info({ topic, group: lagging }, 'expired topic kept: a consumer group still lags on it');
      else deletable.push(topic);
    }
    if (deletable.length > 0) await admin.deleteTopics({ topics: deletable });
    return deletable;
  });
}
