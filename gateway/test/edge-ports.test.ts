// In the cluster the ingress routes every path to the edge's public port, so what is not for the
// public must not be there: /metrics moves to METRICS_PORT when it is set, and /docs is served
// only with DOCS_ENABLED. Checked on the real entry point (main.ts) and on createServer.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../../test/support/spawn-service.ts';
import { loadConfig } from '../src/config.ts';
import { recordingInvoker, startGateway } from './support/harness.ts';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function waitUntilUp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not answer within 30 s`);
}

describe('edge ports: metrics and docs', () => {
  let child: ChildProcess;
  let publicBase: string;
  let metricsBase: string;
  before(async () => {
    const [httpPort, metricsPort] = [await freePort(), await freePort()];
    publicBase = `http://127.0.0.1:${httpPort}`;
    metricsBase = `http://127.0.0.1:${metricsPort}`;
    child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(httpPort), METRICS_PORT: String(metricsPort), DOCS_ENABLED: 'false', RATE_LIMIT_ENABLED: 'false', LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    await waitUntilUp(`${publicBase}/healthz`, child);
  });
  after(async () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  });

  it('when METRICS_PORT is set, then /metrics is served there with the edge request metrics and not on the public port', async () => {
    await fetch(`${publicBase}/api/nowhere`);
    const onPublic = await fetch(`${publicBase}/metrics`);
    assert.equal(onPublic.status, 404);
    assert.equal(((await onPublic.json()) as Record<string, unknown>)['resultCode'], 'FAIL');
    const metrics = await fetch(`${metricsBase}/metrics`);
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    assert.match(text, /http_server_request_duration_seconds_count\{[^}]*route="unmatched"/);
    assert.match(text, /process_cpu_user_seconds_total\{service="gateway"\}/);
    assert.equal((await fetch(`${metricsBase}/api/nowhere`)).status, 404, 'the metrics port serves nothing else');
  });

  it('when DOCS_ENABLED is false, then /docs and the OpenAPI document are not served', async () => {
    assert.equal((await fetch(`${publicBase}/docs`)).status, 404);
    assert.equal((await fetch(`${publicBase}/docs/openapi.json`)).status, 404);
    assert.equal((await fetch(`${publicBase}/docs/assets/swagger-ui.css`)).status, 404);
  });

  it('when neither is configured, then local defaults hold: /metrics and /docs on the one port', async () => {
    const config = loadConfig({});
    assert.equal(config.METRICS_PORT, undefined);
    assert.equal(config.DOCS_ENABLED, true);
    assert.equal(loadConfig({ METRICS_PORT: '' }).METRICS_PORT, undefined);
    assert.equal(loadConfig({ METRICS_PORT: '9460' }).METRICS_PORT, 9460);
    const local = await startGateway({ invoker: recordingInvoker() });
    try {
      assert.equal((await fetch(`${local.base}/metrics`)).status, 200);
      assert.equal((await fetch(`${local.base}/docs/openapi.json`)).status, 200);
    } finally {
      await local.close();
    }
  });
});
