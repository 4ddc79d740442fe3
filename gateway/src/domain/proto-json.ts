// Shared naming rules of the edge's JSON (the original contract): enum values travel without
// their prefix ("MALE" for GENDER_MALE), fields by their JSON name (camelCase or json_name).
import type { Enum, Field, Type } from 'protobufjs';

/** GENDER_ for Gender, COUNTRY_CODE_ for CountryCode. */
export function enumPrefix(e: Enum): string {
  return `${e.name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}_`;
}

/** "MALE" for GENDER_MALE; the full name when it lacks the prefix. */
export function enumJsonName(e: Enum, value: number): string | undefined {
  const name = e.valuesById[value];
  if (name === undefined) return undefined;
  const prefix = enumPrefix(e);
  return name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

export function jsonNameOf(field: Field): string {
  return field.jsonName ?? field.name;
}

const fieldIndexes = new WeakMap<Type, ReadonlyMap<string, Field>>();

/** Looks a field up by its JSON name or its proto name (an index built once per type). */
export function fieldByAnyName(type: Type, key: string): Field | undefined {
  let index = fieldIndexes.get(type);
  if (index === undefined) {
    const byName = new Map<string, Field>();
    // Filled from the last field to the first, so on a name clash the first field in declaration
    // order wins, as a linear scan would decide.
    for (const field of [...type.fieldsArray].reverse()) {
      byName.set(jsonNameOf(field), field);
      byName.set(field.name, field);
    }
    index = byName;
    fieldIndexes.set(type, index);
  }
  return index.get(key);
}

/** proto3 `optional` (explicit presence), as opposed to a member of a real oneof. */
export function isProto3Optional(field: Field): boolean {
  const options = field.options;
  return options?.['proto3_optional'] === true || (field.partOf !== null && field.partOf.name.startsWith('_') && field.partOf.oneof.length === 1);
}

export const LONG_TYPES = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
export const INT32_TYPES = new Set(['int32', 'sint32', 'sfixed32']);
export const UINT32_TYPES = new Set(['uint32', 'fixed32']);
export const FLOAT_TYPES = new Set(['double', 'float']);
