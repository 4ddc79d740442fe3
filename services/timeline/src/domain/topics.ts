// Daily topics: `<prefix>yyyyMMdd` by UTC date. The fan-out consumer subscribes to every such
// topic whose date is still inside retention, future ones included (content-svc creates
// tomorrow's topic ahead of time, so subscribing early makes midnight a non-event).
const DAY_MS = 86_400_000;

export function dayTopic(prefix: string, at: Date): string {
  return `${prefix}${at.toISOString().slice(0, 10).replaceAll('-', '')}`;
}

/** The UTC day of a daily topic (ms since epoch at 00:00), or undefined for any other name. */
export function topicDay(name: string, prefix: string): number | undefined {
  if (!name.startsWith(prefix)) return undefined;
  const match = /^(\d{4})(\d{2})(\d{2})$/.exec(name.slice(prefix.length));
  if (!match) return undefined;
  const [, y, m, d] = match;
  const day = Date.UTC(Number(y), Number(m) - 1, Number(d));
  // Rejects 20261332 and friends: the date must round-trip.
  return new Date(day).toISOString().slice(0, 10) === `${y}-${m}-${d}` ? day : undefined;
}

/** The daily topics among `names` inside retention, sorted (a stable list to compare). */
export function topicsToConsume(names: readonly string[], prefix: string, now: Date, retentionDays: number): string[] {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const oldest = today - retentionDays * DAY_MS;
  return names
    .filter((name) => {
      const day = topicDay(name, prefix);
      return day !== undefined && day >= oldest;
    })
    .sort();
}

/** Delay until `afterMs` past the next UTC midnight (when a new day topic starts being used). */
export function msUntilAfterMidnight(now: Date, afterMs: number): number {
  const next = (Math.floor(now.getTime() / DAY_MS) + 1) * DAY_MS;
  return next - now.getTime() + afterMs;
}

export function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}
