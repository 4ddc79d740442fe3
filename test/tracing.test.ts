// Issue 13 (traces): one POST /api/posts through the edge is one trace, from the gateway through
// content-svc and member-svc, the outbox publish and on into activity-svc's consumer. Every
// process runs as in production (`node --import ./src/tracing.ts src/main.ts`) and exports over
// OTLP/HTTP JSON to a small receiver this test runs. Also: log lines written inside a request
// carry its request id and trace id.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { client, dataOf, eventually, refreshCookieOf, signupBody, tokenOf, uniqueHandle } from '../gateway/test/support/http-client.ts';
import { groupState } from './support/kafka-groups.ts';
import { freePort, spawnService, type SpawnedService } from './support/spawn-service.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const kafkaAdmin = () => new Kafka({ clientId: 'tracing-test', brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING }).admin();

/** Commits offsets at the end of every existing activity day topic for `groupId` (before it has members). */
async function startGroupAtTheEnd(groupId: string): Promise<void> {
  const admin = kafkaAdmin();
  await admin.connect();
  try {
    for (const topic of (await admin.listTopics()).filter((t) => t.startsWith('member-activity-'))) await admin.resetOffsets({ groupId, topic, earliest: false });
  } finally {
    await admin.disconnect();
  }
}

interface ExportedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
}

interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string }[] }[];
  }[];
}

/** An OTLP/HTTP receiver for JSON exports (what a collector would be). */
function startReceiver(spans: ExportedSpan[]): Promise<{ server: Server; endpoint: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpJson;
      for (const rs of body.resourceSpans ?? []) {
        const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) spans.push({ service, traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parentSpanId ?? '', name: s.name });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

describe('tracing: one request, one trace across every hop', () => {
  const spans: ExportedSpan[] = [];
  const services: SpawnedService[] = [];
  let receiver: Server;
  let gateway: ChildProcess;
  let gatewayLog = '';
  let call: ReturnType<typeof client>;
  let edgeRequest: { requestId: string; traceId: string } | undefined;
  let group = '';

  before(async () => {
    const started = await startReceiver(spans);
    receiver = started.server;
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: started.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '200' };
    const member = await spawnService('member', { ...otel, PASSWORD_SCRYPT_LOG_N: '14', IMAGE_ADDR: '127.0.0.1:1' });
    services.push(member);
    const content = await spawnService('content', { ...otel, MEMBER_ADDR: member.address });
    services.push(content);
    // A new consumer group reads its day topics from the beginning: on a broker that has served a
    // day of other runs that is a backlog far longer than the test waits. The group starts at their
    // ends instead, so the traced post is among the first events it reads.
    group = `trace-${randomUUID()}`;
    await startGroupAtTheEnd(group);
    const activity = await spawnService('activity', { ...otel, MEMBER_ADDR: member.address, KAFKA_CONSUMER_GROUP: group });
    services.push(activity);
    const httpPort = await freePort();
    gatewayLog = join(ROOT, '.run/logs', `test-gateway-trace-${httpPort}.log`);
    const out = createWriteStream(gatewayLog);
    gateway = spawn(process.execPath, ['--import', join(ROOT, 'gateway/src/tracing.ts'), join(ROOT, 'gateway/src/main.ts')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ...otel,
        HTTP_PORT: String(httpPort),
        MEMBER_ADDR: member.address,
        CONTENT_ADDR: content.address,
        ACTIVITY_ADDR: activity.address,
        RATE_LIMIT_ENABLED: 'false',
        GRPC_SERVICE_CONFIG_DIR: '',
        COOKIE_SECURE: 'false',
        LOG_LEVEL: 'info',
      },
    });
    gateway.stdout?.pipe(out);
    gateway.stderr?.pipe(out);
    const base = `http://127.0.0.1:${httpPort}`;
    const up = await eventually(() => fetch(`${base}/healthz`).then((r) => (r.ok ? true : undefined), () => undefined), 120_000);
    assert.ok(up, 'gateway up');
    call = client(base);
  });

  after(async () => {
    if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
      const exited = new Promise((resolve) => gateway.once('exit', resolve));
      gateway.kill('SIGTERM');
      await exited;
    }
    for (const service of services.reverse()) await service.stop();
    receiver?.close();
  });

  it('when a post is created through the edge, then the gateway, content, member, the outbox publish and the activity consumer spans share one trace with sensible parents', async () => {
    const handle = uniqueHandle('trace');
    dataOf(await call('POST', '/api/authentication/signup', { body: signupBody(handle) }), 201);
    const token = tokenOf(await call('POST', '/api/authentication/login', { body: { email: `${handle}@example.com`, password: 'Passw0rd!' } }));
    const requestId = randomUUID();
    dataOf(await call('POST', '/api/posts', { token, body: { content: 'traced post' }, headers: { 'x-request-id': requestId } }), 201);

    const createPost = await eventually(async () => spans.find((s) => s.service === 'content-svc' && s.name.endsWith('ContentService/CreatePost') && s.parentSpanId !== ''), 20_000);
    assert.ok(createPost, `content-svc's CreatePost server span exported; got ${spans.map((s) => `${s.service}:${s.name}`).join(', ')}`);
    const trace = (): ExportedSpan[] => spans.filter((s) => s.traceId === createPost.traceId);
    const consumed = await eventually(async () => trace().find((s) => s.service === 'activity-svc' && s.name.startsWith('handle ')), 60_000);
    // activity-svc has been seen to subscribe and then read nothing for 60 s under the full suite's
    // load (cause not found): the message says where its group stood.
    if (consumed === undefined) assert.fail(`activity-svc's consumer span in the trace; trace has ${trace().map((s) => `${s.service}:${s.name}`).join(', ')}; ${await groupState(kafkaAdmin(), group, (t) => t.startsWith('member-activity-'))}`);

    const byId = new Map(trace().map((s) => [s.spanId, s]));
    const parentOf = (s: ExportedSpan): ExportedSpan | undefined => byId.get(s.parentSpanId);
    // The edge: the HTTP server span is the root, its gRPC client span calls content-svc.
    const edgeClient = parentOf(createPost);
    assert.equal(edgeClient?.service, 'gateway', 'CreatePost is called by the gateway');
    const edgeRoot = edgeClient && parentOf(edgeClient);
    assert.equal(edgeRoot?.service, 'gateway');
    assert.equal(edgeRoot?.parentSpanId, '', 'the gateway HTTP span is the root of the trace');
    // content-svc asks member-svc to authenticate the caller, inside CreatePost.
    const authenticate = trace().find((s) => s.service === 'member-svc' && s.name.endsWith('MemberService/Authenticate'));
    assert.ok(authenticate, 'member-svc Authenticate in the trace');
    const authClient = parentOf(authenticate);
    assert.equal(authClient?.service, 'content-svc');
    assert.equal(authClient && parentOf(authClient), createPost, 'content called member-svc from within CreatePost');
    // The outbox publish continues the request's trace; the consumer is its child.
    const publish = parentOf(consumed);
    assert.equal(publish?.service, 'content-svc');
    assert.match(publish?.name ?? '', /^publish /);
    assert.equal(publish && parentOf(publish), createPost, 'the outbox row carried CreatePost as its parent');
    // Database spans of content-svc are in it too (pg instrumentation).
    assert.ok(trace().some((s) => s.service === 'content-svc' && s.spanId !== createPost.spanId && parentOf(s) === createPost && !s.name.startsWith('grpc.')), 'content-svc child spans (pg)');

    edgeRequest = { requestId, traceId: createPost.traceId };
  });

  it('when a service logs inside a request, then the line carries the request id and the trace id', async () => {
    const handle = uniqueHandle('tracelog');
    dataOf(await call('POST', '/api/authentication/signup', { body: signupBody(handle) }), 201);
    const login = await call('POST', '/api/authentication/login', { body: { email: `${handle}@example.com`, password: 'Passw0rd!' } });
    const cookie = refreshCookieOf(login);
    dataOf(await call('POST', '/api/token/refresh', { cookie }));
    // The same refresh token again: member-svc revokes the family and logs a warning.
    const requestId = randomUUID();
    await call('POST', '/api/token/refresh', { cookie, headers: { 'x-request-id': requestId } });
    const member = services.find((s) => s.name === 'member');
    assert.ok(member);
    const line = await eventually(async () => {
      const found = readFileSync(member.logFile, 'utf8').split('\n').find((l) => l.includes('refresh token reused'));
      return found === undefined ? undefined : (JSON.parse(found) as { requestId?: string; traceId?: string });
    }, 10_000);
    assert.ok(line, 'member-svc logged the reuse');
    assert.equal(line.requestId, requestId);
    assert.match(line.traceId ?? '', /^[0-9a-f]{32}$/);
    const serverSpan = await eventually(async () => spans.find((s) => s.service === 'member-svc' && s.traceId === line.traceId), 10_000);
    assert.ok(serverSpan, 'the logged trace id is a trace member-svc exported');
  });

  it('when the edge logs a request, then the line carries the request id and the trace id', async () => {
    assert.ok(edgeRequest, 'the traced POST /api/posts ran');
    // The edge buffers its log lines (4 KiB writes); they are flushed when it exits.
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    await exited;
    const lines = readFileSync(gatewayLog, 'utf8').split('\n').filter((l) => l.includes(edgeRequest?.requestId ?? '-'));
    const entries = lines.map((l) => JSON.parse(l) as { reqId?: string; traceId?: string });
    assert.ok(entries.length > 0, 'the request was logged');
    for (const entry of entries) {
      assert.equal(entry.reqId, edgeRequest.requestId);
      assert.equal(entry.traceId, edgeRequest.traceId);
    }
  });
});
