// The caller's half of a callee's resilience profile (mesh/generated/resilience/<callee>.json, read
// at boot; docs/resilience.md maps every field): cockatiel's count-based breaker around each call,
// limiter's client rate limit in front. Only server-side failures count (the gRPC code of the
// error, or of the ServiceError a translated DomainError keeps as its cause). An open circuit
// (UNAVAILABLE DEPENDENCY_CIRCUIT_OPEN) and a call over the rate (RESOURCE_EXHAUSTED
// TOO_MANY_REQUEST) never reach the callee. file "" = neither (calls go straight through).
import { readFileSync } from 'node:fs';
import { status as Code } from '@grpc/grpc-js';
import { BrokenCircuitError, circuitBreaker, CountBreaker, handleWhen } from 'cockatiel';
import { RateLimiter } from 'limiter';
import { Counter, Gauge, type Registry } from 'prom-client';
import { DomainError } from '../domain/errors.ts';

export type CallPolicy = <T>(call: () => Promise<T>) => Promise<T>;
type Profile = { circuitBreaker: Record<'slidingWindowSize' | 'minimumNumberOfCalls' | 'failureRateThresholdPercent' | 'waitDurationInOpenStateMs' | 'permittedCallsInHalfOpenState', number>; rateLimiter: Record<'limitForPeriod' | 'limitRefreshPeriodMs' | 'timeoutMs', number> };
const SERVER_SIDE: readonly unknown[] = [Code.UNAVAILABLE, Code.INTERNAL, Code.DEADLINE_EXCEEDED, Code.UNKNOWN];
const codeOf = (err: unknown): unknown => (err as { code?: unknown }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;

export function callPolicy(file: string, callee: string, registry: Registry): CallPolicy {
  if (file === '') return (call) => call();
  const { circuitBreaker: cb, rateLimiter: rl } = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const threshold = cb.failureRateThresholdPercent / 100;
  const countBreaker = new CountBreaker({ threshold, size: cb.slidingWindowSize, minimumNumberOfCalls: cb.minimumNumberOfCalls });
  const breaker = circuitBreaker(handleWhen((err) => SERVER_SIDE.includes(codeOf(err))), { breaker: countBreaker, halfOpenAfter: cb.waitDurationInOpenStateMs, halfOpenSampling: { calls: cb.permittedCallsInHalfOpenState, threshold } });
  const limiter = new RateLimiter({ tokensPerInterval: rl.limitForPeriod, interval: rl.limitRefreshPeriodMs });
  const state = (registry.getSingleMetric('dailyfeed_client_breaker_state') as Gauge | undefined) ?? new Gauge({ name: 'dailyfeed_client_breaker_state', help: 'Breaker per callee: 0 closed, 1 open, 2 half-open.', labelNames: ['callee'], registers: [registry] });
  const rejected = (registry.getSingleMetric('dailyfeed_client_calls_rejected_total') as Counter | undefined) ?? new Counter({ name: 'dailyfeed_client_calls_rejected_total', help: 'Calls not sent: circuit_open, rate_limited.', labelNames: ['callee', 'reason'], registers: [registry] });
  breaker.onStateChange((s) => state.set({ callee }, s));
  state.set({ callee }, breaker.state);
  const rateLimited = (): DomainError => (rejected.inc({ callee, reason: 'rate_limited' }), new DomainError('exhausted', 'TOO_MANY_REQUEST', `over the client rate limit for ${callee}`));
  return async (call) => {
    if (!limiter.tryRemoveTokens(1)) {
      if (limiter.getWaitTime(1) > rl.timeoutMs) throw rateLimited();
      await limiter.removeTokens(1);
    }
    return breaker.execute(call).catch((err: unknown) => {
      if (!(err instanceof BrokenCircuitError)) throw err;
      rejected.inc({ callee, reason: 'circuit_open' });
      throw new DomainError('unavailable', 'DEPENDENCY_CIRCUIT_OPEN', `${callee} is failing; its circuit is open`, { metadata: { callee }, cause: err });
    });
  };
}
