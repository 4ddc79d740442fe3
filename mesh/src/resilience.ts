// Application-level resilience for service-to-service calls: the original's resilience4j circuit
// breaker and client rate-limiter profiles (original-system.md §9.4), written out as JSON
// (generated/resilience/<target>.json) for the services' own breakers to load.
//
// The §9.4 *retry* configs are deliberately not carried over: calls are already retried once, in
// the transport (Envoy with the mesh, the grpc-js retry policy without it). Retrying again in the
// application would multiply attempts (5 x 3 = 15 tries of one write) exactly when a callee is
// struggling. The decorator order stays the original's minus retry: CircuitBreaker -> RateLimiter.

export type ProfileName = 'critical' | 'default' | 'bulk';

export interface CircuitBreakerProfile {
  /** COUNT_BASED sliding window: the last N calls. */
  readonly slidingWindowSize: number;
  readonly minimumNumberOfCalls: number;
  readonly failureRateThresholdPercent: number;
  readonly slowCallRateThresholdPercent: number;
  readonly slowCallDurationThresholdMs: number;
  readonly waitDurationInOpenStateMs: number;
  readonly permittedCallsInHalfOpenState: number;
  readonly automaticTransitionFromOpenToHalfOpen: boolean;
}

export interface RateLimiterProfile {
  readonly limitForPeriod: number;
  readonly limitRefreshPeriodMs: number;
  /** How long a call may wait for a permit; 0 = fail at once with RESOURCE_EXHAUSTED. */
  readonly timeoutMs: number;
}

export interface ResilienceProfile {
  readonly profile: ProfileName;
  readonly circuitBreaker: CircuitBreakerProfile;
  readonly rateLimiter: RateLimiterProfile;
}

function breaker(window: number, minCalls: number, failure: number, slow: number, slowMs: number, openMs: number, halfOpen: number): CircuitBreakerProfile {
  return {
    slidingWindowSize: window,
    minimumNumberOfCalls: minCalls,
    failureRateThresholdPercent: failure,
    slowCallRateThresholdPercent: slow,
    slowCallDurationThresholdMs: slowMs,
    waitDurationInOpenStateMs: openMs,
    permittedCallsInHalfOpenState: halfOpen,
    automaticTransitionFromOpenToHalfOpen: true,
  };
}

// §9.4 table: config | window | min calls | failure % | slow % | slow threshold | open wait | half-open.
// Rate limiters: default 100/s no wait; critical 200/s wait <= 100 ms; conservative (bulk) 50/s no wait.
export const PROFILES: Readonly<Record<ProfileName, ResilienceProfile>> = {
  default: {
    profile: 'default',
    circuitBreaker: breaker(100, 10, 50, 80, 5_000, 60_000, 10),
    rateLimiter: { limitForPeriod: 100, limitRefreshPeriodMs: 1_000, timeoutMs: 0 },
  },
  critical: {
    profile: 'critical',
    circuitBreaker: breaker(50, 5, 40, 70, 3_000, 30_000, 5),
    rateLimiter: { limitForPeriod: 200, limitRefreshPeriodMs: 1_000, timeoutMs: 100 },
  },
  bulk: {
    profile: 'bulk',
    circuitBreaker: breaker(200, 20, 60, 85, 10_000, 120_000, 10),
    rateLimiter: { limitForPeriod: 50, limitRefreshPeriodMs: 1_000, timeoutMs: 0 },
  },
};
