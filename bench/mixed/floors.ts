// bench/mixed: the floors the edge's figures are put in proportion to, measured in the same run:
//   - the no-op unary gRPC call (grpc.health.v1 Check, answered from memory by the stack's
//     timeline-svc) through grpc-js, closed loop with the same number in flight;
//   - a bare Node `http` JSON server (./http-floor-server.ts, its own process), driven by the same
//     HTTP load generator as the edge.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { credentials } from '@grpc/grpc-js';
import { HealthClient } from '@dailyfeed/gen/grpc/health/v1/health';
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

export async function startHttpFloor(): Promise<{ base: string; pid: number; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bench/mixed/http-floor-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`http floor server exited (${code})`)));
  });
  return {
    base: `http://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
