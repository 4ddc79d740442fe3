// A decoded response message -> the original contract's JSON, as the frontend reads it:
// camelCase names, int64 as JSON numbers when safe (ids and counts alike), enums without their
// prefix, Timestamps as ISO-8601 with offset, implicit-presence scalars always written (a count
// of 0 is `0`, never absent or null), unset optional fields and messages left out.
//
// Every message type is compiled once, on first use, into a shaper: a flat list of its fields,
// each with its JSON name and a value converter chosen from its descriptor. A response then
// costs one pass over its values; no descriptor is read, no name computed, per request.
import type { Field, Type } from 'protobufjs';
import { enumTypeOf, messageTypeOf } from './json-in.ts';
import { enumJsonName, isProto3Optional, jsonNameOf, LONG_TYPES } from './proto-json.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** Field types the edge turns into headers or cookies; they never appear in a JSON body. */
export const SESSION_TYPES = new Set(['dailyfeed.member.v1.IssuedTokens', 'dailyfeed.member.v1.SessionCleared']);

/** A decoded message (or undefined/null) -> its JSON object. */
export type MessageShaper = (message: unknown) => JsonObject;
/** One field of a decoded message -> its JSON, or undefined when it is left out. */
type FieldShaper = (source: Record<string, unknown>) => Json | undefined;
type ValueShaper = (value: unknown) => Json | undefined;

interface CompiledField {
  readonly jsonName: string;
  readonly shape: FieldShaper;
}

const EMPTY: Record<string, unknown> = {};
const shapers = new WeakMap<Type, MessageShaper>();
const fieldShapers = new WeakMap<Field, FieldShaper>();

export function messageToJson(type: Type, message: unknown): JsonObject {
  return shaperOf(type)(message);
}


export function shaperOf(type: Type): MessageShaper {
  const known = shapers.get(type);
  if (known !== undefined) return known;
  // Recursive types (a comment with replies) reach themselves while compiling: they get this
  // forwarder, which calls the compiled shaper once it exists.
  const slot: { compiled?: MessageShaper } = {};
  shapers.set(type, (message) => (slot.compiled ?? shaperOf(type))(message));
  slot.compiled = compileMessage(type);
  shapers.set(type, slot.compiled);
  return slot.compiled;
}

export function fieldShaperOf(field: Field): FieldShaper {
  let shaper = fieldShapers.get(field);
  if (shaper === undefined) {
    shaper = compileField(field);
    fieldShapers.set(field, shaper);
  }
  return shaper;
}

function compileMessage(type: Type): MessageShaper {
  const fields: CompiledField[] = [];
  for (const field of type.fieldsArray) {
    const nested = messageTypeOf(field);
    if (nested !== undefined && SESSION_TYPES.has(fullName(nested))) continue;
    fields.push({ jsonName: jsonNameOf(field), shape: fieldShaperOf(field) });
  }
  const count = fields.length;
  return (message) => {
    const source = (message ?? EMPTY) as Record<string, unknown>;
    const out: JsonObject = {};
    for (let i = 0; i < count; i += 1) {
      const field = fields[i] as CompiledField;
      const value = field.shape(source);
      if (value !== undefined) out[field.jsonName] = value;
    }
    return out;
  };
}

function compileField(field: Field): FieldShaper {
  const name = field.name;
  const single = valueShaperOf(field);
  if (field.map) {
    return (source) => {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries((source[name] ?? EMPTY) as Record<string, unknown>)) {
        const json = single(v);
        if (json !== undefined) out[k] = json;
      }
      return out;
    };
  }
  if (field.repeated) {
    return (source) => {
      const items = source[name];
      if (!Array.isArray(items)) return [];
      const out: Json[] = new Array<Json>(items.length);
      for (let i = 0; i < items.length; i += 1) out[i] = single(items[i]) ?? null;
      return out;
    };
  }
  const explicitPresence = messageTypeOf(field) !== undefined || isProto3Optional(field) || field.partOf !== null;
  if (!explicitPresence) return (source) => single(source[name]);
  // protobufjs keeps defaults on the prototype: only an own, non-null value is "set".
  return (source) => {
    const value = source[name];
    return value === null || value === undefined || !Object.prototype.hasOwnProperty.call(source, name) ? undefined : single(value);
  };
}

function valueShaperOf(field: Field): ValueShaper {
  const nested = messageTypeOf(field);
  if (nested !== undefined) {
    if (fullName(nested) === 'google.protobuf.Timestamp') return (value) => (value === null || value === undefined ? undefined : timestampJson(value as Record<string, unknown>));
    const shapeNested = shaperOf(nested);
    return (value) => (value === null || value === undefined ? undefined : shapeNested(value));
  }
  const enumType = enumTypeOf(field);
  if (enumType !== undefined) {
    const names = new Map<number, string>();
    for (const id of Object.values(enumType.values)) names.set(id, enumJsonName(enumType, id) ?? String(id));
    // UNSPECIFIED (0) is "no value": left out rather than sent as a name the original never had.
    return (value) => {
      const n = typeof value === 'number' ? value : 0;
      return n === 0 ? undefined : (names.get(n) ?? n);
    };
  }
  if (LONG_TYPES.has(field.type)) return longJson;
  if (field.type === 'bytes') return (value) => Buffer.from((value ?? new Uint8Array()) as Uint8Array).toString('base64');
  const fallback = defaultOf(field.type);
  return (value) => (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string' ? value : fallback);
}

/** {seconds, nanos} -> "2025-11-02T09:15:00.000Z" (always UTC, always with an offset). */
export function timestampJson(value: Record<string, unknown>): string {
  const seconds = Number(longJson(value['seconds']) ?? 0);
  const nanos = typeof value['nanos'] === 'number' ? value['nanos'] : 0;
  return isoMillis(seconds * 1000 + Math.floor(nanos / 1e6));
}

const MS_PER_DAY = 86_400_000;
// Years 0001-9999, the range of google.protobuf.Timestamp; Date's own formatter handles the rest.
const FIRST_MS = new Date('0001-01-01T00:00:00.000Z').getTime();
const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad = (n: number, width: number): string => `${n}`.padStart(width, '0');

/**
 * Epoch milliseconds -> ISO-8601 in UTC, the text Date#toISOString gives. Written out because
 * feed pages carry dozens of timestamps of many different posts: a Date and its formatter were
 * ~3 % of the edge's CPU, a cache of formatted values was slower still once the posts on pages
 * outnumbered it (1.2-1.5 µs per value vs 0.5 for Date and 0.16-0.19 for this, 100,000 distinct
 * instants, node 24). The calendar step counts days in 400-year eras of 146,097 days, with years
 * starting on 1 March so that the leap day ends a year.
 */
export function isoMillis(ms: number): string {
  if (!(ms >= FIRST_MS && ms <= LAST_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / MS_PER_DAY);
  let inDay = ms - days * MS_PER_DAY;
  const shifted = days + 719_468; // days since 0000-03-01
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(inDay / 3_600_000);
  inDay -= hours * 3_600_000;
  const minutes = Math.floor(inDay / 60_000);
  inDay -= minutes * 60_000;
  const secs = Math.floor(inDay / 1000);
  return `${pad(year, 4)}-${two(month)}-${two(day)}T${two(hours)}:${two(minutes)}:${two(secs)}.${pad(inDay - secs * 1000, 3)}Z`;
}

interface LongBits {
  readonly low: number;
  readonly high: number;
  readonly unsigned?: boolean;
}

/** int64 -> a JSON number when it is a safe integer, else its decimal string (no precision lost). */
export function longJson(value: unknown): number | string {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return safeOrText(Number(value), value);
  if (value === null || typeof value !== 'object') return 0;
  // protobufjs decodes int64 as a Long {low, high}: the number straight from its two halves
  // (exact whenever the result is a safe integer), its decimal text only when it is not.
  const bits = value as LongBits;
  if (typeof bits.low === 'number' && typeof bits.high === 'number') {
    const n = (bits.unsigned === true ? bits.high >>> 0 : bits.high) * 4294967296 + (bits.low >>> 0);
    if (Number.isSafeInteger(n)) return n;
  }
  const text = (value as { toString(): string }).toString();
  return safeOrText(Number(text), text);
}

function safeOrText(n: number, text: string): number | string {
  return Number.isSafeInteger(n) ? n : text;
}

function defaultOf(type: string): Json {
  if (type === 'bool') return false;
  if (type === 'string') return '';
  return 0;
}

function fullName(type: Type): string {
  return type.fullName.replace(/^\./, '');
}
