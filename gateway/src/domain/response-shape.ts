// A decoded RPC response -> what the edge sends: the success envelope {status, result, data}
// with `data` = the whole message or its `response_body` field, or raw bytes when that field is
// a google.api.HttpBody; plus the session effects read from fields of the session types
// (IssuedTokens -> Authorization header + refresh cookie, SessionCleared -> cookie cleared).
import type { Type } from 'protobufjs';
import { messageTypeOf } from './json-in.ts';
import { fieldShaperOf, shaperOf, timestampJson, type Json } from './json-out.ts';
import { fieldByAnyName } from './proto-json.ts';
import type { RouteSpec } from './route-table.ts';

export interface SuccessEnvelope {
  readonly status: number;
  readonly result: 'SUCCESS';
  readonly data: Json;
}

export type ResponseBody = { readonly kind: 'json'; readonly envelope: SuccessEnvelope } | { readonly kind: 'raw'; readonly contentType: string; readonly data: Uint8Array };

export interface IssuedSession {
  readonly accessToken: string;
  readonly refreshToken: string;
  /** ISO time the refresh token expires, when the service said. */
  readonly refreshExpiresAt: string | undefined;
}

export interface SessionEffects {
  readonly issued: IssuedSession | undefined;
  readonly cleared: boolean;
}

const HTTP_BODY = 'google.api.HttpBody';
const ISSUED_TOKENS = 'dailyfeed.member.v1.IssuedTokens';
const SESSION_CLEARED = 'dailyfeed.member.v1.SessionCleared';

/** What a route does with its decoded response, decided once per route. */
type RouteShaper = (message: Record<string, unknown>) => ResponseBody;
const routeShapers = new WeakMap<RouteSpec, RouteShaper>();
const sessionReaders = new WeakMap<Type, (message: Record<string, unknown>) => SessionEffects>();
const NO_EFFECTS: SessionEffects = { issued: undefined, cleared: false };

export function shapeResponse(route: RouteSpec, message: Record<string, unknown>): ResponseBody {
  let shaper = routeShapers.get(route);
  if (shaper === undefined) {
    shaper = compileRouteShaper(route);
    routeShapers.set(route, shaper);
  }
  return shaper(message);
}

function compileRouteShaper(route: RouteSpec): RouteShaper {
  const type = route.responseType;
  const status = route.successStatus;
  const envelope = (data: Json): ResponseBody => ({ kind: 'json', envelope: { status, result: 'SUCCESS', data } });
  if (route.responseBody === '') {
    const shapeMessage = shaperOf(type);
    return (message) => envelope(shapeMessage(message));
  }
  const field = fieldByAnyName(type, route.responseBody);
  if (field === undefined) throw new Error(`${route.grpcPath}: response_body ${route.responseBody} is not a field`);
  const nested = messageTypeOf(field);
  if (nested !== undefined && fullName(nested) === HTTP_BODY && !field.repeated) {
    const name = field.name;
    return (message) => {
      const body = (message[name] ?? {}) as { content_type?: string; data?: Uint8Array };
      return { kind: 'raw', contentType: body.content_type || 'application/octet-stream', data: body.data ?? new Uint8Array() };
    };
  }
  const shapeField = fieldShaperOf(field);
  return (message) => envelope(shapeField(message) ?? null);
}

export function sessionEffects(type: Type, message: Record<string, unknown>): SessionEffects {
  let reader = sessionReaders.get(type);
  if (reader === undefined) {
    reader = compileSessionReader(type);
    sessionReaders.set(type, reader);
  }
  return reader(message);
}

/** Most response types carry no session field: their reader returns a constant. */
function compileSessionReader(type: Type): (message: Record<string, unknown>) => SessionEffects {
  const issuedFields: string[] = [];
  let cleared = false;
  for (const field of type.fieldsArray) {
    const nested = messageTypeOf(field);
    if (nested === undefined) continue;
    const name = fullName(nested);
    if (name === ISSUED_TOKENS) issuedFields.push(field.name);
    // A response type that can carry SessionCleared ends the session on success, set or not.
    if (name === SESSION_CLEARED) cleared = true;
  }
  if (issuedFields.length === 0) {
    const constant: SessionEffects = cleared ? { issued: undefined, cleared } : NO_EFFECTS;
    return () => constant;
  }
  return (message) => {
    let issued: IssuedSession | undefined;
    for (const fieldName of issuedFields) {
      const value = message[fieldName] as Record<string, unknown> | null | undefined;
      if (value === null || value === undefined) continue;
      const access = typeof value['access_token'] === 'string' ? value['access_token'] : '';
      const refresh = typeof value['refresh_token'] === 'string' ? value['refresh_token'] : '';
      const expires = value['refresh_token_expires_at'] as Record<string, unknown> | null | undefined;
      if (access !== '') issued = { accessToken: access, refreshToken: refresh, refreshExpiresAt: expires ? timestampJson(expires) : undefined };
    }
    return { issued, cleared };
  };
}

function fullName(type: Type): string {
  return type.fullName.replace(/^\./, '');
}
