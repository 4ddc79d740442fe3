// The edge's circuit breaker and client rate limit per backend, from the backend's resilience
// profile (<RESILIENCE_DIR>/<backend>.json, mesh/generated/resilience; docs/resilience.md maps
// its fields). The edge's calls never throw, they end in an outcome:
// cockatiel judges the outcome, and only server-side codes count against the backend. An open
// circuit answers UNAVAILABLE (503) and a call over the rate RESOURCE_EXHAUSTED (429) at once,
// both with Retry-After, and neither reaches the backend.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { BrokenCircuitError, circuitBreaker, CountBreaker, handleWhenResult } from 'cockatiel';
import { RateLimiter } from 'limiter';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RpcOutcome } from '../domain/rpc-invoker.ts';

export type BackendGuard = (call: () => Promise<RpcOutcome>) => Promise<RpcOutcome>;

const SERVER_SIDE = new Set<number>([GrpcStatus.UNAVAILABLE, GrpcStatus.INTERNAL, GrpcStatus.DEADLINE_EXCEEDED, GrpcStatus.UNKNOWN]);

interface Profile {
  readonly circuitBreaker: { slidingWindowSize: number; minimumNumberOfCalls: number; failureRateThresholdPercent: number; waitDurationInOpenStateMs: number; permittedCallsInHalfOpenState: number };
  readonly rateLimiter: { limitForPeriod: number; limitRefreshPeriodMs: number; timeoutMs: number };
}

export interface BreakerMetrics {
  readonly state: Gauge<'callee'>;
  readonly rejected: Counter<'callee' | 'reason'>;
}

export function breakerMetrics(registry: Registry): BreakerMetrics {
  return {
    state: new Gauge({ name: 'dailyfeed_client_breaker_state', help: 'Circuit breaker of calls to a callee: 0 closed, 1 open, 2 half-open.', labelNames: ['callee'], registers: [registry] }),
    rejected: new Counter({
      name: 'dailyfeed_client_calls_rejected_total',
      help: 'Calls to a callee refused before they were sent: circuit_open or rate_limited.',
      labelNames: ['callee', 'reason'],
      registers: [registry],
    }),
  };
}

/** The guard of `backend`, or a pass-through when dir is undefined or has no profile for it. */
export function backendGuard(dir: string | undefined, backend: string, metrics: BreakerMetrics): BackendGuard {
  const file = dir === undefined ? undefined : join(dir, `${backend}.json`);
  if (file === undefined || !existsSync(file)) return (call) => call();
  const { circuitBreaker: cb, rateLimiter: rl } = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const failureRate = cb.failureRateThresholdPercent / 100;
  const breaker = circuitBreaker(
    handleWhenResult((o) => !(o as RpcOutcome).ok && SERVER_SIDE.has((o as Extract<RpcOutcome, { ok: false }>).failure.code)),
    {
      breaker: new CountBreaker({ threshold: failureRate, size: cb.slidingWindowSize, minimumNumberOfCalls: cb.minimumNumberOfCalls }),
      halfOpenAfter: cb.waitDurationInOpenStateMs,
      halfOpenSampling: { calls: cb.permittedCallsInHalfOpenState, threshold: failureRate },
    },
  );
  const limiter = new RateLimiter({ tokensPerInterval: rl.limitForPeriod, interval: rl.limitRefreshPeriodMs });
  let openedAt = 0;
  breaker.onBreak(() => (openedAt = Date.now()));
  metrics.state.set({ callee: backend }, breaker.state);
  breaker.onStateChange((s) => metrics.state.set({ callee: backend }, s));
  const refuse = (code: number, reason: string, details: string, waitMs: number): RpcOutcome => {
    metrics.rejected.inc({ callee: backend, reason });
    return { ok: false, failure: { code, details, statusDetails: undefined }, headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) } };
  };
  return async (call) => {
    if (!limiter.tryRemoveTokens(1)) {
      const wait = limiter.getWaitTime(1);
      if (wait > rl.timeoutMs) return refuse(GrpcStatus.RESOURCE_EXHAUSTED, 'rate_limited', `over the edge's rate limit for ${backend}`, wait);
      await limiter.removeTokens(1);
    }
    try {
      return await breaker.execute(call);
    } catch (err: unknown) {
      if (!(err instanceof BrokenCircuitError)) throw err;
      return refuse(GrpcStatus.UNAVAILABLE, 'circuit_open', `${backend} is failing; the edge's circuit for it is open`, openedAt + cb.waitDurationInOpenStateMs - Date.now());
    }
  };
}
