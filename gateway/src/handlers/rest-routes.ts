// Registers one Fastify route per google.api.http binding. Nothing here knows any particular
// RPC: the route table, the request/response messages and their options decide everything.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { deadlineMsOf } from '../domain/deadlines.ts';
import { errorBody } from '../domain/error-body.ts';
import { InputError } from '../domain/json-in.ts';
import type { LoadShedder } from '../domain/load-shedder.ts';
import { buildRequest, encodeRequest } from '../domain/request-builder.ts';
import { sessionEffects, shapeResponse } from '../domain/response-shape.ts';
import type { EdgeFailure, RpcFailure } from '../domain/rpc-failure.ts';
import type { RpcInvoker } from '../domain/rpc-invoker.ts';
import type { RouteSpec } from '../domain/route-table.ts';
import { readHttpInput } from './http-input.ts';
import { applySession } from './session-cookie.ts';

export interface RestRouteDeps {
  readonly routes: readonly RouteSpec[];
  readonly invoker: RpcInvoker;
  readonly mapFailure: (failure: RpcFailure) => EdgeFailure;
  readonly cookieSecure: boolean;
  /** Body limit of routes whose request carries bytes (image uploads). */
  readonly uploadBodyLimit: number;
  /** Omitted: every request is admitted. */
  readonly shedding?: Shedding;
}

export interface Shedding {
  readonly shedder: LoadShedder;
  /** Retry-After of a shed request, in seconds. */
  readonly retryAfterSeconds: number;
  /** Counts a shed request (the metric). */
  readonly onShed: (backend: string) => void;
}

/** Cache policy of raw image bytes: an image id never names other bytes (image.proto). */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function registerRestRoutes(app: FastifyInstance, deps: RestRouteDeps): void {
  for (const route of deps.routes) {
    const acceptsFiles = route.requestType.fieldsArray.some((f) => f.type === 'bytes');
    app.route({
      method: route.verb,
      url: route.routePath,
      ...(acceptsFiles ? { bodyLimit: deps.uploadBodyLimit } : {}),
      config: { rpc: route.grpcPath },
      handler: deps.shedding === undefined ? async (request, reply) => handle(route, acceptsFiles, deps, request, reply) : admitting(deps.shedding, route, acceptsFiles, deps),
    });
  }
}

type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;

/** The handler behind the in-flight bound: beyond it, 503 + Retry-After before any work. */
function admitting(shedding: Shedding, route: RouteSpec, acceptsFiles: boolean, deps: RestRouteDeps): Handler {
  const retryAfter = String(shedding.retryAfterSeconds);
  return async (request, reply) => {
    const release = shedding.shedder.tryAcquire(route.backend);
    if (release === undefined) {
      shedding.onShed(route.backend);
      return reply.code(503).header('retry-after', retryAfter).send(errorBody(503, 'the edge is at capacity; retry later', pathOf(request)));
    }
    try {
      return await handle(route, acceptsFiles, deps, request, reply);
    } finally {
      release();
    }
  };
}

async function handle(route: RouteSpec, acceptsFiles: boolean, deps: RestRouteDeps, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const input = await readHttpInput(request, acceptsFiles, route.body !== '');
  const bytes = encodeRequest(route.requestType, buildRequest(route, input));
  const outcome = await deps.invoker.unary({
    backend: route.backend,
    grpcPath: route.grpcPath,
    request: bytes,
    metadata: metadataOf(route, request),
    deadlineMs: deadlineMsOf(route.backend),
  });
  // member-svc signals "valid, but refresh soon" as a header/trailer on success and failure.
  if (outcome.headers['x-token-refresh-needed'] === 'true') reply.header('x-token-refresh-needed', 'true');
  const path = pathOf(request);
  if (!outcome.ok) {
    const failure = deps.mapFailure(outcome.failure);
    if (failure.authSignal === 'REFRESH_NEEDED') reply.header('x-token-refresh-needed', 'true');
    if (failure.authSignal === 'RELOGIN_REQUIRED') reply.header('x-relogin-required', 'true');
    // A service that is shedding load or waiting for its database says when to retry (trailer
    // retry-after, seconds); 429 and 503 always carry Retry-After so clients back off.
    if (failure.httpStatus === 429 || failure.httpStatus === 503) reply.header('retry-after', /^\d{1,5}$/.test(outcome.headers['retry-after'] ?? '') ? outcome.headers['retry-after'] : '1');
    if (failure.httpStatus >= 500) request.log.warn({ rpc: route.grpcPath, code: outcome.failure.code, details: outcome.failure.details }, 'backend call failed');
    return reply.code(failure.httpStatus).send({ ...errorBody(failure.httpStatus, failure.message, path), ...(failure.reason ? { reason: failure.reason } : {}) });
  }
  // image-svc's claim of an anonymous upload (image.proto, UploadImageResponse.claim): `data`
  // stays the bare id the frontend reads, the claim travels beside it.
  const claim = outcome.headers['x-image-claim'];
  if (claim !== undefined && /^[A-Za-z0-9_-]{1,100}$/.test(claim)) reply.header('x-image-claim', claim);
  const message = route.responseType.decode(outcome.response) as unknown as Record<string, unknown>;
  applySession(reply, sessionEffects(route.responseType, message), deps.cookieSecure);
  const shaped = shapeResponse(route, message);
  if (shaped.kind === 'raw') {
    if (shaped.contentType.startsWith('image/')) reply.header('cache-control', IMMUTABLE);
    return reply.code(route.successStatus).type(shaped.contentType).send(Buffer.from(shaped.data));
  }
  return reply.code(route.successStatus).type('application/json; charset=utf-8').send(shaped.envelope);
}

/** authorization as sent (even `Bearer null`), the request id, and an idempotency key on writes. */
function metadataOf(route: RouteSpec, request: FastifyRequest): Record<string, string> {
  // x-client-address: the address the edge's limits use (TRUST_PROXY decides it), for the
  // services' own per-address throttles (member-svc: signup and login).
  const metadata: Record<string, string> = { 'x-request-id': request.id, 'x-client-address': request.ip };
  const authorization = request.headers.authorization;
  if (authorization !== undefined && /^[\x20-\x7e]*$/.test(authorization)) metadata['authorization'] = authorization;
  if (route.verb !== 'GET') {
    const given = request.headers['idempotency-key'];
    if (given !== undefined && (typeof given !== 'string' || !IDEMPOTENCY_KEY.test(given))) {
      throw new InputError('Idempotency-Key', 'must be 1-200 visible ASCII characters');
    }
    metadata['idempotency-key'] = given ?? randomUUID();
  }
  return metadata;
}

export function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? request.url;
}
