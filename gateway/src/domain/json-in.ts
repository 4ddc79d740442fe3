// Original-contract JSON (and query/path strings) -> a plain object that protobufjs'
// Type.fromObject accepts. Lenient where the frontend needs it (numbers or numeric strings for
// ids, enum names without prefix, null = absent, unknown fields ignored), strict on types, so a
// wrong type is a 400 naming the field instead of a 500 from the encoder or the service.
import type { Enum, Field, Type } from 'protobufjs';
import { enumJsonName, enumPrefix, fieldByAnyName, FLOAT_TYPES, INT32_TYPES, isProto3Optional, jsonNameOf, LONG_TYPES, UINT32_TYPES } from './proto-json.ts';

/** A request value the edge cannot turn into the RPC's message: answered with 400. */
export class InputError extends Error {
  override name = 'InputError';
  readonly field: string;
  constructor(field: string, rule: string) {
    super(`${field}: ${rule}`);
    this.field = field;
  }
}

export type ProtoObject = Record<string, unknown>;

/** "text" values come from a path or a query string, where everything is a string. */
type Source = 'json' | 'text';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** A JSON object -> the message `type`; `where` names the object in errors. */
export function messageFromJson(type: Type, json: unknown, where = ''): ProtoObject {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InputError(where || 'body', 'must be a JSON object');
  }
  // Some requests document "" as "absent" for their optional strings (e.g. SignupRequest, whose
  // frontend form sends every empty field as "").
  const emptyIsAbsent = emptyIsAbsentOf(type);
  const out: ProtoObject = {};
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByAnyName(type, key);
    if (field === undefined || value === null || value === undefined) continue;
    if (emptyIsAbsent && value === '' && field.type === 'string' && isProto3Optional(field)) continue;
    out[field.name] = fieldValue(field, value, join(where, jsonNameOf(field)), 'json');
  }
  return out;
}

const emptyIsAbsentByType = new WeakMap<Type, boolean>();

function emptyIsAbsentOf(type: Type): boolean {
  let answer = emptyIsAbsentByType.get(type);
  if (answer === undefined) {
    answer = /""\s+as\s+absent/i.test(type.comment ?? '');
    emptyIsAbsentByType.set(type, answer);
  }
  return answer;
}

/** A path variable or query parameter (strings) into `target` at `fieldPath`. */
export function setFromText(type: Type, target: ProtoObject, fieldPath: readonly string[], raw: string | readonly string[]): void {
  let currentType = type;
  let current = target;
  for (let i = 0; i < fieldPath.length; i += 1) {
    const key = fieldPath[i] ?? '';
    const field = fieldByAnyName(currentType, key);
    if (field === undefined) return;
    const where = fieldPath.slice(0, i + 1).join('.');
    if (i === fieldPath.length - 1) {
      const values = typeof raw === 'string' ? [raw] : raw;
      if (field.repeated) current[field.name] = values.map((v) => fieldValue(field, v, where, 'text', true));
      else current[field.name] = fieldValue(field, values[values.length - 1] ?? '', where, 'text');
      return;
    }
    const nestedType = messageTypeOf(field);
    if (nestedType === undefined) throw new InputError(where, 'is not a message');
    const next = (current[field.name] as ProtoObject | undefined) ?? {};
    current[field.name] = next;
    current = next;
    currentType = nestedType;
  }
}

function fieldValue(field: Field, value: unknown, where: string, source: Source, element = false): unknown {
  if (field.map) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(where, 'must be a JSON object');
    const out: ProtoObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = singleValue(field, v, `${where}.${k}`, source);
    return out;
  }
  if (field.repeated && !element) {
    if (!Array.isArray(value)) throw new InputError(where, 'must be an array');
    return value.map((v: unknown, i) => singleValue(field, v, `${where}[${i}]`, source));
  }
  return singleValue(field, value, where, source);
}

function singleValue(field: Field, value: unknown, where: string, source: Source): unknown {
  const messageType = messageTypeOf(field);
  if (messageType !== undefined) return messageValue(messageType, value, where);
  const enumType = enumTypeOf(field);
  if (enumType !== undefined) return enumValue(enumType, value, where);
  const t = field.type;
  if (LONG_TYPES.has(t)) return longValue(value, where, t.startsWith('u') || t === 'fixed64');
  if (INT32_TYPES.has(t)) return intValue(value, where, -(2 ** 31), 2 ** 31 - 1);
  if (UINT32_TYPES.has(t)) return intValue(value, where, 0, 2 ** 32 - 1);
  if (FLOAT_TYPES.has(t)) return floatValue(value, where);
  if (t === 'bool') return boolValue(value, where, source);
  if (t === 'bytes') return bytesValue(value, where);
  if (t === 'string') {
    if (typeof value !== 'string') throw new InputError(where, 'must be a string');
    return value;
  }
  throw new InputError(where, `unsupported type ${t}`);
}

function messageValue(type: Type, value: unknown, where: string): unknown {
  const name = type.fullName.replace(/^\./, '');
  if (name === 'google.protobuf.Timestamp') return timestampValue(value, where);
  return messageFromJson(type, value, where);
}

function timestampValue(value: unknown, where: string): ProtoObject {
  const ms = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new InputError(where, 'must be an RFC 3339 date-time, e.g. 2025-11-02T09:15:00Z');
  const seconds = Math.floor(ms / 1000);
  const fraction = /\.(\d{1,9})/.exec(String(value))?.[1] ?? '';
  return { seconds: String(seconds), nanos: Number(fraction.padEnd(9, '0')) };
}

function enumValue(e: Enum, value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && e.valuesById[value] !== undefined) return value;
  if (typeof value === 'string') {
    const upper = value.trim().toUpperCase();
    const byName = e.values[`${enumPrefix(e)}${upper}`] ?? e.values[upper];
    if (byName !== undefined && byName !== 0) return byName;
  }
  const allowed = Object.values(e.values)
    .filter((v) => v !== 0)
    .map((v) => enumJsonName(e, v))
    .join(', ');
  throw new InputError(where, `must be one of ${allowed}`);
}

function longValue(value: unknown, where: string, unsigned: boolean): string {
  let text: string;
  if (typeof value === 'number' && Number.isSafeInteger(value)) text = String(value);
  else if (typeof value === 'string' && /^-?\d{1,20}$/.test(value.trim())) text = value.trim();
  else throw new InputError(where, 'must be an integer');
  const big = BigInt(text);
  if (unsigned ? big < 0n || big > UINT64_MAX : big < INT64_MIN || big > INT64_MAX) throw new InputError(where, 'is out of range');
  return big.toString();
}

function intValue(value: unknown, where: string, min: number, max: number): number {
  const n = typeof value === 'string' && /^-?\d{1,10}$/.test(value.trim()) ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new InputError(where, 'must be an integer');
  if (n < min || n > max) throw new InputError(where, 'is out of range');
  return n;
}

function floatValue(value: unknown, where: string): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || Number.isNaN(n)) throw new InputError(where, 'must be a number');
  return n;
}

function boolValue(value: unknown, where: string, source: Source): boolean {
  if (typeof value === 'boolean') return value;
  if (source === 'text' && (value === 'true' || value === 'false')) return value === 'true';
  if (source === 'text' && value === '') return true; // `?thumbnail` alone means true
  throw new InputError(where, 'must be true or false');
}

function bytesValue(value: unknown, where: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return Buffer.from(value, 'base64');
  throw new InputError(where, 'must be base64 bytes');
}

export function messageTypeOf(field: Field): Type | undefined {
  const t = field.resolvedType;
  return t !== null && 'fieldsArray' in t ? t : undefined;
}

export function enumTypeOf(field: Field): Enum | undefined {
  const t = field.resolvedType;
  return t !== null && 'valuesById' in t ? t : undefined;
}

function join(where: string, name: string): string {
  return where === '' ? name : `${where}.${name}`;
}

