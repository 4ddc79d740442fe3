// Ids travel as decimal strings (int64 in the contract). They are compared as integers, never with
// string or floating-point equality, so ids above 2^53 stay exact (the original compared boxed
// Longs with `!=`, a QUIRK not kept). Ids are generated identities, so 0 and negatives name
// nothing: a lookup of one is "not found", never a database error.

const DECIMAL = /^-?\d{1,19}$/;
const INT64_MAX = 9223372036854775807n;

/** The id as a canonical positive decimal string, or undefined when it can name no row. */
export function positiveId(value: string): string | undefined {
  if (!DECIMAL.test(value)) return undefined;
  const n = BigInt(value);
  return n > 0n && n <= INT64_MAX ? n.toString() : undefined;
}

export function sameId(a: string, b: string): boolean {
  const x = positiveId(a);
  return x !== undefined && x === positiveId(b);
}

/** Distinct positive ids in first-seen order; the others are dropped. */
export function distinctPositiveIds(values: readonly string[]): string[] {
  const out = new Set<string>();
  for (const value of values) {
    const id = positiveId(value);
    if (id !== undefined) out.add(id);
  }
  return [...out];
}
