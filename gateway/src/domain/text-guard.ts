// Text the services can never store, refused at the edge with a 400 naming the field: NUL
// (U+0000, which PostgreSQL rejects in text, so it would surface as a 500) and lone UTF-16
// surrogates (not Unicode text; they would be stored as replacement characters). Also decimal
// ids in path or query text beyond int64, which string-typed refs (`member_ref`) would otherwise
// carry to SQL. The services check the same rules; this is the cheap first line.
import { InputError } from './json-in.ts';

const INT64_MAX = 2n ** 63n - 1n;
/** A JSON text can only hold NUL or a lone surrogate as a \u escape (raw control characters are invalid JSON). */
const RISKY_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;
/** Query parameters that name ids or refs (memberId, postIds, member_ref, ...). */
const ID_PARAM = /(?:id|ids|ref)$/i;

/** The rule a text breaks, or undefined when it is storable. */
export function textProblemOf(text: string): string | undefined {
  if (text.includes('\u0000')) return 'must not contain NUL (U+0000)';
  if (!text.isWellFormed()) return 'must not contain a lone UTF-16 surrogate';
  return undefined;
}

function checkText(text: string, where: string): void {
  const problem = textProblemOf(text);
  if (problem !== undefined) throw new InputError(where, problem);
}

/** Path variables: storable text, and an all-digit value within int64 (ids and refs). */
export function checkPathParams(params: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(params)) {
    checkText(value, name);
    checkDecimalId(value, name);
  }
}

export function checkQuery(query: Readonly<Record<string, string | readonly string[]>>): void {
  for (const [name, raw] of Object.entries(query)) {
    checkText(name, 'query parameter name');
    for (const value of typeof raw === 'string' ? [raw] : raw) {
      checkText(value, name);
      if (ID_PARAM.test(name)) checkDecimalId(value, name);
    }
  }
}

function checkDecimalId(value: string, where: string): void {
  if (/^\d{19,}$/.test(value) && BigInt(value) > INT64_MAX) throw new InputError(where, `is out of range (at most ${INT64_MAX})`);
}

/** A parsed JSON body; `rawText` lets the common case (no risky escape) skip the walk. */
export function checkJsonText(value: unknown, rawText?: string): void {
  if (rawText !== undefined && !RISKY_ESCAPE.test(rawText)) return;
  walk(value, '');
}

function walk(value: unknown, where: string): void {
  if (typeof value === 'string') {
    checkText(value, where || 'body');
  } else if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => walk(item, `${where}[${i}]`));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      // A bad key is named in its escaped form, so the message itself stays storable text.
      const name = textProblemOf(key) === undefined ? key : JSON.stringify(key).slice(1, -1);
      const at = where === '' ? name : `${where}.${name}`;
      checkText(key, `${at} (name)`);
      walk(item, at);
    }
  }
}
