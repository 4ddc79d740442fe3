// A decoded response message -> the original contract's JSON, as the frontend reads it:
// camelCase names, int64 as JSON numbers when safe (ids and counts alike), enums without their
// prefix, Timestamps as ISO-8601 with offset, implicit-presence scalars always written (a count
// of 0 is `0`, never absent or null), unset optional fields and messages left out.
import type { Field, Type } from 'protobufjs';
import { enumTypeOf, messageTypeOf } from './json-in.ts';
import { enumJsonName, isProto3Optional, jsonNameOf, LONG_TYPES } from './proto-json.ts';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Field types the edge turns into headers or cookies; they never appear in a JSON body. */
export const SESSION_TYPES = new Set(['dailyfeed.member.v1.IssuedTokens', 'dailyfeed.member.v1.SessionCleared']);

interface LongLike {
  toString(): string;
}

export function messageToJson(type: Type, message: unknown): { [key: string]: Json } {
  const source = (message ?? {}) as Record<string, unknown>;
  const out: { [key: string]: Json } = {};
  for (const field of type.fieldsArray) {
    const nested = messageTypeOf(field);
    if (nested !== undefined && SESSION_TYPES.has(nested.fullName.replace(/^\./, ''))) continue;
    const value = fieldJson(field, source);
    if (value !== undefined) out[jsonNameOf(field)] = value;
  }
  return out;
}

/** The JSON of one field of a decoded message, or undefined when it is left out. */
export function fieldJson(field: Field, source: Record<string, unknown>): Json | undefined {
  const present = Object.prototype.hasOwnProperty.call(source, field.name) && source[field.name] !== null && source[field.name] !== undefined;
  const value = source[field.name];
  if (field.map) {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) {
      const json = singleJson(field, v);
      if (json !== undefined) out[k] = json;
    }
    return out;
  }
  if (field.repeated) {
    const items = Array.isArray(value) ? (value as unknown[]) : [];
    return items.map((v) => singleJson(field, v) ?? null);
  }
  const explicitPresence = messageTypeOf(field) !== undefined || isProto3Optional(field) || field.partOf !== null;
  if (explicitPresence && !present) return undefined;
  return singleJson(field, value);
}

function singleJson(field: Field, value: unknown): Json | undefined {
  const nested = messageTypeOf(field);
  if (nested !== undefined) return messageJson(nested, value);
  const enumType = enumTypeOf(field);
  if (enumType !== undefined) {
    // UNSPECIFIED (0) is "no value": left out rather than sent as a name the original never had.
    const n = typeof value === 'number' ? value : 0;
    return n === 0 ? undefined : (enumJsonName(enumType, n) ?? n);
  }
  if (LONG_TYPES.has(field.type)) return longJson(value);
  if (field.type === 'bytes') return Buffer.from((value ?? new Uint8Array()) as Uint8Array).toString('base64');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  return defaultOf(field.type);
}

function messageJson(type: Type, value: unknown): Json | undefined {
  if (value === null || value === undefined) return undefined;
  const name = type.fullName.replace(/^\./, '');
  if (name === 'google.protobuf.Timestamp') return timestampJson(value as Record<string, unknown>);
  return messageToJson(type, value);
}

/** {seconds, nanos} -> "2025-11-02T09:15:00.000Z" (always UTC, always with an offset). */
export function timestampJson(value: Record<string, unknown>): string {
  const seconds = Number(longJson(value['seconds']) ?? 0);
  const nanos = typeof value['nanos'] === 'number' ? value['nanos'] : 0;
  return new Date(seconds * 1000 + Math.floor(nanos / 1e6)).toISOString();
}

/** int64 -> a JSON number when it is a safe integer, else its decimal string (no precision lost). */
export function longJson(value: unknown): number | string {
  if (typeof value === 'number') return value;
  const text = typeof value === 'string' ? value : value !== null && typeof value === 'object' ? (value as LongLike).toString() : '0';
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

function defaultOf(type: string): Json {
  if (type === 'bool') return false;
  if (type === 'string') return '';
  return 0;
}
