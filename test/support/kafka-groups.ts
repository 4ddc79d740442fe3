// For test failure messages: where a Kafka consumer group stands. activity-svc's consumer has been
// seen, rarely, to join its group and read nothing for 30-60 s; a test that waits on it says why.
import type { Admin } from 'kafkajs';

/** The group's state and members, and per topic `topics` keeps, its committed offsets against each partition's end. */
export async function groupState(admin: Admin, groupId: string, topics: (name: string) => boolean): Promise<string> {
  try {
    await admin.connect();
    const { groups } = await admin.describeGroups([groupId]);
    const parts = groups.map((g) => `group ${g.groupId} ${g.state}, ${g.members.length} member(s)`);
    for (const topic of (await admin.listTopics()).filter(topics)) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, p.offset]));
      parts.push(`${topic}: ${ends.map((e) => `p${e.partition} ${at.get(e.partition) ?? '?'}/${e.offset}`).join(' ')}`);
    }
    return parts.join('; ');
  } catch (err: unknown) {
    return `group state unavailable: ${String(err)}`;
  } finally {
    await admin.disconnect();
  }
}
