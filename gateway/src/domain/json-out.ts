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

/**
 * Formatted timestamps by epoch millisecond. Formatting (a Date and its ISO string) was ~3 % of the
 * edge's CPU on feed pages, and the same posts' times are shown to many readers; the map is
 * emptied when full rather than kept in LRU order.
 */
const formatted = new Map<number, string>();
const FORMATTED_MAX = 50_000;

/** {seconds, nanos} -> "2025-11-02T09:15:00.000Z" (always UTC, always with an offset). */
export function timestampJson(value: Record<string, unknown>): string {
  const seconds = Number(longJson(value['seconds']) ?? 0);
  const nanos = typeof value['nanos'] === 'number' ? value['nanos'] : 0;
  const ms = seconds * 1000 + Math.floor(nanos / 1e6);
  let text = formatted.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString();
    if (formatted.size >= FORMATTED_MAX) formatted.clear();
    formatted.set(ms, text);
  }
  return text;
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
