// HTTP details the unchanged frontend depends on (frontend-contract.md §1): any Content-Type is
// read as a JSON string (text/plain bodies, empty bodies), `+` in a query is a space, a request
// id on every request, and never a 204/205/304 (the frontend's proxy turns them into 500).
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, RawRequestDefaultExpression } from 'fastify';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/** Fastify genReqId: the caller's x-request-id when it is sane, else a new UUID. */
export function requestIdOf(req: RawRequestDefaultExpression): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** URLSearchParams semantics: `+` and %20 are spaces; repeated keys become arrays. */
export function parseQuery(query: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    const previous = out[key];
    if (previous === undefined) out[key] = value;
    else out[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return out;
}

export function installPlumbing(app: FastifyInstance): void {
  // Bodies are kept as text and parsed as JSON by the route whatever the Content-Type says;
  // multipart/form-data gets its own parser from @fastify/multipart.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  // Callback hooks, not async ones: they run on every request and need no promise.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (!NULL_BODY_STATUSES.has(reply.statusCode)) {
      done(null, payload);
      return;
    }
    reply.code(200);
    done(null, payload === undefined || payload === null || payload === '' ? '{}' : payload);
  });
}
