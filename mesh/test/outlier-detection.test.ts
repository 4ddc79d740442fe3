// Outlier detection in the generated grpc-js config stops routing to a failing backend. The config
// is the generated one except for the interval, shortened from 1 m so the test takes a second.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { serviceOrThrow } from '../src/policy.ts';
import { callProbe, clientFor, loadGrpcServiceConfig, startScriptedServer, type ScriptedServer } from './grpc-support.ts';

const INTERVAL_MS = 200;
const content = serviceOrThrow('content');
const servers: ScriptedServer[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

interface Config {
  loadBalancingConfig: Record<string, Record<string, unknown>>[];
  methodConfig: unknown[];
}

function generatedWithShortInterval(): Config {
  const config = JSON.parse(loadGrpcServiceConfig('content', false)) as Config;
  const od = config.loadBalancingConfig[0]?.['outlier_detection'];
  assert.ok(od, 'the generated config balances with outlier_detection');
  od['interval'] = { seconds: 0, nanos: INTERVAL_MS * 1_000_000 };
  return config;
}

/** The trap: the same settings under the camelCase key grpc-js does not know. */
function camelCaseVariant(): Config {
  const od = generatedWithShortInterval().loadBalancingConfig[0]?.['outlier_detection'];
  return { loadBalancingConfig: [{ outlierDetection: { ...od } }, { round_robin: {} }], methodConfig: [] };
}

/**
 * Sends batches of 20 concurrent calls (enough volume per interval even on a loaded machine) until
 * a batch reaches the failing backend not at all, or the budget runs out; returns the last batch.
 */
async function lastBatch(config: Config, budgetMs = 4_000, failWith: status = status.UNAVAILABLE): Promise<{ bad: number; good: number }> {
  const good = await startScriptedServer(content.protoService, () => false);
  const bad = await startScriptedServer(content.protoService, () => true, failWith);
  servers.push(good, bad);
  const client = clientFor(`ipv4:127.0.0.1:${good.port},127.0.0.1:${bad.port}`, { 'grpc.service_config': JSON.stringify(config) });
  const batch = () => Promise.all(Array.from({ length: 20 }, () => callProbe(client, content.protoService)));
  // Round robin only uses connected backends: count nothing until both have answered a call.
  const warmUntil = Date.now() + 3_000;
  while ((good.calls === 0 || bad.calls === 0) && Date.now() < warmUntil) await batch();
  assert.ok(good.calls > 0 && bad.calls > 0, 'both backends connected');
  const deadline = Date.now() + budgetMs;
  let seen = { bad: -1, good: -1 };
  while (Date.now() < deadline) {
    good.reset();
    bad.reset();
    await batch();
    seen = { bad: bad.calls, good: good.calls };
    if (seen.bad === 0) break;
  }
  client.close();
  return seen;
}

describe('outlier detection', () => {
  test('when one of two backends fails every call, then the generated config ejects it within a few intervals and calls go only to the healthy one', async () => {
    const seen = await lastBatch(generatedWithShortInterval());
    assert.equal(seen.bad, 0);
    assert.equal(seen.good, 20);
  });

  // grpc-js counts every non-OK status as a failure; patches/@grpc+grpc-js+*.patch makes it count
  // only the server-side ones (the codes Envoy maps to 5xx, as the DestinationRule's consecutive5xxErrors).
  for (const code of [status.INTERNAL, status.DEADLINE_EXCEEDED]) {
    test(`when one of two backends answers every call with ${status[code]}, then it is ejected too`, async () => {
      const seen = await lastBatch(generatedWithShortInterval(), 4_000, code);
      assert.equal(seen.bad, 0);
      assert.equal(seen.good, 20);
    });
  }

  for (const code of [status.NOT_FOUND, status.UNAUTHENTICATED, status.INVALID_ARGUMENT]) {
    test(`when one of two backends answers every call with ${status[code]}, then it is never ejected (an answer, not a server failure)`, async () => {
      // Ejection, had it happened, is seen within a few intervals (the tests above); wait 10.
      const seen = await lastBatch(generatedWithShortInterval(), INTERVAL_MS * 10, code);
      assert.ok(seen.bad > 0, `the backend answering ${status[code]} still received calls in the last batch (${seen.bad} of 20)`);
    });
  }

  test('when the same settings are written in camelCase, then grpc-js ignores them and keeps routing to the failing backend', async () => {
    const seen = await lastBatch(camelCaseVariant(), INTERVAL_MS * 8);
    assert.ok(seen.bad > 0, `the failing backend still received ${seen.bad} calls`);
  });
});
