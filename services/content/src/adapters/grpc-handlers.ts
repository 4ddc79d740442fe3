// Binds async handlers to a grpc-js service definition. Every method of the contract gets a
// handler: the ones the service implements, and for the rest one that answers UNIMPLEMENTED, so
// the whole contract is always registered. Errors go through toStatus; each call is measured.
import {
  Metadata,
  type handleUnaryCall,
  type sendUnaryData,
  type ServerUnaryCall,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import { toStatus, type ErrorLog } from './grpc-errors.ts';
import { requestScope } from './log-context.ts';
import type { RpcMetrics } from './metrics.ts';

export interface CallContext {
  readonly metadata: Metadata;
  readonly requestId: string;
  readonly method: string;
  /** Trailing metadata sent with a successful response (e.g. x-token-refresh-needed). */
  readonly trailers: Metadata;
}

export type Unary<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;

/** The async-handler shape of a generated `XxxServer` interface. */
export type HandlersOf<Server> = {
  // `as` drops the generated interface's string index signature, keeping only the RPCs.
  [K in keyof Server as string extends K ? never : K]: Server[K] extends handleUnaryCall<infer Req, infer Res> ? Unary<Req, Res> : never;
};

export interface BindOptions {
  readonly log: ErrorLog;
  readonly metrics: RpcMetrics;
}

export function bindService<Server extends UntypedServiceImplementation>(
  definition: ServiceDefinition,
  handlers: Partial<HandlersOf<Server>>,
  options: BindOptions,
): Server {
  const implementation: UntypedServiceImplementation = {};
  const implemented = handlers as Record<string, Unary<unknown, unknown> | undefined>;
  for (const [name, method] of Object.entries(definition)) {
    const handler = implemented[name] ?? notImplemented(method.path);
    implementation[name] = wrapUnary(method.path, handler, options);
  }
  return implementation as Server;
}

function notImplemented(path: string): Unary<unknown, never> {
  return () => Promise.reject(new DomainError('unimplemented', 'NOT_IMPLEMENTED', `${path} is not implemented yet`));
}

function wrapUnary(path: string, handler: Unary<unknown, unknown>, { log, metrics }: BindOptions) {
  return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
    const stop = metrics.startCall(path);
    const requestId = firstValue(call.metadata, 'x-request-id') ?? randomUUID();
    const trailers = new Metadata();
    void requestScope.run(requestId, () =>
      handler(call.request, { metadata: call.metadata, requestId, method: path, trailers }).then(
        (response) => {
          stop('OK');
          callback(null, response, trailers);
        },
        (err: unknown) => {
          const status = toStatus(err, path, log);
          stop(status.code);
          callback(status);
        },
      ),
    );
  };
}

function firstValue(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
