// grpc.health.v1 comes from grpc-health-check; this file only decides what its names report:
//   ''                 liveness (and startup): SERVING while the process answers at all, so an
//                      outage of a dependency never gets the pod restarted; only shutdown flips it.
//   the service name   readiness: SERVING while every check app.ts lists answers: what the RPCs
//                      really need, nothing more (mesh/src/workloads.ts probes both names).
import type { Server } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';

export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<unknown>;
}

export interface ProbeLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export function createHealth(serviceNames: readonly string[], checks: readonly ReadinessCheck[], log: ProbeLog) {
  const health = new HealthImplementation({ '': 'SERVING', ...Object.fromEntries(serviceNames.map((n) => [n, 'NOT_SERVING'])) });
  let timer: NodeJS.Timeout | undefined;
  let reported: string | undefined;
  const probe = async (): Promise<void> => {
    const results = await Promise.allSettled(checks.map((c) => Promise.race([c.check(), timeout(c.name)])));
    const failing = results.flatMap((r, i) => (r.status === 'rejected' ? [{ dependency: checks[i]?.name, error: String(r.reason) }] : []));
    const key = failing.map((f) => f.dependency).join(',');
    if (key !== reported && key) log.warn({ failing }, 'not ready: a dependency does not answer');
    else if (key !== reported) log.info({}, 'ready');
    reported = key;
    if (timer !== undefined) for (const name of serviceNames) health.setStatus(name, key ? 'NOT_SERVING' : 'SERVING');
  };
  return {
    addToServer: (server: Server): void => health.addToServer(server),
    async start(intervalMs: number): Promise<void> {
      timer = setInterval(() => void probe(), intervalMs).unref();
      await probe();
    },
    /** Shutdown, first step: every name NOT_SERVING from now on. */
    shutdown(): void {
      clearInterval(timer);
      timer = undefined;
      for (const name of ['', ...serviceNames]) health.setStatus(name, 'NOT_SERVING');
      log.info({}, 'health NOT_SERVING');
    },
  };
}

const timeout = (name: string): Promise<never> =>
  new Promise((_, reject) => setTimeout(() => reject(new Error(`${name} did not answer within 2 s`)), 2000).unref());

export type Health = ReturnType<typeof createHealth>;
