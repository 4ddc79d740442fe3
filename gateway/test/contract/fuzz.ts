// Property-based fuzzing of the whole edge: every operation of the OpenAPI document the edge
// serves (/docs/openapi.json, generated from the protos), called with generated hostile input
// (fuzz-inputs.ts) through the shared real stack. Whatever the input, the answer is never a 5xx,
// and every error carries the original error body with statusCode equal to the HTTP status.
//
// Reproducible: the seed is printed; FUZZ_SEED=<seed> replays a run (operation i uses seed + i).
// FUZZ_RUNS (default 6) sets the runs per operation, about 400 requests in all, and FUZZ_BUDGET_MS
// (default 60000) bounds the whole walk: once it is spent (a loaded machine), each remaining
// operation gets one run, never none.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { signedUp } from '../support/http-client.ts';
import type { Stack } from '../support/stack.ts';
import { operationsOf, requestsFor, type FuzzRequest, type Operation } from './fuzz-inputs.ts';

const SEED = process.env.FUZZ_SEED === undefined ? Date.now() % 2 ** 31 : Number(process.env.FUZZ_SEED);
const RUNS = Number(process.env.FUZZ_RUNS ?? 6);
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 60_000);
/** Operations that end the caller's session: after one succeeds, the fuzz signs a new member up. */
const ENDS_SESSION = /logout|deactivate/;

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

async function send(base: string, request: FuzzRequest): Promise<Answer> {
  const res = await fetch(`${base}${request.path}`, { method: request.method, headers: request.headers, body: request.body ?? null });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

function describeRequest(request: FuzzRequest): string {
  const body = request.body instanceof FormData ? '<multipart>' : JSON.stringify(request.body)?.slice(0, 300);
  return `${request.method} ${request.path.slice(0, 300)} headers=${JSON.stringify(request.headers).slice(0, 300)} body=${body}`;
}

/** The documented error body: {statusCode, resultCode: FAIL, message, path} with statusCode = status. */
function assertErrorShape(answer: Answer, request: FuzzRequest): void {
  const where = `${describeRequest(request)} -> ${answer.status} ${answer.text.slice(0, 300)}`;
  assert.match(answer.contentType, /^application\/json/, where);
  const body = JSON.parse(answer.text) as Record<string, unknown>;
  assert.equal(body['statusCode'], answer.status, where);
  assert.equal(body['resultCode'], 'FAIL', where);
  assert.equal(typeof body['message'], 'string', where);
  assert.equal(typeof body['path'], 'string', where);
}

export function fuzzContract(stack: Stack): void {
  describe('the edge under generated hostile input (fast-check)', () => {
    let operations: Operation[] = [];
    let token = '';
    const newSession = async (): Promise<void> => {
      token = (await signedUp(stack.call, 'fuzz')).token;
    };

    before(async () => {
      const doc = (await (await fetch(`${stack.base()}/docs/openapi.json`)).json()) as Parameters<typeof operationsOf>[0];
      operations = operationsOf(doc);
      await newSession();
      process.stdout.write(`fuzz: seed ${SEED}, ${RUNS} runs per operation over ${operations.length} operations (replay with FUZZ_SEED=${SEED})\n`);
    });

    it('when every operation of the OpenAPI document gets generated bad input, then no answer is a 5xx and every error has the documented body', async () => {
      assert.ok(operations.length >= 60, `the document lists ${operations.length} operations`);
      const statuses = new Map<number, number>();
      const deadline = Date.now() + BUDGET_MS;
      for (const [index, op] of operations.entries()) {
        await fc.assert(
          fc.asyncProperty(requestsFor(op, () => token), async (request) => {
            const answer = await send(stack.base(), request);
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            assert.ok(answer.status < 500, `${describeRequest(request)} -> ${answer.status} ${answer.text.slice(0, 500)}`);
            if (answer.status >= 400) assertErrorShape(answer, request);
            if (ENDS_SESSION.test(op.path) && answer.status < 300 && request.headers['authorization'] === `Bearer ${token}`) await newSession();
          }),
          // No shrinking (each step is a round trip through the stack): the failure message names
          // the request, and the seed replays it.
          { seed: SEED + index, numRuns: Date.now() < deadline ? RUNS : 1, endOnFailure: true },
        );
      }
      const counts = Object.fromEntries([...statuses].sort(([a], [b]) => a - b));
      process.stdout.write(`fuzz: ${[...statuses.values()].reduce((a, b) => a + b, 0)} requests, statuses ${JSON.stringify(counts)}\n`);
    });
  });
}
