// Errors Fastify and Node's HTTP parser raise before any route or the edge's error handler runs,
// answered with the original error body {statusCode, resultCode, message, path} instead of their
// own plain or differently-shaped bodies: bad percent-encoding (400), a path segment over the
// router's limit (414), a request Node cannot parse (400) or whose headers overflow (431), a bare
// OPTIONS that is no CORS preflight (400), and a known path asked with a verb it lacks (405 with
// Allow, instead of 404).
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../domain/error-body.ts';

/** Fastify's default maxParamLength, named in the 414 message. */
export const MAX_PARAM_LENGTH = 100;

function pathOfUrl(url: string): string {
  return url.split('?')[0] ?? url;
}

/** Fastify `frameworkErrors`: router failures that never reach a route. */
export function frameworkErrorReply(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const path = pathOfUrl(request.raw.url ?? '');
  reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    void reply.code(414).send(errorBody(414, `path: a path parameter is longer than ${MAX_PARAM_LENGTH} characters`, path));
  } else if (error.code === 'FST_ERR_BAD_URL') {
    void reply.code(400).send(errorBody(400, 'path: malformed percent-encoding', path));
  } else {
    void reply.code(400).send(errorBody(400, `request: ${error.message}`, path));
  }
}

/** Node's clientError: `rawPacket` is what was read so far (typed loosely by Fastify). */
type ClientError = Error & { code?: string; rawPacket?: unknown };

/** The request target of what Node received, when its first line is readable; else "". */
function targetOf(raw: unknown): string {
  if (!Buffer.isBuffer(raw)) return '';
  const line = raw.subarray(0, 4096).toString('latin1').split('\r\n', 1)[0] ?? '';
  const target = /^[A-Z]+ (\S+) HTTP\/\d\.\d$/.exec(line)?.[1] ?? '';
  return pathOfUrl(target).slice(0, 2048);
}

/** Fastify `clientErrorHandler`: Node's HTTP parser failed, so only the socket is left to answer on. */
export function clientErrorReply(error: ClientError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'Request Header Fields Too Large', 'headers: larger than the 16 KB the edge accepts']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout', 'request: not received in time']
        : [400, 'Bad Request', `request: malformed HTTP (${error.code ?? 'parse error'})`];
  const body = JSON.stringify(errorBody(status, message, targetOf(error.rawPacket)));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

/**
 * A bare OPTIONS (no Origin or no Access-Control-Request-Method) is not a CORS preflight; the CORS
 * plugin would answer it with a plain-text 400. Register before the CORS plugin, on the same scope.
 */
export function refuseBarePreflight(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'OPTIONS') return;
    const missing = ['origin', 'access-control-request-method'].filter((h) => typeof request.headers[h] !== 'string' || request.headers[h] === '');
    if (missing.length === 0) return;
    const path = pathOfUrl(request.url);
    return reply.code(400).send(errorBody(400, `headers: a CORS preflight needs ${missing.map(headerName).join(' and ')}`, path));
  });
}

function headerName(lower: string): string {
  return lower === 'origin' ? 'Origin' : 'Access-Control-Request-Method';
}

/**
 * Remembers every route's method and path pattern so that the not-found handler can tell an
 * unknown path (404) from a known path asked with the wrong verb (405 + Allow).
 */
export interface MethodIndex {
  allowedMethodsOf(path: string): string[];
}

export function indexRouteMethods(app: FastifyInstance): MethodIndex {
  const patterns: { readonly pattern: RegExp; readonly methods: readonly string[] }[] = [];
  app.addHook('onRoute', (route) => {
    // OPTIONS (the CORS plugin's catch-all) is answered for any path; it says nothing about a path.
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'OPTIONS');
    if (methods.length > 0) patterns.push({ pattern: patternOf(route.url ?? route.path), methods });
  });
  return {
    allowedMethodsOf(path) {
      const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
      const allowed = new Set<string>();
      for (const p of patterns) if (p.pattern.test(trimmed)) for (const m of p.methods) allowed.add(m);
      if (allowed.has('GET')) allowed.add('HEAD');
      return [...allowed].sort();
    },
  };
}

/** `/api/posts/:post_id` -> ^/api/posts/[^/]+$ ; a trailing `*` matches the rest. */
function patternOf(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment === '*' ? '.*' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}
