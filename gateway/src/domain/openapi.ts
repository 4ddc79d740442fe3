// The OpenAPI 3 document of the REST edge, generated from the same route table and messages
// as the routes themselves, so the docs cannot drift from what is served. Schemas describe the
// edge's JSON (camelCase, int64 as integers, enums without prefix, date-times as strings).
import type { Field, Type } from 'protobufjs';
import { enumTypeOf, messageTypeOf } from './json-in.ts';
import { SESSION_TYPES } from './json-out.ts';
import { enumJsonName, fieldByAnyName, FLOAT_TYPES, jsonNameOf, LONG_TYPES } from './proto-json.ts';
import type { RouteSpec } from './route-table.ts';

type Schema = Record<string, unknown>;

const ERROR_BODY: Schema = {
  type: 'object',
  required: ['statusCode', 'resultCode', 'message', 'path'],
  properties: {
    statusCode: { type: 'integer', description: 'Equal to the HTTP status.' },
    resultCode: { type: 'string', enum: ['FAIL'] },
    message: { type: 'string' },
    path: { type: 'string' },
    reason: { type: 'string', description: 'google.rpc.ErrorInfo reason, e.g. POST_NOT_FOUND.' },
  },
};

export function buildOpenApi(routes: readonly RouteSpec[], info: { title: string; version: string }): Schema {
  const schemas: Record<string, Schema> = { ErrorBody: ERROR_BODY };
  const ref = (type: Type): Schema => ({ $ref: `#/components/schemas/${addMessage(type, schemas)}` });
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of routes) {
    const path = route.template.replace(/\{([^}=]+)(=[^}]*)?\}/g, (_m, name: string) => `{${name}}`);
    const operation: Schema = {
      operationId: `${route.service.split('.').pop() ?? route.service}_${route.rpc}`,
      tags: [route.backend],
      summary: firstSentence(route.comment),
      description: route.comment ?? undefined,
      parameters: parametersOf(route),
      responses: {
        [String(route.successStatus)]: successResponse(route, ref, schemas),
        default: { description: 'Error with the real HTTP status.', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } },
      },
    };
    const body = requestBodyOf(route, ref, schemas);
    if (body !== undefined) operation['requestBody'] = body;
    (paths[path] ??= {})[route.verb.toLowerCase()] = operation;
  }
  return { openapi: '3.0.3', info, paths, components: { schemas } };
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

function requestBodyOf(route: RouteSpec, ref: (t: Type) => Schema, schemas: Record<string, Schema>): Schema | undefined {
  if (route.body === '') return undefined;
  const fileField = route.requestType.fieldsArray.find((f) => f.type === 'bytes');
  if (fileField !== undefined) {
    const properties = { [jsonNameOf(fileField)]: { type: 'string', format: 'binary' } };
    return { required: true, content: { 'multipart/form-data': { schema: { type: 'object', properties } } } };
  }
  let schema: Schema;
  if (route.body === '*') schema = ref(route.requestType);
  else {
    const field = fieldByAnyName(route.requestType, route.body);
    schema = field ? fieldSchema(field, ref, schemas) : {};
  }
  // Any Content-Type is parsed as JSON (the frontend sends text/plain on some calls).
  return { required: false, content: { 'application/json': { schema }, 'text/plain': { schema } } };
}

function successResponse(route: RouteSpec, ref: (t: Type) => Schema, schemas: Record<string, Schema>): Schema {
  let data: Schema = ref(route.responseType);
  if (route.responseBody !== '') {
    const field = fieldByAnyName(route.responseType, route.responseBody);
    const nested = field ? messageTypeOf(field) : undefined;
    if (nested?.fullName === '.google.api.HttpBody') {
      return { description: 'Raw bytes with their own Content-Type (not enveloped).', content: { '*/*': { schema: { type: 'string', format: 'binary' } } } };
    }
    data = field ? fieldSchema(field, ref, schemas) : {};
  }
  const sessionNote = route.responseType.fieldsArray.some((f) => messageTypeOf(f)?.fullName === '.dailyfeed.member.v1.IssuedTokens')
    ? ' Sets `Authorization: Bearer <access token>` and the `refresh_token` HttpOnly cookie.'
    : '';
  return {
    description: `Success envelope.${sessionNote}`,
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

function addMessage(type: Type, schemas: Record<string, Schema>): string {
  const name = type.fullName.replace(/^\./, '');
  if (schemas[name] !== undefined) return name;
  const properties: Record<string, Schema> = {};
  schemas[name] = { type: 'object', description: type.comment ?? undefined, properties };
  const ref = (t: Type): Schema => ({ $ref: `#/components/schemas/${addMessage(t, schemas)}` });
  for (const field of type.fieldsArray) {
    const nested = messageTypeOf(field);
    if (nested !== undefined && SESSION_TYPES.has(nested.fullName.replace(/^\./, ''))) continue;
    properties[jsonNameOf(field)] = { ...fieldSchema(field, ref, schemas), description: field.comment ?? undefined };
  }
  return name;
}

function fieldSchema(field: Field, ref: (t: Type) => Schema, _schemas: Record<string, Schema>): Schema {
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
