// Field rules shared by signup, profile update and handle change. Each check appends at most one
// violation for its field, so a request reports every failing field once.
import { validationError, type FieldViolation } from './errors.ts';

export const HANDLE_PATTERN = /^[a-zA-Z0-9_]{3,50}$/;
const PASSWORD_PATTERN = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[@$!%*?&#])[A-Za-z\d@$!%*?&#]+$/;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export type Violations = FieldViolation[];

/** "" and whitespace-only count as absent for optional text (the frontend sends "" for empty). */
export function present(value: string | undefined | null): string | undefined {
  return value === undefined || value === null || value.trim() === '' ? undefined : value;
}

export function checkLength(out: Violations, field: string, value: string, min: number, max: number): void {
  const n = [...value].length;
  if (n < min || n > max) {
    const message = min > 0 ? `must be ${min}-${max} characters` : `must be at most ${max} characters`;
    out.push({ field, rule: min > 0 ? 'length' : 'max_length', message });
  }
}

export function checkRequired(out: Violations, field: string, value: string | undefined): value is string {
  if (value === undefined || value.trim() === '') {
    out.push({ field, rule: 'required', message: 'is required' });
    return false;
  }
  return true;
}

export function checkEmail(out: Violations, field: string, value: string): void {
  if ([...value].length > 100) out.push({ field, rule: 'max_length', message: 'must be at most 100 characters' });
  else if (!EMAIL_PATTERN.test(value)) out.push({ field, rule: 'format', message: 'must be a valid email address' });
}

export function checkPassword(out: Violations, field: string, value: string): void {
  if (value.length < 8 || value.length > 50) out.push({ field, rule: 'length', message: 'must be 8-50 characters' });
  else if (!PASSWORD_PATTERN.test(value)) {
    out.push({
      field,
      rule: 'pattern',
      message: 'must contain a lower case letter, an upper case letter, a digit and one of @$!%*?&#, and no other characters',
    });
  }
}

export function checkHandle(out: Violations, field: string, value: string): void {
  if (!HANDLE_PATTERN.test(value)) out.push({ field, rule: 'pattern', message: 'must be 3-50 letters, digits or _' });
}

export function checkHttpUrl(out: Violations, field: string, value: string, max: number): void {
  if ([...value].length > max) {
    out.push({ field, rule: 'max_length', message: `must be at most ${max} characters` });
    return;
  }
  let ok: boolean;
  try {
    const url = new URL(value);
    ok = url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    ok = false;
  }
  if (!ok) out.push({ field, rule: 'url', message: 'must be an http(s) URL' });
}

/** YYYY-MM-DD, a real calendar date, strictly before today (UTC). */
export function checkPastDate(out: Violations, field: string, value: string, now: Date): void {
  const date = new Date(`${value}T00:00:00Z`);
  if (!DATE_PATTERN.test(value) || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    out.push({ field, rule: 'format', message: 'must be a date YYYY-MM-DD' });
  } else if (value >= now.toISOString().slice(0, 10)) {
    out.push({ field, rule: 'past', message: 'must be in the past' });
  }
}

export function checkOneOf<T extends string>(out: Violations, field: string, value: string | undefined, allowed: readonly T[], required: boolean): T | undefined {
  if (value === undefined) {
    if (required) out.push({ field, rule: 'required', message: 'is required' });
    return undefined;
  }
  if (!(allowed as readonly string[]).includes(value)) {
    out.push({ field, rule: 'enum', message: `must be one of ${allowed.join(', ')}` });
    return undefined;
  }
  return value as T;
}

/**
 * Text PostgreSQL cannot store as given: U+0000 (text columns refuse byte 0x00) and lone UTF-16
 * surrogates (no UTF-8 form; they would be stored as U+FFFD). Checked before any other rule and
 * refused naming every such field, so such input never reaches SQL nor is stored altered.
 */
export function checkStorableTextOrThrow(fields: Readonly<Record<string, unknown>>): void {
  const out: Violations = [];
  for (const [field, value] of Object.entries(fields)) {
    if (typeof value !== 'string') continue;
    if (value.includes('\u0000')) out.push({ field, rule: 'no_nul', message: 'must not contain the NUL character (U+0000)' });
    else if (!value.isWellFormed()) out.push({ field, rule: 'well_formed', message: 'must be well-formed Unicode (no lone surrogates)' });
  }
  if (out.length > 0) throw validationError(out);
}
