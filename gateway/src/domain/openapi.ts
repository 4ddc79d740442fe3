// The OpenAPI 3 document of the REST edge, generated from the same route table and messages
// as the routes themselves, so the docs cannot drift from what is served. Schemas describe the
// edge's JSON (camelCase, int64 as integers, enums without prefix, date-times as strings).
// `required`: in request messages, the fields marked (google.api.field_behavior) = REQUIRED; in
// response messages, the fields the edge always writes (implicit-presence scalars, lists, maps).
// A message reached from both sides is described as the side that reaches it first.
import type { Field, Root, Type } from 'protobufjs';
import { enumTypeOf, messageTypeOf } from './json-in.ts';
import { SESSION_TYPES } from './json-out.ts';
import { accessOf, errorResponses, headerParameters, securityOf, sharedComponents, successHeaders } from './openapi-common.ts';
import { enumJsonName, fieldByAnyName, FLOAT_TYPES, isProto3Optional, jsonNameOf, LONG_TYPES } from './proto-json.ts';
import type { RouteSpec } from './route-table.ts';

type Schema = Record<string, unknown>;
/** Whether a message is read from a request (field behaviour decides) or written in a response. */
type Side = 'request' | 'response';
type RefOf = (type: Type, side: Side) => Schema;

export interface OpenApiInfo {
  readonly title: string;
  readonly version: string;
  /** Base URL of the edge shown by the docs page ("Try it out" sends requests there). */
  readonly serverUrl: string;
}

/** Title and version of the served and the committed document. */
export const OPENAPI_INFO = { title: 'dailyfeed REST edge', version: '0.1.0' } as const;

const TAG_DESCRIPTIONS: Record<string, string> = {
  member: 'Accounts, sessions, profiles and the follow graph (member-svc).',
  content: 'Writes: posts, comments, replies and likes (content-svc).',
  timeline: 'Reads: feeds, post and comment details and lists (timeline-svc).',
  image: 'Image upload, view and delete (image-svc).',
  search: 'Full-text search and bulk counts (search-svc).',
  activity: 'The activity log (activity-svc).',
};

export function buildOpenApi(root: Root, routes: readonly RouteSpec[], info: OpenApiInfo): Schema {
  const components = sharedComponents(root) as { schemas: Record<string, Schema> } & Schema;
  const schemas = components.schemas;
  const ref: RefOf = (type, side) => ({ $ref: `#/components/schemas/${addMessage(type, side, schemas)}` });
  const paths: Record<string, Record<string, Schema>> = {};
  // protobufjs loads the files concurrently, so services arrive in any order: sorted by service
  // (stable, so each service keeps its declaration order) the document is the same every time.
  const ordered = [...routes].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
  for (const route of ordered) {
    const path = route.template.replace(/\{([^}=]+)(=[^}]*)?\}/g, (_m, name: string) => `{${name}}`);
    const access = accessOf(route);
    const operation: Schema = {
      operationId: `${route.service.split('.').pop() ?? route.service}_${route.rpc}`,
      tags: [route.backend],
      summary: firstSentence(route.comment) ?? route.rpc,
      description: route.comment ?? undefined,
      security: securityOf(access),
      parameters: [...parametersOf(route), ...headerParameters(route)],
      responses: { [String(route.successStatus)]: successResponse(route, ref), ...errorResponses(route, access) },
    };
    const body = requestBodyOf(route, ref);
    if (body !== undefined) operation['requestBody'] = body;
    (paths[path] ??= {})[route.verb.toLowerCase()] = operation;
  }
  const tags = [...new Set(ordered.map((r) => r.backend))].map((name) => ({ name, description: TAG_DESCRIPTIONS[name] ?? name }));
  return {
    openapi: '3.0.3',
    info: {
      title: info.title,
      version: info.version,
      description: 'The REST edge of dailyfeed: the original `/api/...` contract, transcoded to the gRPC services.',
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
    },
    servers: [{ url: info.serverUrl, description: 'The edge' }],
    tags,
    paths,
    components,
  };
}

function parametersOf(route: RouteSpec): Schema[] {
  const params: Schema[] = route.variables.map((v) => {
    const field = fieldByAnyName(route.requestType, v.fieldPath[0] ?? '');
    return { name: v.fieldPath.join('.'), in: 'path', required: true, schema: field ? scalarSchema(field) : { type: 'string' } };
  });
  if (route.body === '*') return params;
  const bound = new Set([route.body, ...route.variables.map((v) => v.fieldPath[0])]);
  for (const field of route.requestType.fieldsArray) {
    if (bound.has(field.name) || (messageTypeOf(field) !== undefined && !isTimestamp(field))) continue;
    const schema = scalarSchema(field);
    params.push({ name: jsonNameOf(field), in: 'query', required: false, schema: field.repeated ? { type: 'array', items: schema } : schema, description: field.comment ?? undefined });
  }
  return params;
}

function requestBodyOf(route: RouteSpec, ref: RefOf): Schema | undefined {
  if (route.body === '') return undefined;
  const fileField = route.requestType.fieldsArray.find((f) => f.type === 'bytes');
  if (fileField !== undefined) {
    const properties = { [jsonNameOf(fileField)]: { type: 'string', format: 'binary' } };
    return { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties } } } };
  }
  let schema: Schema;
  if (route.body === '*') schema = ref(route.requestType, 'request');
  else {
    const field = fieldByAnyName(route.requestType, route.body);
    schema = field ? fieldSchema(field, (t) => ref(t, 'request')) : {};
  }
  // Any Content-Type is parsed as JSON (the frontend sends text/plain on some calls).
  return { required: false, content: { 'application/json': { schema }, 'text/plain': { schema } } };
}

function successResponse(route: RouteSpec, ref: RefOf): Schema {
  let data: Schema;
  if (route.responseBody === '') data = ref(route.responseType, 'response');
  else {
    const field = fieldByAnyName(route.responseType, route.responseBody);
    const nested = field ? messageTypeOf(field) : undefined;
    if (nested?.fullName === '.google.api.HttpBody') {
      return { description: 'Raw bytes with their own Content-Type (not enveloped).', headers: successHeaders(), content: { '*/*': { schema: { type: 'string', format: 'binary' } } } };
    }
    data = field ? fieldSchema(field, (t) => ref(t, 'response')) : {};
  }
  const sessionNote = route.responseType.fieldsArray.some((f) => messageTypeOf(f)?.fullName === '.dailyfeed.member.v1.IssuedTokens')
    ? ' Sets `Authorization: Bearer <access token>` and the `refresh_token` HttpOnly cookie.'
    : '';
  return {
    description: `Success envelope.${sessionNote}`,
    headers: successHeaders(),
    content: {
      'application/json': {
        schema: {
          type: 'object',
          required: ['status', 'result', 'data'],
          properties: { status: { type: 'integer', enum: [route.successStatus] }, result: { type: 'string', enum: ['SUCCESS'] }, data },
        },
      },
    },
  };
}

function addMessage(type: Type, side: Side, schemas: Record<string, Schema>): string {
  const name = type.fullName.replace(/^\./, '');
  if (schemas[name] !== undefined) return name;
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  const schema: Schema = { type: 'object', description: type.comment ?? undefined, properties };
  schemas[name] = schema;
  const ref = (t: Type): Schema => ({ $ref: `#/components/schemas/${addMessage(t, side, schemas)}` });
  for (const field of type.fieldsArray) {
    const nested = messageTypeOf(field);
    if (nested !== undefined && SESSION_TYPES.has(nested.fullName.replace(/^\./, ''))) continue;
    properties[jsonNameOf(field)] = described(fieldSchema(field, ref), field.comment);
    if (side === 'request' ? isRequiredInput(field) : isAlwaysWritten(field)) required.push(jsonNameOf(field));
  }
  if (required.length > 0) schema['required'] = required;
  return name;
}

/** A field's schema with its comment; a bare $ref takes no siblings in OpenAPI 3.0, so it is wrapped. */
function described(schema: Schema, comment: string | null): Schema {
  if (comment === null) return schema;
  return schema['$ref'] !== undefined ? { allOf: [schema], description: comment } : { ...schema, description: comment };
}

const FIELD_BEHAVIOR = '(google.api.field_behavior)';

function isRequiredInput(field: Field): boolean {
  const behavior = field.options?.[FIELD_BEHAVIOR] as unknown;
  const values = Array.isArray(behavior) ? (behavior as unknown[]) : [behavior];
  return values.includes('REQUIRED') || values.includes(2);
}

/** Mirrors json-out: implicit-presence scalars, lists and maps are always written; enums at 0, messages and optional fields are left out when unset. */
function isAlwaysWritten(field: Field): boolean {
  if (field.repeated || field.map) return true;
  if (messageTypeOf(field) !== undefined || enumTypeOf(field) !== undefined) return false;
  return !isProto3Optional(field) && field.partOf === null;
}

function fieldSchema(field: Field, ref: (t: Type) => Schema): Schema {
  const nested = messageTypeOf(field);
  const single = nested !== undefined && !isTimestamp(field) ? ref(nested) : scalarSchema(field);
  if (field.map) return { type: 'object', additionalProperties: single };
  return field.repeated ? { type: 'array', items: single } : single;
}

function scalarSchema(field: Field): Schema {
  if (isTimestamp(field)) return { type: 'string', format: 'date-time' };
  const e = enumTypeOf(field);
  if (e !== undefined) {
    return { type: 'string', enum: Object.values(e.values).filter((v) => v !== 0).map((v) => enumJsonName(e, v)) };
  }
  if (LONG_TYPES.has(field.type)) return { type: 'integer', format: 'int64' };
  if (FLOAT_TYPES.has(field.type)) return { type: 'number' };
  if (field.type === 'bool') return { type: 'boolean' };
  if (field.type === 'bytes') return { type: 'string', format: 'byte' };
  if (field.type === 'string') return { type: 'string' };
  return { type: 'integer', format: 'int32' };
}

function isTimestamp(field: Field): boolean {
  return messageTypeOf(field)?.fullName === '.google.protobuf.Timestamp';
}

function firstSentence(comment: string | null): string | undefined {
  if (comment === null) return undefined;
  const flat = comment.replace(/\s+/g, ' ').trim();
  const end = flat.search(/\.(\s|$)/);
  return end === -1 ? flat : flat.slice(0, end + 1);
}
