// Support for content-svc's component tests: a real member-svc process for Authenticate, members
// created through its public RPCs, content-svc started in-process through app.ts, promise
// wrappers over the generated clients, and a Kafka reader of the daily activity topics.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { credentials, Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import type pgDriver from 'pg';
import { pino } from 'pino';
import {
  ContentServiceClient,
  CreateCommentRequest,
  CreatePostRequest,
  CreateReplyRequest,
  ListPublisherDeadLettersRequest,
  UpdateCommentRequest,
  UpdatePostRequest,
} from '@dailyfeed/gen/content/v1/content';
import { BadRequest, ErrorInfo } from '@dailyfeed/gen/google/rpc/error_details';
import { Status } from '@dailyfeed/gen/google/rpc/status';
import { CountryCode, Gender, MemberServiceClient, SignupRequest } from '@dailyfeed/gen/member/v1/member';
import { reasonOf } from '../../../../test/support/grpc.ts';
import { spawnService, TEST_DATABASE_URL, type SpawnedService } from '../../../../test/support/spawn-service.ts';
import { startService, type RunningService } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { connectPostgres, migrate, type Postgres } from '../../src/adapters/postgres.ts';
import { query, type Binding } from '../../src/adapters/sql.ts';
import { topicForDate } from '../../src/domain/activity-event.ts';

export { TEST_DATABASE_URL };
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

type Callback<Res> = (err: ServiceError | null, res: Res) => void;
type UnaryFn<Req, Res> = (req: Req, md: Metadata, options: Partial<CallOptions>, cb: Callback<Res>) => ClientUnaryCall;

/** Calls one unary method of a generated client as a promise, with a 10 s deadline. */
export function unary<Req, Res>(fn: UnaryFn<Req, Res>, request: Req, metadata = new Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(request, metadata, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export interface TestMember {
  readonly id: string;
  readonly token: string;
  readonly handle: string;
  /** Metadata with the bearer token and, when given, an idempotency key. */
  md(idempotencyKey?: string): Metadata;
}

export async function createMember(memberAddress: string, label: string): Promise<TestMember> {
  const client = new MemberServiceClient(memberAddress, credentials.createInsecure());
  try {
    const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
    const email = `${label}-${suffix}@content-test.example`;
    const password = 'Passw0rd!x';
    const handle = `${label}_${suffix}`.slice(0, 50);
    const signup = SignupRequest.fromPartial({ email, password, memberName: `${label} ${suffix}`, handle, gender: Gender.GENDER_OTHER, countryCode: CountryCode.COUNTRY_CODE_KR });
    await unary(client.signup.bind(client), signup);
    const login = await unary(client.login.bind(client), { email, password, client: { deviceInfo: 'content-test', ipAddress: '127.0.0.1' } });
    const token = login.tokens?.accessToken ?? '';
    const id = login.member?.memberId ?? '';
    if (!token || !id) throw new Error('login returned no token or member id');
    return {
      id,
      token,
      handle,
      md(idempotencyKey) {
        const md = new Metadata();
        md.set('authorization', `Bearer ${token}`);
        if (idempotencyKey) md.set('idempotency-key', idempotencyKey);
        return md;
      },
    };
  } finally {
    client.close();
  }
}

export const silentLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function contentConfig(memberAddress: string, overrides: Record<string, string> = {}) {
  return loadConfig({
    GRPC_PORT: '0',
    METRICS_PORT: '0',
    DATABASE_URL: TEST_DATABASE_URL,
    KAFKA_BROKERS,
    MEMBER_ADDR: memberAddress,
    LOG_LEVEL: 'silent',
    HEALTH_INTERVAL_MS: '500',
    VIEW_FLUSH_INTERVAL_MS: '0',
    ...overrides,
  });
}

export interface Stack {
  readonly member: SpawnedService;
  readonly content: RunningService;
  readonly client: ContentServiceClient;
  readonly pg: Postgres;
  sql<T>(text: string, bindings?: readonly Binding[]): Promise<T[]>;
  stop(): Promise<void>;
}

/** member-svc as a process, content-svc in-process on port 0, and a SQL handle on the test DB. */
export async function startStack(overrides: Record<string, string> = {}): Promise<Stack> {
  await migrate(TEST_DATABASE_URL);
  const pg = connectPostgres(TEST_DATABASE_URL, 4);
  const member = await spawnService('member');
  const content = await startService(contentConfig(member.address, overrides), silentLog);
  const client = new ContentServiceClient(`127.0.0.1:${content.grpcPort}`, credentials.createInsecure());
  return {
    member,
    content,
    client,
    pg,
    sql: (text, bindings = []) => query(pg.pool, text, bindings),
    async stop() {
      client.close();
      await content.stop();
      await member.stop();
      await pg.close();
    },
  };
}

/** Today's and yesterday's activity topics (a run may cross midnight UTC). */
export function recentTopics(): string[] {
  const now = Date.now();
  return [...new Set([topicForDate(new Date(now - 86_400_000)), topicForDate(new Date(now))])];
}

export interface ReadRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
}

/**
 * Reads the topics from the beginning with a fresh consumer group until `done(records)` holds or
 * the timeout passes; returns every record read.
 */
export async function readTopics(topics: readonly string[], done: (records: readonly ReadRecord[]) => boolean, timeoutMs: number): Promise<ReadRecord[]> {
  const kafka = new Kafka({ clientId: 'content-test-reader', brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `content-test-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const records: ReadRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: topics.filter((t) => existing.has(t)), fromBeginning: true });
    let finished: () => void = () => undefined;
    const finishedPromise = new Promise<void>((resolve) => (finished = resolve));
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          if (m.key && m.value) records.push({ topic: batch.topic, key: m.key.toString(), value: m.value });
        }
        if (done(records)) finished();
      },
    });
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([finishedPromise, timer]);
    return records;
  } finally {
    await consumer.disconnect();
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value or the timeout passes. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** ErrorInfo (reason and metadata) and BadRequest fields of a failed call. */
export function detailsOf(err: unknown): { code: number | undefined; reason: string | undefined; metadata: Record<string, string>; fields: string[] } {
  const e = err as Partial<ServiceError>;
  const raw = e.metadata?.get('grpc-status-details-bin')[0];
  const out = { code: e.code, reason: undefined as string | undefined, metadata: {} as Record<string, string>, fields: [] as string[] };
  if (!(raw instanceof Buffer)) return out;
  for (const detail of Status.decode(raw).details) {
    if (detail.typeUrl.endsWith('/google.rpc.ErrorInfo')) {
      const info = ErrorInfo.decode(detail.value);
      out.reason = info.reason;
      out.metadata = info.metadata;
    } else if (detail.typeUrl.endsWith('/google.rpc.BadRequest')) {
      out.fields = BadRequest.decode(detail.value).fieldViolations.map((v) => v.field);
    }
  }
  return out;
}

/** For assert.rejects: the call failed with this code and ErrorInfo reason (and these fields). */
export function failsWith(code: number, reason: string, fields?: readonly string[]) {
  return (err: unknown): boolean => {
    const d = detailsOf(err);
    assert.equal(d.code, code, `code (reason ${d.reason}, ${(err as Error).message})`);
    assert.equal(reasonOf(err as ServiceError), reason);
    if (fields) assert.deepEqual([...d.fields].sort(), [...fields].sort());
    return true;
  };
}

/** Promise-returning ContentService calls: api.createPost(request, metadata). */
export function contentApi(c: ContentServiceClient) {
  return {
    createPost: (r: Parameters<typeof CreatePostRequest.fromPartial>[0], md?: Metadata) => unary(c.createPost.bind(c), CreatePostRequest.fromPartial(r), md),
    updatePost: (r: Parameters<typeof UpdatePostRequest.fromPartial>[0], md?: Metadata) => unary(c.updatePost.bind(c), UpdatePostRequest.fromPartial(r), md),
    deletePost: (postId: string, md?: Metadata) => unary(c.deletePost.bind(c), { postId }, md),
    likePost: (postId: string, md?: Metadata) => unary(c.likePost.bind(c), { postId }, md),
    unlikePost: (postId: string, md?: Metadata) => unary(c.unlikePost.bind(c), { postId }, md),
    createComment: (r: Parameters<typeof CreateCommentRequest.fromPartial>[0], md?: Metadata) =>
      unary(c.createComment.bind(c), CreateCommentRequest.fromPartial(r), md),
    createReply: (r: Parameters<typeof CreateReplyRequest.fromPartial>[0], md?: Metadata) => unary(c.createReply.bind(c), CreateReplyRequest.fromPartial(r), md),
    updateComment: (r: Parameters<typeof UpdateCommentRequest.fromPartial>[0], md?: Metadata) =>
      unary(c.updateComment.bind(c), UpdateCommentRequest.fromPartial(r), md),
    deleteComment: (commentId: string, md?: Metadata) => unary(c.deleteComment.bind(c), { commentId }, md),
    likeComment: (commentId: string, md?: Metadata) => unary(c.likeComment.bind(c), { commentId }, md),
    unlikeComment: (commentId: string, md?: Metadata) => unary(c.unlikeComment.bind(c), { commentId }, md),
    listDeadLetters: (r: Parameters<typeof ListPublisherDeadLettersRequest.fromPartial>[0]) =>
      unary(c.listPublisherDeadLetters.bind(c), ListPublisherDeadLettersRequest.fromPartial(r)),
    countDeadLetters: () => unary(c.countPublisherDeadLetters.bind(c), {}),
    replayDeadLetters: (ids: string[]) => unary(c.replayPublisherDeadLetters.bind(c), { ids }),
  };
}
export type ContentApi = ReturnType<typeof contentApi>;

/** net.Socket's two ways of handing bytes to the kernel (what Writable calls after uncork). */
interface Flushing {
  _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void;
  _write(chunk: Buffer, encoding: BufferEncoding, callback: (err?: Error | null) => void): void;
}

/** A PostgreSQL protocol message's type ('B' a statement's bind), with a simple query's text ('Q begin'). */
const messageOf = (chunk: Buffer): string => (chunk[0] === 0x51 ? `Q ${chunk.subarray(5, chunk.length - 1).toString('utf8')}` : String.fromCharCode(chunk[0] ?? 0));

/**
 * Records, for every connection `pool` opens from now on, the messages each call that hands bytes
 * to the kernel carries (one write or writev: what leaves the socket together) into `flushes`.
 */
export function recordFlushes(pool: pgDriver.Pool, flushes: string[][]): void {
  pool.on('connect', (client: pgDriver.PoolClient) => {
    const tapped = (client as unknown as { connection: { stream: Flushing } }).connection.stream;
    const writev = tapped._writev.bind(tapped);
    const writeOne = tapped._write.bind(tapped);
    tapped._writev = (chunks, callback) => {
      flushes.push(chunks.map((c) => messageOf(c.chunk)));
      writev(chunks, callback);
    };
    tapped._write = (chunk, encoding, callback) => {
      flushes.push([messageOf(chunk)]);
      writeOne(chunk, encoding, callback);
    };
  });
}
