// Component test: the gateway boots and answers its own endpoints and the original error body.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createServer } from '../src/server.ts';

describe('gateway boot', () => {
  let app: FastifyInstance;
  let base: string;
  before(async () => {
    app = createServer({ log: pino({ level: 'silent' }) });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => app.close());

  it('when /metrics is asked, then it answers Prometheus text', async () => {
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /process_cpu_user_seconds_total/);
  });

  it('when the original probe paths are asked, then they answer plain text OK', async () => {
    for (const probe of ['ready', 'live', 'startup']) {
      const res = await fetch(`${base}/healthcheck/${probe}`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'OK');
    }
  });

  it('when a route does not exist, then the answer is 404 with the original error body', async () => {
    const res = await fetch(`${base}/api/nowhere?x=1`);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { statusCode: 404, resultCode: 'FAIL', message: 'no route for GET /api/nowhere', path: '/api/nowhere' });
  });
});
