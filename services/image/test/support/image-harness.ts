// Test support for image-svc component tests: starts the real service through app.ts on port 0
// with a temporary IMAGE_ROOT, calls it through the generated ImageServiceClient, and checks
// failures by gRPC code, ErrorInfo reason and metadata.
import { credentials, Metadata, type status as Code, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { ImageServiceClient } from '@dailyfeed/gen/image/v1/image';
import { reasonOf } from '../../../../test/support/grpc.ts';
import { startService, type RunningService } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { connectPostgres, migrate } from '../../src/adapters/postgres.ts';

export const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed_test';

export interface ImageHarness {
  readonly service: RunningService;
  readonly client: ImageServiceClient;
  readonly root: string;
  stop(): Promise<void>;
}

/** Nothing listens on port 1: a member-svc that cannot be reached. */
export const UNREACHABLE_MEMBER = '127.0.0.1:1';

export async function startImageService(overrides: Record<string, string> = {}): Promise<ImageHarness> {
  const pg = await connectPostgres(DATABASE_URL, 2);
  await migrate(pg).finally(() => pg.close());
  const root = await mkdtemp(join(tmpdir(), 'image-svc-test-'));
  const config = loadConfig({
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL,
    LOG_LEVEL: 'silent',
    HEALTH_INTERVAL_MS: '1000',
    IMAGE_ROOT: root,
    MEMBER_ADDR: UNREACHABLE_MEMBER,
    MEMBER_TIMEOUT_MS: '1500',
    ...overrides,
  });
  const service = await startService(config, pino({ level: 'silent' }));
  const client = new ImageServiceClient(`127.0.0.1:${service.grpcPort}`, credentials.createInsecure(), {
    'grpc.max_send_message_length': 16 * 1024 * 1024,
  });
  return {
    service,
    client,
    root,
    async stop() {
      client.close();
      await service.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

type UnaryMethod<Req, Res> = (req: Req, md: Metadata, options: Partial<CallOptions>, cb: (err: ServiceError | null, res: Res) => void) => ClientUnaryCall;

export interface Answer<Res> {
  readonly response: Res;
  readonly trailers: Metadata;
}

/** Calls a unary method; resolves with the response and the trailers. */
export function call<Req, Res>(method: UnaryMethod<Req, Res>, req: Req, md: Metadata = new Metadata()): Promise<Answer<Res>> {
  return new Promise((resolve, reject) => {
    let trailers: Metadata | undefined;
    let response: Res | undefined;
    const finish = (): void => {
      if (response !== undefined && trailers !== undefined) resolve({ response, trailers });
    };
    const c = method(req, md, { deadline: Date.now() + 30_000 }, (err, res) => {
      if (err) reject(err);
      else {
        response = res;
        finish();
      }
    });
    c.on('status', (s) => {
      trailers = s.metadata;
      finish();
    });
  });
}

export const rpc = async <Req, Res>(method: UnaryMethod<Req, Res>, req: Req, md?: Metadata): Promise<Res> => (await call(method, req, md)).response;

export function withAuthorization(value: string, extra: Record<string, string> = {}): Metadata {
  const md = new Metadata();
  md.set('authorization', value);
  for (const [key, v] of Object.entries(extra)) md.set(key, v);
  return md;
}

/** The ErrorInfo metadata (field, rule, auth_signal) of a failed call. */
export function errorMetadataOf(err: ServiceError): Record<string, string> {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return {};
  const info = Status.decode(raw).details.find((d) => d.typeUrl.endsWith('/google.rpc.ErrorInfo'));
  return info ? ErrorInfo.decode(info.value).metadata : {};
}

/** A predicate for assert.rejects: the gRPC code, the ErrorInfo reason, and chosen metadata. */
export function failsWith(code: Code, reason: string, metadata: Record<string, string> = {}): (err: unknown) => boolean {
  return (err: unknown) => {
    const e = err as ServiceError;
    if (e.code !== code) throw new Error(`expected code ${code}, got ${e.code}: ${e.details}`);
    const actual = reasonOf(e);
    if (actual !== reason) throw new Error(`expected reason ${reason}, got ${actual}: ${e.details}`);
    const got = errorMetadataOf(e);
    for (const [key, want] of Object.entries(metadata)) {
      if (got[key] !== want) throw new Error(`expected ErrorInfo ${key}=${want}, got ${got[key]}`);
    }
    return true;
  };
}
