// Outlier ejection between real replicas, without a mesh: two member-svc processes behind one
// grpc-js ipv4: target (what `npm start -- --replicas member=2` gives every caller), balanced by
// the generated mesh/generated/grpc/member.json. Replica B reaches PostgreSQL through a TCP proxy
// the test cuts, so B fails for real (UNAVAILABLE, DATABASE_UNAVAILABLE) while A keeps serving.
// The config is the generated one with only the interval and the ejection time shortened (1 m and
// 5 m in production) so the test takes seconds; which replica handled what is read from each
// one's own /metrics.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { credentials, status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { MemberServiceClient } from '@dailyfeed/gen/member/v1/member';
import { bearer, newMember } from './support/member-harness.ts';
import { freePort, spawnService, TEST_DATABASE_URL, type SpawnedService } from './support/spawn-service.ts';
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

const INTERVAL_MS = 500;
const BASE_EJECTION_MS = 4_000;
const generated = fileURLToPath(new URL('../mesh/generated/grpc/member.json', import.meta.url));

interface Replica {
  readonly service: SpawnedService;
  readonly metricsPort: number;
}

/** The generated member config with the detector's interval and ejection time shortened. */
function shortenedConfig(): string {
  const config = JSON.parse(readFileSync(generated, 'utf8')) as { loadBalancingConfig: { outlier_detection?: Record<string, unknown> }[] };
  const od = config.loadBalancingConfig[0]?.outlier_detection;
  assert.ok(od, 'the generated member config balances with outlier_detection');
  const duration = (ms: number) => ({ seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 });
  od['interval'] = duration(INTERVAL_MS);
  od['base_ejection_time'] = duration(BASE_EJECTION_MS);
  od['max_ejection_time'] = duration(BASE_EJECTION_MS);
  return JSON.stringify(config);
}

/** GetMember calls this replica has handled so far (any status), from its Prometheus histogram. */
async function handled(replica: Replica): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${replica.metricsPort}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('grpc_server_handling_seconds_count{') && /grpc_method="[^"]*\/GetMember"/.test(line)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

function getMember(client: MemberServiceClient, auth: Metadata, memberId: string): Promise<status> {
  return new Promise((resolve) => {
    client.getMember({ memberId }, auth, { deadline: Date.now() + 10_000 }, (err: ServiceError | null) => resolve(err ? err.code : status.OK));
  });
}

describe('outlier ejection between two member-svc replicas', () => {
  let proxy: TcpProxy;
  let a: Replica;
  let b: Replica;
  let client: MemberServiceClient;
  let auth: Metadata;
  const missing = '987654321012';

  /** 10 concurrent calls of an absent member; returns their codes and what each replica handled. */
  async function batch(): Promise<{ codes: status[]; a: number; b: number }> {
    const [a0, b0] = await Promise.all([handled(a), handled(b)]);
    const codes = await Promise.all(Array.from({ length: 10 }, () => getMember(client, auth, missing)));
    const [a1, b1] = await Promise.all([handled(a), handled(b)]);
    return { codes, a: a1 - a0, b: b1 - b0 };
  }

  before(async () => {
    proxy = await startTcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
    const proxied = new URL(TEST_DATABASE_URL);
    proxied.port = String(proxy.port);
    const start = async (env: Record<string, string>): Promise<Replica> => {
      const metricsPort = await freePort();
      return { service: await spawnService('member', { PASSWORD_SCRYPT_LOG_N: '14', METRICS_PORT: String(metricsPort), ...env }), metricsPort };
    };
    a = await start({});
    b = await start({ DATABASE_URL: proxied.toString() });
    const direct = new MemberServiceClient(a.service.address, credentials.createInsecure());
    auth = bearer((await newMember(direct)).accessToken);
    direct.close();
    client = new MemberServiceClient(`ipv4:${a.service.address},${b.service.address}`, credentials.createInsecure(), { 'grpc.service_config': shortenedConfig() });
  });

  after(async () => {
    client?.close();
    await Promise.all([a?.service.stop(), b?.service.stop()]);
    await proxy?.close();
  });

  it('when both replicas answer NOT_FOUND for many intervals, then neither is ejected and round robin keeps using both', async () => {
    let last = { codes: [] as status[], a: 0, b: 0 };
    const until = Date.now() + INTERVAL_MS * 8;
    while (Date.now() < until) {
      last = await batch();
      assert.deepEqual(new Set(last.codes), new Set([status.NOT_FOUND]));
    }
    assert.ok(last.a > 0 && last.b > 0, `both replicas handled calls in the last batch (A ${last.a}, B ${last.b})`);
  });

  it('when replica B loses its database, then it is ejected for the base ejection time while A answers every call, and then tried again', async (t) => {
    await proxy.cut();
    // Before ejection B fails (UNAVAILABLE) and the retry policy sends the call on to A: the
    // caller sees only A's NOT_FOUND throughout.
    let ejectedAt = 0;
    const ejectDeadline = Date.now() + INTERVAL_MS * 10 + 5_000;
    while (ejectedAt === 0 && Date.now() < ejectDeadline) {
      const seen = await batch();
      assert.deepEqual(new Set(seen.codes), new Set([status.NOT_FOUND]), 'A answers every call');
      if (seen.b === 0) ejectedAt = Date.now();
    }
    assert.ok(ejectedAt > 0, 'B was ejected');
    let returnedAt = 0;
    let servedByA = 0;
    const returnDeadline = ejectedAt + BASE_EJECTION_MS + INTERVAL_MS * 4 + 5_000;
    while (returnedAt === 0 && Date.now() < returnDeadline) {
      const seen = await batch();
      assert.deepEqual(new Set(seen.codes), new Set([status.NOT_FOUND]), 'A answers every call');
      if (seen.b > 0) returnedAt = Date.now();
      else servedByA += seen.a;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(returnedAt > 0, 'B was tried again after its ejection');
    const ejectedMs = returnedAt - ejectedAt;
    t.diagnostic(`B ejected for ${ejectedMs} ms (base ${BASE_EJECTION_MS} ms, interval ${INTERVAL_MS} ms); A served ${servedByA} calls meanwhile`);
    // Observed from outside: B is seen ejected a batch after the tick that ejected it, and seen back
    // a batch after the tick that returned it (ticks every INTERVAL_MS).
    assert.ok(ejectedMs >= BASE_EJECTION_MS - INTERVAL_MS * 2, `ejected for ${ejectedMs} ms, at least the base ${BASE_EJECTION_MS} ms`);
    assert.ok(ejectedMs <= BASE_EJECTION_MS + INTERVAL_MS * 4 + 3_000, `ejected for ${ejectedMs} ms, about the base ${BASE_EJECTION_MS} ms`);
    assert.ok(servedByA >= 10, `A served every call while B was out (${servedByA})`);
    await proxy.restore();
  });
});
