// Event time in nanoseconds, strictly increasing within the process. The timestamp suffix of a
// message key is the dedup id of a repeatable action (SPEC: like -> unlike -> like is three
// events), so two likes in the same millisecond must still get different keys.

export interface EventClock {
  /** A fresh instant, later than every instant this clock returned before. */
  now(): EventInstant;
}

export interface EventInstant {
  /** Nanoseconds since the Unix epoch. */
  readonly epochNanos: bigint;
  /** The same instant at millisecond precision (proto Timestamp, topic date). */
  readonly date: Date;
}

/**
 * `wallNanos` reads the wall clock in nanoseconds; sub-millisecond digits may come from a
 * monotonic source. When the wall clock stalls or steps back, the clock moves on by 1 ns.
 */
export function createEventClock(wallNanos: () => bigint): EventClock {
  let last = 0n;
  return {
    now() {
      const candidate = wallNanos();
      last = candidate > last ? candidate : last + 1n;
      return { epochNanos: last, date: new Date(Number(last / 1_000_000n)) };
    },
  };
}

const pad = (value: number | bigint, width: number): string => value.toString().padStart(width, '0');

/** `yyyy-MM-dd HH:mm:ss.SSSSSSSSS` in UTC, the original's key suffix format. */
export function formatKeyTimestamp(instant: EventInstant): string {
  const d = instant.date;
  const nanosOfSecond = instant.epochNanos % 1_000_000_000n;
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(nanosOfSecond, 9)}`
  );
}
