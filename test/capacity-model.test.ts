// The capacity model (bench/mixed/capacity.ts, bench/CAPACITY.md) and the mesh policy's HPA
// bounds that are set from it: the arithmetic on a known input, and the bounds against the
// model's current table, so neither can drift from the other unnoticed.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { capacity, hpaMax, productionSignInMs, signInsPerSecond } from '../bench/mixed/capacity.ts';
import type { Measured } from '../bench/mixed/report.ts';
import { CAPACITY_MAX_REPLICAS } from '../mesh/src/policy.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A mix row at saturation: 1,000 requests/s for 10 s, with the given CPU ms per request. */
function mixRow(cpu: Record<string, number>): Measured {
  const load = { mode: 'closed', requests: 10_000, ok: 10_000, seconds: 10 } as unknown as Measured['load'];
  return { row: 'mix 60/30/10', load, cpu, cpuTotal: 0, pgByClient: {}, pg: { commits: 0.3, inserted: 0.5, updated: 0.1, deleted: 0 } };
}

describe('capacity model', () => {
  it('when a process costs 0.5 ms per request and idles at 100 ms/s, then 100,000 req/s need 40 cores and 67 replicas at 60 %', () => {
    // marginal = 0.5 - 100 / 1,000 = 0.4 ms; 100,000 × 0.4 / 1,000 = 40 cores; 40 / 0.6 = 66.7.
    const [, at100k] = capacity(mixRow({ timeline: 0.5 }), { timeline: 100 });
    assert.equal(at100k?.cores['timeline'], 40);
    assert.equal(at100k?.replicas['timeline'], 67);
    assert.equal(at100k?.pgCommitsPerSecond, 30_000);
    assert.equal(at100k?.pgRowsWrittenPerSecond, 60_000);
  });

  it('when sign-ins were measured, then member-svc is sized for them at production scrypt cost on top of its mix share', () => {
    const signIn = { memberMsPerSignIn: 40, scryptMsBench: 35, scryptMsProduction: 395 };
    assert.equal(productionSignInMs(signIn), 400);
    assert.equal(signInsPerSecond(100_000), 100); // 60,000 feed reads/s, 20 a member a day, one sign-in in 30 days
    const [at10k, at100k] = capacity(mixRow({ member: 0.01, edge: 0.5 }), {}, undefined, signIn);
    assert.equal(at100k?.signIns, 100);
    // 100,000 × 0.01 / 1,000 = 1 core of mix, 100 × 400 / 1,000 = 40 cores of sign-ins: 41 / 0.6 → 69.
    assert.ok(Math.abs((at100k?.cores['member'] ?? 0) - 41) < 1e-9);
    assert.equal(at100k?.replicas['member'], 69);
    assert.equal(at10k?.replicas['member'], 7);
    // Sign-ins are member-svc's alone.
    assert.equal(at100k?.cores['edge'], 50);
  });

  it('when a consumer service needs fewer replicas than the day topic has partitions, then its HPA bound is the partition count', () => {
    // search: 10,000 events/s × 0.09 ms = 0.9 cores → 2 replicas; partitions: max(6, 2 × ⌈10,000 × 0.3 / 1,000 / 0.6⌉) = 10 (timeline's 0.3 ms).
    const post = { ...mixRow({ timeline: 0.3 }), row: 'create post' };
    const [, at100k] = capacity(mixRow({ search: 0.009, timeline: 0.4, edge: 0.5 }), {}, post);
    assert.equal(at100k?.partitions, 10);
    assert.equal(at100k?.replicas['search'], 2);
    assert.deepEqual(hpaMax(at100k), { search: 10, timeline: 67, edge: 84 });
  });

  it('when no sign-in was measured, then member-svc counts its mix share only', () => {
    const [, at100k] = capacity(mixRow({ member: 0.01 }));
    assert.equal(at100k?.signIns, 0);
    assert.equal(at100k?.replicas['member'], 2);
  });
});

describe("the mesh policy's HPA bounds", () => {
  it("when bench/CAPACITY.md's current table is read, then every mixed service's maxReplicas is the table's HPA max", () => {
    const doc = readFileSync(`${ROOT}bench/CAPACITY.md`, 'utf8');
    const figures = doc.slice(doc.indexOf('\n## Figures'), doc.indexOf('\n## History'));
    const table = new Map<string, number>();
    for (const line of figures.split('\n')) {
      const cells = line.split('|').map((c) => c.trim());
      // | process | marginal ms/request | idle ms/s | cores @10k | replicas @10k | cores @100k | replicas @100k | HPA max |
      if (cells.length === 10 && /^\d+$/.test(cells[8] ?? '')) table.set(cells[1]!, Number(cells[8]));
    }
    for (const [name, process] of [['member', 'member'], ['content', 'content'], ['timeline', 'timeline'], ['search', 'search'], ['activity', 'activity'], ['gateway', 'edge']] as const) {
      assert.equal(CAPACITY_MAX_REPLICAS[name], table.get(process), `${name} (${process} in bench/CAPACITY.md)`);
    }
  });
});
