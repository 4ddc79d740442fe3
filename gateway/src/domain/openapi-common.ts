// The parts of the OpenAPI document that every operation shares: the bearer security scheme
// (which operations need it comes from the `dailyfeed.common.v1.access` method option), the
// documented request and response headers, and one error response per HTTP status whose
// `reason` is an enum of the protos' reason catalogue (dailyfeed.common.v1.Reason).
import type { Root } from 'protobufjs';
import type { RouteSpec } from './route-table.ts';

type Schema = Record<string, unknown>;

export type Access = 'public' | 'optional' | 'member';

const ACCESS_OPTION = '(dailyfeed.common.v1.access)';

/** What the route's RPC says about tokens (unset = a member token is required). */
export function accessOf(route: RouteSpec): Access {
  const method = (route.requestType.root).lookupService(route.service).methods[route.rpc];
  const value = method?.options?.[ACCESS_OPTION] as string | number | undefined;
  if (value === 'ACCESS_PUBLIC' || value === 1) return 'public';
  if (value === 'ACCESS_OPTIONAL' || value === 2) return 'optional';
  return 'member';
}

/** OpenAPI `security` of an operation: none, bearer or nothing, bearer required. */
export function securityOf(access: Access): Schema[] {
  if (access === 'public') return [];
  if (access === 'optional') return [{}, { bearerAuth: [] }];
  return [{ bearerAuth: [] }];
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The header parameters an operation accepts. */
export function headerParameters(route: RouteSpec): Schema[] {
  const params: Schema[] = [{ $ref: '#/components/parameters/RequestId' }];
  if (WRITE_VERBS.has(route.verb)) params.push({ $ref: '#/components/parameters/IdempotencyKey' });
  return params;
}

/** Error responses of an operation, each a $ref to one shared response per status. */
export function errorResponses(route: RouteSpec, access: Access): Record<string, Schema> {
  const statuses = ['400', '429', '500', '503', '504'];
  if (access !== 'public') statuses.push('401');
  if (route.variables.length > 0) statuses.push('404');
  if (WRITE_VERBS.has(route.verb)) statuses.push('403', '409');
  return Object.fromEntries(statuses.sort().map((s) => [s, { $ref: `#/components/responses/Error${s}` }]));
}

const ERROR_STATUSES: Record<string, string> = {
  '400': 'The request is invalid: `reason` is VALIDATION_FAILED (or a more precise reason) and `message` names the field and rule.',
  '401': 'No valid access token. `X-Token-Refresh-Needed: true` asks the client to refresh; `X-Relogin-Required: true` to log in again.',
  '403': 'The caller may not do this (e.g. not the author).',
  '404': 'What the path names does not exist (or is deleted).',
  '409': 'Conflicts with the current state (e.g. already liked, handle taken), or an Idempotency-Key reused with another request.',
  '429': 'Rate limited: retry after `Retry-After` seconds.',
  '500': 'An unexpected failure (logged with the request id).',
  '503': 'A backend or dependency is unavailable, or the edge is shedding load: retry after `Retry-After` seconds.',
  '504': 'The call did not finish before its deadline.',
};

function errorBodySchema(reasons: readonly string[]): Schema {
  return {
    type: 'object',
    required: ['statusCode', 'resultCode', 'message', 'path'],
    properties: {
      statusCode: { type: 'integer', description: 'Equal to the HTTP status.' },
      resultCode: { type: 'string', enum: ['FAIL'] },
      message: { type: 'string', description: 'What went wrong, naming the field and rule for invalid input.' },
      path: { type: 'string', description: 'The request path.' },
      reason: { type: 'string', enum: [...reasons], description: 'google.rpc.ErrorInfo reason of the failure (the catalogue dailyfeed.common.v1.Reason without its prefix).' },
    },
  };
}

/** The reason catalogue as the edge sends it: REASON_POST_NOT_FOUND -> POST_NOT_FOUND. */
export function reasonCatalogue(root: Root): string[] {
  const reason = root.lookupEnum('dailyfeed.common.v1.Reason');
  return Object.keys(reason.values)
    .filter((name) => name !== 'REASON_UNSPECIFIED')
    .map((name) => name.replace(/^REASON_/, ''));
}

const header = (description: string, schema: Schema = { type: 'string' }): Schema => ({ description, schema });

/** components: security scheme, shared parameters, headers and error responses. */
export function sharedComponents(root: Root): Schema {
  const responses: Record<string, Schema> = {};
  for (const [status, description] of Object.entries(ERROR_STATUSES)) {
    const headers: Record<string, Schema> = { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } };
    if (status === '429' || status === '503') headers['Retry-After'] = { $ref: '#/components/headers/Retry-After' };
    if (status === '401') {
      headers['X-Token-Refresh-Needed'] = { $ref: '#/components/headers/X-Token-Refresh-Needed' };
      headers['X-Relogin-Required'] = { $ref: '#/components/headers/X-Relogin-Required' };
    }
    responses[`Error${status}`] = { description, headers, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } };
  }
  return {
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The access token from `Authorization` of the login or refresh response.' },
    },
    parameters: {
      RequestId: { name: 'X-Request-Id', in: 'header', required: false, description: 'Correlates the request across every hop; echoed in the response. Generated when absent.', schema: { type: 'string', maxLength: 128 } },
      IdempotencyKey: {
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'Makes a retried write apply once: the same key with the same request answers the first result.',
        schema: { type: 'string', maxLength: 128 },
      },
    },
    headers: {
      'X-Request-Id': header('The request id (the one sent, or a generated one).'),
      'Retry-After': header('Seconds to wait before retrying.', { type: 'integer' }),
      'X-Token-Refresh-Needed': header('`true`: call POST /api/token/refresh, then retry.', { type: 'string', enum: ['true'] }),
      'X-Relogin-Required': header('`true`: the session is over; log in again.', { type: 'string', enum: ['true'] }),
      'X-RateLimit-Limit': header('Requests allowed per window for this client.', { type: 'integer' }),
      'X-RateLimit-Remaining': header('Requests left in the current window.', { type: 'integer' }),
      'X-RateLimit-Reset': header('Seconds until the window resets.', { type: 'integer' }),
    },
    responses,
    schemas: { ErrorBody: errorBodySchema(reasonCatalogue(root)) },
  };
}

/** Headers of a success response. */
export function successHeaders(): Record<string, Schema> {
  return {
    'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
    'X-RateLimit-Limit': { $ref: '#/components/headers/X-RateLimit-Limit' },
    'X-RateLimit-Remaining': { $ref: '#/components/headers/X-RateLimit-Remaining' },
    'X-RateLimit-Reset': { $ref: '#/components/headers/X-RateLimit-Reset' },
  };
}
