// Test support for member-svc component tests: starts the real service on port 0 against the
// test PostgreSQL and Redis, calls it through the generated MemberServiceClient, and creates
// members with unique emails/handles so reruns never collide.
import { credentials, Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { CountryCode, Gender, MemberServiceClient, type LoginResponse, type SignupRequest } from '@dailyfeed/gen/member/v1/member';
import { startService, type RunningService } from '../../services/member/src/app.ts';
import { loadConfig } from '../../services/member/src/config.ts';
import { connectPostgres, migrate } from '../../services/member/src/adapters/postgres.ts';
import { reasonOf } from './grpc.ts';
import { TEST_REVOCATION_CHANNEL } from './spawn-service.ts';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';

export const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dailyfeed_test';
export const TEST_PASSWORD = 'Passw0rd!';

export interface MemberHarness {
  readonly service: RunningService;
  readonly client: MemberServiceClient;
  stop(): Promise<void>;
}

/** A lower scrypt cost (log2 N = 14) keeps tests fast; production uses 17. */
export async function startMemberService(overrides: Record<string, string> = {}): Promise<MemberHarness> {
  const pg = await connectPostgres(DATABASE_URL, 2);
  await migrate(pg).finally(() => pg.close());
  const config = loadConfig({
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    LOG_LEVEL: 'silent',
    HEALTH_INTERVAL_MS: '1000',
    REVOCATION_CHANNEL: TEST_REVOCATION_CHANNEL,
    PASSWORD_SCRYPT_LOG_N: '14',
    IMAGE_ADDR: '127.0.0.1:1',
    IMAGE_TIMEOUT_MS: '500',
    // Every test client is 127.0.0.1: only the throttle tests set real limits.
    LOGINS_PER_ADDRESS: '100000',
    SIGNUPS_PER_ADDRESS: '100000',
    FAILED_LOGINS_PER_ACCOUNT: '100000',
    // Tests create members concurrently from one address: no per-client hashing bound.
    PASSWORD_HASH_PER_CLIENT: '0',
    PASSWORD_HASH_QUEUE: '1000',
    PASSWORD_HASH_MAX_WAIT_MS: '20000',
    ...overrides,
  });
  const service = await startService(config, pino({ level: 'silent' }));
  const client = new MemberServiceClient(`127.0.0.1:${service.grpcPort}`, credentials.createInsecure());
  return {
    service,
    client,
    async stop() {
      client.close();
      await service.stop();
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
    let trailers = new Metadata();
    let response: Res | undefined;
    let done = false;
    const finish = (): void => {
      if (done || response === undefined) return;
      done = true;
      resolve({ response, trailers });
    };
    const c = method(req, md, { deadline: Date.now() + 20_000 }, (err, res) => {
      if (err) reject(err);
      else {
        response = res;
        // The status (with trailers) may arrive before or after the callback.
        setImmediate(finish);
      }
    });
    c.on('status', (s) => {
      trailers = s.metadata;
    });
  });
}

export const rpc = async <Req, Res>(method: UnaryMethod<Req, Res>, req: Req, md?: Metadata): Promise<Res> => (await call(method, req, md)).response;

export function bearer(token: string): Metadata {
  const md = new Metadata();
  md.set('authorization', `Bearer ${token}`);
  return md;
}

export const uniqueSuffix = (): string => randomBytes(5).toString('hex');

export function signupRequest(overrides: Partial<SignupRequest> = {}): SignupRequest {
  const s = uniqueSuffix();
  return {
    email: `m_${s}@example.test`,
    password: TEST_PASSWORD,
    memberName: `Member ${s}`,
    handle: `h_${s}`,
    displayName: `Display ${s}`,
    gender: Gender.GENDER_OTHER,
    countryCode: CountryCode.COUNTRY_CODE_KR,
    languageCode: 'ko',
    verificationStatus: 0,
    privacyLevel: 0,
    ...overrides,
  };
}

export interface TestMember {
  readonly id: string;
  readonly email: string;
  readonly handle: string;
  readonly login: LoginResponse;
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly auth: Metadata;
}

/** Signs up and logs in a fresh member. */
export async function newMember(client: MemberServiceClient, overrides: Partial<SignupRequest> = {}): Promise<TestMember> {
  const req = signupRequest(overrides);
  const signup = await rpc(client.signup.bind(client), req);
  const login = await rpc(client.login.bind(client), { email: req.email, password: req.password, client: { deviceInfo: 'test', ipAddress: '127.0.0.1' } });
  const accessToken = login.tokens?.accessToken ?? '';
  return {
    id: signup.member?.id ?? '',
    email: req.email,
    handle: req.handle,
    login,
    accessToken,
    refreshToken: login.tokens?.refreshToken ?? '',
    auth: bearer(accessToken),
  };
}

/** The ErrorInfo metadata (auth_signal, field, rule) of a failed call. */
export function errorMetadataOf(err: ServiceError): Record<string, string> {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!(raw instanceof Buffer)) return {};
  const info = Status.decode(raw).details.find((d) => d.typeUrl.endsWith('/google.rpc.ErrorInfo'));
  return info ? ErrorInfo.decode(info.value).metadata : {};
}

/** A predicate for assert.rejects: the gRPC code, the ErrorInfo reason and optionally the auth signal. */
export function failsWith(code: number, reason: string, signal?: string): (err: unknown) => boolean {
  return (err: unknown) => {
    const e = err as ServiceError;
    if (Number(e.code) !== code) throw new Error(`expected code ${code}, got ${e.code}: ${e.details}`);
    const actual = reasonOf(e);
    if (actual !== reason) throw new Error(`expected reason ${reason}, got ${actual}: ${e.details}`);
    if (signal !== undefined && errorMetadataOf(e).auth_signal !== signal) {
      throw new Error(`expected auth_signal ${signal}, got ${errorMetadataOf(e).auth_signal}`);
    }
    return true;
  };
}
