// grpc.health.v1 for this service. The status is never a constant: a probe loop checks each real
// dependency (PostgreSQL, Redis, ...) and the service reports SERVING only while all answer.
// Shutdown flips it to NOT_SERVING first so that load balancers stop sending calls.
import { type ServerWritableStream, status as Code, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthServer,
} from '@dailyfeed/gen/grpc/health/v1/health';

export interface DependencyProbe {
  readonly name: string;
  check(): Promise<void>;
}

export interface ProbeLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface Health {
  readonly implementation: HealthServer;
  /** Runs every probe once and publishes the result; returns the failing dependency names. */
  probe(): Promise<string[]>;
  /** Probes now and then every intervalMs until stop(). */
  start(intervalMs: number): Promise<void>;
  /** Reports NOT_SERVING from now on (shutdown) and ends Watch streams. */
  shutdown(): void;
  stop(): void;
  current(): ServingStatus;
}

export function createHealth(serviceNames: readonly string[], probes: readonly DependencyProbe[], log: ProbeLog): Health {
  const names = new Set(['', ...serviceNames]);
  let status: ServingStatus = ServingStatus.NOT_SERVING;
  let shuttingDown = false;
  let timer: NodeJS.Timeout | undefined;
  let lastFailing = '';
  const watchers = new Set<ServerWritableStream<HealthCheckRequest, HealthCheckResponse>>();

  const publish = (next: ServingStatus): void => {
    if (next === status) return;
    status = next;
    for (const call of watchers) call.write({ status });
  };

  const probe = async (): Promise<string[]> => {
    const results = await Promise.all(
      probes.map(async (p) => {
        try {
          await withTimeout(p.check(), 2000, p.name);
          return undefined;
        } catch (err: unknown) {
          return { name: p.name, err };
        }
      }),
    );
    const failing = results.filter((r) => r !== undefined);
    const failingNames = failing.map((f) => f.name);
    const key = failingNames.join(',');
    if (key !== lastFailing) {
      if (failing.length > 0) log.warn({ failing: failing.map((f) => ({ dependency: f.name, error: String(f.err) })) }, 'dependency check failed');
      else log.info({}, 'all dependencies answer');
      lastFailing = key;
    }
    if (!shuttingDown) publish(failing.length === 0 ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    return failingNames;
  };

  const implementation: HealthServer = {
    check(call: ServerUnaryCall<HealthCheckRequest, HealthCheckResponse>, callback: sendUnaryData<HealthCheckResponse>) {
      if (!names.has(call.request.service)) {
        callback({ code: Code.NOT_FOUND, details: `unknown service ${call.request.service}` });
        return;
      }
      callback(null, { status });
    },
    watch(call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) {
      if (!names.has(call.request.service)) {
        call.write({ status: ServingStatus.SERVICE_UNKNOWN });
        return;
      }
      watchers.add(call);
      call.on('cancelled', () => watchers.delete(call));
      call.write({ status });
    },
  };

  return {
    implementation,
    probe,
    async start(intervalMs) {
      await probe();
      timer = setInterval(() => void probe(), intervalMs);
      timer.unref();
    },
    shutdown() {
      shuttingDown = true;
      publish(ServingStatus.NOT_SERVING);
      for (const call of watchers) call.end();
      watchers.clear();
    },
    stop() {
      if (timer) clearInterval(timer);
    },
    current: () => status,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, name: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
