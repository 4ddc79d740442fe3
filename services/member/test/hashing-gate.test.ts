// The admission gate in front of password hashing, with real timers and work functions that
// count their runs: a full queue fails at once, and work whose caller's deadline has passed is
// never started.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DomainError } from '../src/domain/errors.ts';
import { createHashingGate } from '../src/adapters/hashing-gate.ts';

function slowWork(ms: number, runs: { n: number }): () => Promise<string> {
  return async () => {
    runs.n++;
    await sleep(ms);
    return 'done';
  };
}

const exhausted = (err: unknown): boolean => {
  assert.ok(err instanceof DomainError);
  assert.equal(err.kind, 'exhausted');
  assert.equal(err.reason, 'TOO_MANY_REQUEST');
  assert.match(err.metadata['retry_after_seconds'] ?? '', /^\d+$/);
  return true;
};

describe('password hashing admission', () => {
  it('when every slot is busy and the queue is full, then a new hash fails at once with TOO_MANY_REQUEST and is never computed', async () => {
    const gate = createHashingGate({ concurrency: 1, queueLimit: 1, initialCostMs: 50, perClient: 0, maxWaitMs: 60_000 });
    const runs = { n: 0 };
    const far = Date.now() + 60_000;
    const first = gate.run(slowWork(1000, runs), far);
    const second = gate.run(slowWork(1000, runs), far);
    const started = Date.now();
    await assert.rejects(gate.run(slowWork(1000, runs), far), exhausted);
    assert.ok(Date.now() - started < 500, 'refused without waiting for the running hash');
    assert.deepEqual(await Promise.all([first, second]), ['done', 'done']);
    assert.equal(runs.n, 2);
    assert.equal(gate.stats().refused, 1);
  });

  it('when the expected wait outlasts the caller deadline, then the hash fails at once instead of queueing', async () => {
    const gate = createHashingGate({ concurrency: 1, queueLimit: 100, initialCostMs: 300, perClient: 0, maxWaitMs: 60_000 });
    const runs = { n: 0 };
    const first = gate.run(slowWork(300, runs), Date.now() + 60_000);
    await assert.rejects(gate.run(slowWork(300, runs), Date.now() + 200), exhausted);
    await first;
    assert.equal(runs.n, 1);
  });

  it('when a queued caller deadline passes before a slot frees, then its hash is dropped, not computed', async () => {
    const gate = createHashingGate({ concurrency: 1, queueLimit: 10, initialCostMs: 10, perClient: 0, maxWaitMs: 60_000 });
    const runs = { n: 0 };
    const first = gate.run(slowWork(300, runs), Date.now() + 60_000);
    const late = gate.run(slowWork(10, runs), Date.now() + 100);
    await assert.rejects(late, (err: unknown) => err instanceof DomainError && err.kind === 'unavailable');
    assert.equal(gate.stats().queued, 0, 'the abandoned waiter left the queue at its deadline');
    await first;
    await sleep(50);
    assert.equal(runs.n, 1, 'only the first hash ran');
    assert.equal(gate.stats().dropped, 1);
  });

  it('when the deadline has already passed, then nothing is computed', async () => {
    const gate = createHashingGate({ concurrency: 2, queueLimit: 10, initialCostMs: 10, perClient: 0, maxWaitMs: 60_000 });
    const runs = { n: 0 };
    await assert.rejects(gate.run(slowWork(10, runs), Date.now() - 1), DomainError);
    assert.equal(runs.n, 0);
  });

  it('when load is within the bound, then queued hashes all run, at most `concurrency` at once', async () => {
    const gate = createHashingGate({ concurrency: 2, queueLimit: 10, initialCostMs: 20, perClient: 0, maxWaitMs: 60_000 });
    let running = 0;
    let peak = 0;
    const work = async (): Promise<number> => {
      running++;
      peak = Math.max(peak, running);
      await sleep(20);
      running--;
      return 1;
    };
    const results = await Promise.all(Array.from({ length: 8 }, () => gate.run(work, Date.now() + 10_000)));
    assert.equal(results.length, 8);
    assert.equal(peak, 2);
  });

  it('when one client already holds its place, then its next hash is refused at once while another client is served', async () => {
    const gate = createHashingGate({ concurrency: 2, queueLimit: 10, initialCostMs: 50, perClient: 1, maxWaitMs: 60_000 });
    const runs = { n: 0 };
    const far = Date.now() + 60_000;
    const first = gate.run(slowWork(150, runs), far, '10.0.0.1');
    await assert.rejects(gate.run(slowWork(150, runs), far, '10.0.0.1'), exhausted);
    assert.equal(await gate.run(slowWork(10, runs), far, '10.0.0.2'), 'done');
    await first;
    assert.equal(await gate.run(slowWork(10, runs), far, '10.0.0.1'), 'done', 'the place is free again once its hash is done');
    assert.equal(runs.n, 3);
  });

  it('when the expected wait exceeds the maximum wait, then the hash is refused at once even with a far deadline', async () => {
    const gate = createHashingGate({ concurrency: 1, queueLimit: 100, initialCostMs: 300, perClient: 0, maxWaitMs: 100 });
    const runs = { n: 0 };
    const first = gate.run(slowWork(300, runs), Date.now() + 60_000);
    await assert.rejects(gate.run(slowWork(300, runs), Date.now() + 60_000), exhausted);
    await first;
    assert.equal(runs.n, 1);
  });
});
