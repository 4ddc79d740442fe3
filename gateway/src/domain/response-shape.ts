// A decoded RPC response -> what the edge sends: the success envelope {status, result, data}
// with `data` = the whole message or its `response_body` field, or raw bytes when that field is
// a google.api.HttpBody; plus the session effects read from fields of the session types
// (IssuedTokens -> Authorization header + refresh cookie, SessionCleared -> cookie cleared).
import type { Type } from 'protobufjs';
import { messageTypeOf } from './json-in.ts';
import { fieldJson, messageToJson, timestampJson, type Json } from './json-out.ts';
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

export function shapeResponse(route: RouteSpec, message: Record<string, unknown>): ResponseBody {
  const type = route.responseType;
  if (route.responseBody === '') return envelope(route, messageToJson(type, message));
  const field = fieldByAnyName(type, route.responseBody);
  if (field === undefined) throw new Error(`${route.grpcPath}: response_body ${route.responseBody} is not a field`);
  const nested = messageTypeOf(field);
  if (nested !== undefined && fullName(nested) === HTTP_BODY && !field.repeated) {
    const body = (message[field.name] ?? {}) as { content_type?: string; data?: Uint8Array };
    return { kind: 'raw', contentType: body.content_type || 'application/octet-stream', data: body.data ?? new Uint8Array() };
  }
  return envelope(route, fieldJson(field, message) ?? null);
}

export function sessionEffects(type: Type, message: Record<string, unknown>): SessionEffects {
  let issued: IssuedSession | undefined;
  let cleared = false;
  for (const field of type.fieldsArray) {
    const nested = messageTypeOf(field);
    if (nested === undefined) continue;
    const name = fullName(nested);
    const value = message[field.name] as Record<string, unknown> | null | undefined;
    if (name === ISSUED_TOKENS && value !== null && value !== undefined) {
      const access = typeof value['access_token'] === 'string' ? value['access_token'] : '';
      const refresh = typeof value['refresh_token'] === 'string' ? value['refresh_token'] : '';
      const expires = value['refresh_token_expires_at'] as Record<string, unknown> | null | undefined;
      if (access !== '') issued = { accessToken: access, refreshToken: refresh, refreshExpiresAt: expires ? timestampJson(expires) : undefined };
    }
    // A response type that can carry SessionCleared ends the session on success, set or not.
    if (name === SESSION_CLEARED) cleared = true;
  }
  return { issued, cleared };
}

function envelope(route: RouteSpec, data: Json): ResponseBody {
  return { kind: 'json', envelope: { status: route.successStatus, result: 'SUCCESS', data } };
}

function fullName(type: Type): string {
  return type.fullName.replace(/^\./, '');
}
