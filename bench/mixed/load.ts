// bench/mixed: the HTTP load generator (node:http, keep-alive connections), used alike for the
// edge and the bare Node http server.
//   closed loop: `connections` workers send back to back for a duration or a count (saturation);
//   open loop:   request i is due at start + i/rate whatever happened before; its latency is
//                measured from that scheduled time, so a stalled server cannot hide the queue
//                it causes (no coordinated omission). In-flight requests beyond the connection
//                pool wait in the agent's queue, and that wait is counted too.
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

export interface Req {
  readonly op: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly token?: string;
  readonly body?: string;
  /** Called with the response body of a 2xx answer (read only when set). */
  readonly onOk?: (body: string) => void;
}

export interface LoadResult {
  readonly mode: 'closed' | 'open';
  readonly connections: number;
  readonly offered?: number;
  readonly seconds: number;
  readonly requests: number;
  readonly ok: number;
  /** Non-2xx answers by HTTP status, and transport failures by code. */
  readonly errors: Record<string, number>;
  readonly byOp: Record<string, number>;
  /** Per operation, when a row mixes several: p50 and p99 in ms (where the tail comes from). */
  readonly opLatency?: Record<string, { p50: number; p99: number }>;
  readonly achieved: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
}

const TIMEOUT_MS = 10_000;
/**
 * BENCH_LATENCY_DUMP=<prefix>: each open-loop phase also writes <prefix>-<end ms>.csv, one line per
 * request (ms from the phase start to its due time, its latency, its operation), to see whether
 * the slow requests cluster in time (a pause somewhere) or are spread (queueing).
 */
const DUMP = process.env['BENCH_LATENCY_DUMP'];

export interface HttpClient {
  readonly send: (req: Req) => Promise<number>;
  readonly close: () => void;
}

export function createClient(base: string, connections: number): HttpClient {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  const send = (req: Req): Promise<number> =>
    new Promise((resolve) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (req.token) headers['authorization'] = `Bearer ${req.token}`;
      if (req.body !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(req.body));
      }
      const r = request({ host: url.hostname, port: url.port, method: req.method, path: req.path, headers, agent, timeout: TIMEOUT_MS }, (res) => {
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        if (ok && req.onOk) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            req.onOk?.(Buffer.concat(chunks).toString('utf8'));
            resolve(status);
          });
        } else {
          res.resume();
          res.on('end', () => resolve(status));
        }
        res.on('error', () => resolve(-1));
      });
      r.on('timeout', () => r.destroy(new Error('timeout')));
      r.on('error', (err: NodeJS.ErrnoException) => resolve(err.message === 'timeout' ? -2 : -1));
      if (req.body !== undefined) r.write(req.body);
      r.end();
    });
  return { send, close: () => agent.destroy() };
}

const pct = (sorted: Float64Array, p: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);

function summarize(mode: 'closed' | 'open', connections: number, offered: number | undefined, latencies: number[], statuses: Map<number, number>, byOp: Map<string, number>, seconds: number, ops: string[]): LoadResult {
  const sorted = Float64Array.from(latencies).sort();
  const perOp = new Map<string, number[]>();
  latencies.forEach((ms, i) => {
    const op = ops[i] ?? '?';
    let xs = perOp.get(op);
    if (!xs) perOp.set(op, (xs = []));
    xs.push(ms);
  });
  const opLatency = perOp.size < 2 ? undefined : Object.fromEntries([...perOp].map(([op, xs]) => {
    const s = Float64Array.from(xs).sort();
    return [op, { p50: pct(s, 0.5), p99: pct(s, 0.99) }];
  }));
  const errors: Record<string, number> = {};
  let ok = 0;
  let requests = 0;
  for (const [status, n] of statuses) {
    requests += n;
    if (status >= 200 && status < 300) ok += n;
    else errors[status === -1 ? 'conn' : status === -2 ? 'timeout' : String(status)] = n;
  }
  return {
    mode, connections, seconds, requests, ok, errors, byOp: Object.fromEntries(byOp),
    ...(opLatency ? { opLatency } : {}),
    ...(offered === undefined ? {} : { offered }),
    achieved: requests / seconds,
    p50: pct(sorted, 0.5), p90: pct(sorted, 0.9), p99: pct(sorted, 0.99), p999: pct(sorted, 0.999),
  };
}

type Send = (req: Req) => Promise<number>;

/** Closed loop: `connections` workers back to back, for `seconds` or until `count` requests were sent. */
export async function closedLoop(send: Send, next: (i: number) => Req, connections: number, seconds: number, count = Infinity): Promise<LoadResult> {
  const latencies: number[] = [];
  const ops: string[] = [];
  const statuses = new Map<number, number>();
  const byOp = new Map<string, number>();
  const started = performance.now();
  const end = started + seconds * 1000;
  let i = 0;
  const worker = async (): Promise<void> => {
    while (i < count && (count !== Infinity || performance.now() < end)) {
      const req = next(i++);
      const t0 = performance.now();
      const status = await send(req);
      latencies.push(performance.now() - t0);
      ops.push(req.op);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      byOp.set(req.op, (byOp.get(req.op) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  return summarize('closed', connections, undefined, latencies, statuses, byOp, (performance.now() - started) / 1000, ops);
}

/** Open loop at `rate` requests/s for `seconds`; latency from each request's scheduled start. */
export async function openLoop(send: Send, next: (i: number) => Req, connections: number, rate: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const ops: string[] = [];
  const statuses = new Map<number, number>();
  const byOp = new Map<string, number>();
  const total = Math.max(1, Math.round(rate * seconds));
  const dump: string[] = [];
  // Settled requests are not kept (a promise per request held to the end only grows the
  // generator's heap, and the generator's pauses count as latency of the system under test).
  let pending = 0;
  let allSettled: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (allSettled = resolve));
  const started = performance.now();
  let i = 0;
  while (i < total) {
    const now = performance.now();
    for (; i < total && started + (i * 1000) / rate <= now; i += 1) {
      const due = started + (i * 1000) / rate;
      const req = next(i);
      pending += 1;
      void send(req).then((status) => {
        latencies.push(performance.now() - due);
        ops.push(req.op);
        if (DUMP) dump.push(`${(due - started).toFixed(1)},${(performance.now() - due).toFixed(1)},${req.op}`);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        byOp.set(req.op, (byOp.get(req.op) ?? 0) + 1);
        pending -= 1;
        if (pending === 0 && i >= total) allSettled();
      });
    }
    const wait = started + (i * 1000) / rate - performance.now();
    await new Promise((r) => setTimeout(r, Math.max(0, Math.min(wait, 5))));
  }
  if (pending > 0) await settled;
  if (DUMP) writeFileSync(`${DUMP}-${Date.now()}.csv`, dump.join('\n'));
  // Achieved: completions over the time until the last one finished (it falls short when the server lags).
  return summarize('open', connections, rate, latencies, statuses, byOp, (performance.now() - started) / 1000, ops);
}
