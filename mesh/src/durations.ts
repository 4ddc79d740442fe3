// The policy keeps durations in the seed's notation ("3s", "1m", "7200s"), which Istio accepts as
// written. grpc-js needs other shapes: "10s" strings in method configs and {seconds, nanos}
// objects in outlier detection (its parser rejects strings there). These convert one to the other.

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** "1m" -> 60000. Only whole numbers with one unit: all the policy uses, and unambiguous. */
export function durationMsOrThrow(text: string): number {
  const match = /^(\d+)(ms|s|m|h)$/.exec(text);
  const unit = match?.[2];
  if (!match?.[1] || !unit) throw new Error(`unsupported duration "${text}" (expected e.g. 300ms, 3s, 1m, 2h)`);
  return Number(match[1]) * (UNIT_MS[unit] ?? Number.NaN);
}

export interface ProtoDuration {
  readonly seconds: number;
  readonly nanos: number;
}

export function toProtoDuration(ms: number): ProtoDuration {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

/** grpc-js method config strings: "10s" or "0.025s" (it parses the fraction as seconds). */
export function toSecondsString(ms: number): string {
  return `${ms / 1000}s`;
}
