// Builds the RPC request of a route from the HTTP request, following the HttpRule mapping:
// path variables -> their fields; body "*" -> the whole message (no query parameters);
// body "<field>" -> that field, other fields from the query; no body -> every field from the
// query. Then the edge-filled fields: `refresh_token` from the cookie and ClientInfo from the
// User-Agent and client address (never trusted from the client).
import type { Type } from 'protobufjs';
import { InputError, messageFromJson, messageTypeOf, setFromText, type ProtoObject } from './json-in.ts';
import { fieldByAnyName } from './proto-json.ts';
import type { RouteSpec } from './route-table.ts';

export interface UploadedFile {
  readonly field: string;
  readonly data: Uint8Array;
  readonly filename: string;
  readonly contentType: string;
}

export interface HttpInput {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string | readonly string[]>>;
  /** The parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
  /** Files of a multipart body; its plain fields arrive in `body`. */
  readonly files: readonly UploadedFile[];
  readonly refreshTokenCookie: string | undefined;
  readonly userAgent: string;
  readonly clientIp: string;
}

const CLIENT_INFO = 'dailyfeed.member.v1.ClientInfo';

export function buildRequest(route: RouteSpec, input: HttpInput): ProtoObject {
  const type = route.requestType;
  let request: ProtoObject = {};
  if (route.body === '*') {
    request = messageFromJson(type, input.body ?? {});
  } else if (route.body !== '') {
    const field = fieldByAnyName(type, route.body);
    const bodyType = field === undefined ? undefined : messageTypeOf(field);
    if (field !== undefined && input.body !== undefined) {
      request[field.name] = bodyType === undefined ? messageFromJson(type, { [field.name]: input.body })[field.name] : messageFromJson(bodyType, input.body);
    }
  }
  const plan = planOf(route);
  if (route.body !== '*') applyQuery(plan, type, request, input.query);
  for (const file of input.files) applyFile(type, request, file);
  for (const variable of route.variables) {
    const value = input.params[variable.param];
    if (value !== undefined) setFromText(type, request, variable.fieldPath, value);
  }
  applyEdgeFields(plan, request, input);
  return request;
}

/** What a route's request needs beyond the HttpRule, read from its descriptors once. */
interface RoutePlan {
  /** Fields the path or the body fill, which the query may not override. */
  readonly bound: ReadonlySet<string>;
  /** A string `refresh_token` field, filled from the cookie when the request left it unset. */
  readonly refreshField: string | undefined;
  /** ClientInfo fields, filled from the User-Agent and the client address. */
  readonly clientInfoFields: readonly string[];
}

const plans = new WeakMap<RouteSpec, RoutePlan>();

function planOf(route: RouteSpec): RoutePlan {
  let plan = plans.get(route);
  if (plan === undefined) {
    const type = route.requestType;
    const refresh = type.fieldsArray.find((f) => f.name === 'refresh_token' && f.type === 'string');
    const clientInfoFields = type.fieldsArray.filter((f) => messageTypeOf(f)?.fullName.replace(/^\./, '') === CLIENT_INFO).map((f) => f.name);
    plan = { bound: new Set([route.body, ...route.variables.map((v) => v.fieldPath.join('.'))]), refreshField: refresh?.name, clientInfoFields };
    plans.set(route, plan);
  }
  return plan;
}

function applyQuery(plan: RoutePlan, type: Type, request: ProtoObject, query: HttpInput['query']): void {
  for (const key of Object.keys(query)) {
    const value = query[key];
    if (value === undefined) continue;
    const dot = key.indexOf('.');
    const top = fieldByAnyName(type, dot < 0 ? key : key.slice(0, dot));
    // Unknown parameters (e.g. the original's `sort`) are ignored, as Spring did.
    if (top === undefined || plan.bound.has(top.name)) continue;
    setFromText(type, request, dot < 0 ? [key] : key.split('.'), value);
  }
}

/** A multipart file part fills the bytes field of its name, plus `filename` and `content_type`. */
function applyFile(type: Type, request: ProtoObject, file: UploadedFile): void {
  const field = fieldByAnyName(type, file.field);
  if (field === undefined) return;
  if (field.type !== 'bytes') throw new InputError(file.field, 'is not a file field');
  request[field.name] = file.data;
  if (type.fields['filename']?.type === 'string') request['filename'] = file.filename;
  if (type.fields['content_type']?.type === 'string') request['content_type'] = file.contentType;
}

function applyEdgeFields(plan: RoutePlan, request: ProtoObject, input: HttpInput): void {
  if (plan.refreshField !== undefined && request[plan.refreshField] === undefined && input.refreshTokenCookie !== undefined) {
    request[plan.refreshField] = input.refreshTokenCookie;
  }
  for (const name of plan.clientInfoFields) request[name] = { device_info: input.userAgent.slice(0, 500), ip_address: input.clientIp };
}

/** Encodes the built request; anything protobufjs still rejects is the client's input. */
export function encodeRequest(type: Type, request: ProtoObject): Uint8Array {
  const message = type.fromObject(request);
  const problem = type.verify(message);
  if (problem !== null) throw new InputError('body', problem);
  return type.encode(message).finish();
}
