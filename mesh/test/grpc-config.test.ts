// The generated grpc-js service configs take effect: proven by behaviour against real grpc-js
// servers on loopback, because grpc-js silently ignores a config shape it does not recognise.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { durationMsOrThrow } from '../src/durations.ts';
import { SERVICES, serviceOrThrow } from '../src/policy.ts';
import { callProbe, clientFor, loadGrpcServiceConfig, startScriptedServer, type ScriptedServer } from './grpc-support.ts';

const servers: ScriptedServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function scripted(protoService: string, fail: (n: number) => boolean): Promise<ScriptedServer> {
  const server = await startScriptedServer(protoService, fail);
  servers.push(server);
  return server;
}

function maxAttemptsOf(config: string): number {
  const parsed = JSON.parse(config) as { methodConfig: { retryPolicy?: { maxAttempts: number } }[] };
  const attempts = parsed.methodConfig[0]?.retryPolicy?.maxAttempts;
  assert.ok(attempts !== undefined, 'the standalone config has a retry policy');
  return attempts;
}

describe('retry policy', () => {
  test('when a server fails twice with UNAVAILABLE and then succeeds, then a call through the generated config succeeds on the third try', async () => {
    const member = serviceOrThrow('member');
    const server = await scripted(member.protoService, (n) => n <= 2);
    const client = clientFor(`127.0.0.1:${server.port}`, { 'grpc.service_config': loadGrpcServiceConfig('member', false) });
    const outcome = await callProbe(client, member.protoService);
    client.close();
    assert.equal(outcome.code, status.OK);
    assert.equal(server.calls, 3);
  });

  test('when the same server is called without the config, then the first UNAVAILABLE reaches the caller (the retry above came from the config)', async () => {
    const member = serviceOrThrow('member');
    const server = await scripted(member.protoService, (n) => n <= 2);
    const client = clientFor(`127.0.0.1:${server.port}`, {});
    const outcome = await callProbe(client, member.protoService);
    client.close();
    assert.equal(outcome.code, status.UNAVAILABLE);
    assert.equal(server.calls, 1);
  });

  for (const policy of SERVICES) {
    test(`when ${policy.name}-svc keeps failing, then the client tries exactly maxAttempts times and no more`, async () => {
      const config = loadGrpcServiceConfig(policy.name, false);
      const attempts = maxAttemptsOf(config);
      // Envoy's attempts are retries after the first try; grpc-js caps total tries at 5.
      assert.equal(attempts, Math.min(policy.route.retries.attempts + 1, 5));
      const recovering = await scripted(policy.protoService, (n) => n < attempts);
      const failing = await scripted(policy.protoService, () => true);
      const okClient = clientFor(`127.0.0.1:${recovering.port}`, { 'grpc.service_config': config });
      const badClient = clientFor(`127.0.0.1:${failing.port}`, { 'grpc.service_config': config });
      const [ok, bad] = await Promise.all([callProbe(okClient, policy.protoService), callProbe(badClient, policy.protoService)]);
      okClient.close();
      badClient.close();
      assert.equal(ok.code, status.OK);
      assert.equal(recovering.calls, attempts);
      assert.equal(bad.code, status.UNAVAILABLE);
      assert.equal(failing.calls, attempts);
    });
  }

  test('when loaded under the mesh, then the client does not retry (Envoy does) but still sends the route deadline', async () => {
    const image = serviceOrThrow('image');
    const server = await scripted(image.protoService, (n) => n === 1);
    const client = clientFor(`127.0.0.1:${server.port}`, { 'grpc.service_config': loadGrpcServiceConfig('image', true) });
    const first = await callProbe(client, image.protoService, 60_000);
    client.close();
    assert.equal(first.code, status.UNAVAILABLE);
    assert.equal(server.calls, 1);
    // The caller asked for 60 s; the method config's 30 s (image's route timeout) wins.
    assert.ok(server.lastDeadlineMs !== undefined && server.lastDeadlineMs > 28_000 && server.lastDeadlineMs <= 30_000, `deadline ${server.lastDeadlineMs} ms`);
  });

  for (const policy of SERVICES) {
    test(`when a call to ${policy.name}-svc asks for a longer deadline, then the generated config caps it at the route timeout ${policy.route.timeout}`, async () => {
      const server = await scripted(policy.protoService, () => false);
      const client = clientFor(`127.0.0.1:${server.port}`, { 'grpc.service_config': loadGrpcServiceConfig(policy.name, false) });
      await callProbe(client, policy.protoService, 600_000);
      client.close();
      const expected = durationMsOrThrow(policy.route.timeout);
      assert.ok(server.lastDeadlineMs !== undefined && server.lastDeadlineMs > expected - 2_000 && server.lastDeadlineMs <= expected, `deadline ${server.lastDeadlineMs} ms`);
    });
  }
});
