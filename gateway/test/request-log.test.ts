// Component test of the edge's request line: one per request with its route, status and request
// id, written by a child logger without the redaction paths (it names no header or body); the
// logger's redaction still applies to every other line.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createServer } from '../src/server.ts';

describe('request log', () => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = pino({ level: 'info', redact: { paths: ['email', 'headers.authorization'], censor: '[redacted]' } }, sink);
  let app: FastifyInstance;
  let base: string;
  before(async () => {
    app = createServer({ log });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => app.close());

  it('when a request is answered, then exactly one request line names its route, status and request id', async () => {
    const res = await fetch(`${base}/healthcheck/ready`, { headers: { 'x-request-id': 'req-log-1', authorization: 'Bearer secret-token' } });
    assert.equal(res.status, 200);
    const mine = lines.filter((l) => l['msg'] === 'request' && l['requestId'] === 'req-log-1');
    assert.equal(mine.length, 1);
    assert.deepEqual([mine[0]?.['reqId'], mine[0]?.['method'], mine[0]?.['route'], mine[0]?.['status']], ['req-log-1', 'GET', '/healthcheck/ready', 200]);
    assert.equal(typeof mine[0]?.['durationMs'], 'number');
    assert.doesNotMatch(JSON.stringify(lines), /secret-token/);
  });

  it('when another line carries a redacted path, then it is still censored', () => {
    app.log.info({ email: 'someone@example.com', headers: { authorization: 'Bearer t' } }, 'other');
    const other = lines.find((l) => l['msg'] === 'other');
    assert.deepEqual([other?.['email'], (other?.['headers'] as Record<string, unknown>)['authorization']], ['[redacted]', '[redacted]']);
  });
});
