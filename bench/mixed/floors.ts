// bench/mixed: the floors the edge's figures are put in proportion to, measured in the same run:
//   - the no-op unary gRPC call (grpc.health.v1 Check, answered from memory by the stack's
//     timeline-svc) through grpc-js, closed loop with the same number in flight;
//   - a bare Node `http` JSON server (./http-floor-server.ts, its own process), driven by the same
//     HTTP load generator as the edge;
//   - the shape floor (./shape-floor-server.ts): a bare `http` server that makes one grpc-js call
//     per request to a backend process that answers at once, or after one Redis GET. It is the
//     cost of a read's hops with nothing done in them: what the edge's follow feed would cost if
//     the edge and timeline-svc had no code of their own.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import { HealthClient } from '@dailyfeed/gen/grpc/health/v1/health';
import { ListFollowingPostsResponse, TimelineServiceClient } from '@dailyfeed/gen/timeline/v1/timeline';
import { imageNodeFlags } from '../../scripts/node-flags.ts';
import { root } from './stack.ts';

export interface GrpcFloor {
  readonly calls: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rate: number;
  /** Latency percentiles in ms: p50, p90, p99, p99.9. */
  readonly percentiles: readonly [number, number, number, number];
}

export async function grpcFloor(address: string, inFlight: number, seconds: number): Promise<GrpcFloor> {
  const clients = Array.from({ length: 4 }, () => new HealthClient(address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }));
  const check = (i: number): Promise<boolean> => new Promise((resolve) => clients[i % clients.length]!.check({ service: '' }, (err) => resolve(!err)));
  try {
    for (let i = 0; i < 2000; i += 1) await check(i); // warm-up: connections, JIT
    let calls = 0;
    let errors = 0;
    const latencies: number[] = [];
    const started = performance.now();
    const end = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          if (await check(calls++)) latencies.push(performance.now() - t0);
          else errors += 1;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    const sorted = Float64Array.from(latencies).sort();
    const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
    return { calls, errors, seconds: elapsed, rate: (calls - errors) / elapsed, percentiles: [at(0.5), at(0.9), at(0.99), at(0.999)] };
  } finally {
    for (const c of clients) c.close();
  }
}

export interface FloorServer {
  readonly base: string;
  /** The processes serving it, by the name the CPU figures use. */
  readonly pids: ReadonlyMap<string, number>;
  /** The shared stores it uses (their CPU belongs to its figures): 'redis'. */
  readonly stores: readonly string[];
  stop(): Promise<void>;
}

/** Starts `script args` as its own process and resolves with the port it prints once listening. */
async function startPrinting(script: string, args: readonly string[], flags: readonly string[]): Promise<{ child: ChildProcess; port: number }> {
  const child: ChildProcess = spawn(process.execPath, [...flags, join(root, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited (${code})`)));
  });
  return { child, port };
}

const stopped = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });

export async function startHttpFloor(): Promise<FloorServer> {
  const { child, port } = await startPrinting('bench/mixed/http-floor-server.ts', [], []);
  return { base: `http://127.0.0.1:${port}`, pids: new Map([['http-floor', child.pid ?? 0]]), stores: [], stop: () => stopped(child) };
}

/** Bytes of a real follow-feed page: timeline-svc's protobuf answer and the edge's JSON body. */
export interface PageBytes {
  readonly grpc: number;
  readonly json: number;
}

/** The mean size of pages 0-2 of the follow feed of `tokens`' members, read from timeline-svc and through the edge. */
export async function followFeedPageBytes(timelineAddr: string, edge: string, tokens: readonly string[]): Promise<PageBytes> {
  const client = new TimelineServiceClient(timelineAddr, credentials.createInsecure());
  let grpc = 0;
  let json = 0;
  let n = 0;
  try {
    for (const token of tokens) {
      for (const page of [0, 1, 2]) {
        const metadata = new Metadata();
        metadata.set('authorization', `Bearer ${token}`);
        const answer = await new Promise<ListFollowingPostsResponse>((resolve, reject) => client.listFollowingPosts({ page, size: 20 }, metadata, (err, res) => (err ? reject(err) : resolve(res))));
        grpc += ListFollowingPostsResponse.encode(answer).finish().length;
        const res = await fetch(`${edge}/api/timeline/posts/followings?page=${page}&size=20`, { headers: { authorization: `Bearer ${token}` } });
        if (!res.ok) throw new Error(`follow feed through the edge answered ${res.status}`);
        json += Buffer.byteLength(await res.text());
        n += 1;
      }
    }
  } finally {
    client.close();
  }
  return { grpc: Math.round(grpc / n), json: Math.round(json / n) };
}

/**
 * The shape floor; with `redisUrl` its backend reads one Redis key per call. With `bytes` the
 * backend answers that many bytes and the front a JSON body of that size (both built once: moving
 * the bytes is in the floor, making them is not). Both run with the services' image flags.
 */
export async function startShapeFloor(redisUrl?: string, bytes?: PageBytes): Promise<FloorServer> {
  const flags = imageNodeFlags(root, 'services/Dockerfile');
  const sizes = bytes ? [`--grpc-bytes=${bytes.grpc}`, `--json-bytes=${bytes.json}`] : [];
  const backend = await startPrinting('bench/mixed/shape-floor-server.ts', ['backend', ...(redisUrl ? [redisUrl] : []), ...sizes], flags);
  try {
    const front = await startPrinting('bench/mixed/shape-floor-server.ts', ['front', `127.0.0.1:${backend.port}`, ...sizes], flags);
    return {
      base: `http://127.0.0.1:${front.port}`,
      pids: new Map([['shape front', front.child.pid ?? 0], ['shape backend', backend.child.pid ?? 0]]),
      stores: redisUrl ? ['redis'] : [],
      stop: async () => {
        await stopped(front.child);
        await stopped(backend.child);
      },
    };
  } catch (err: unknown) {
    await stopped(backend.child);
    throw err;
  }
}
