// The same numbers without a mesh: builds the grpc-js service config (gRFC A2) each client of a
// service loads, from the policy that also writes its VirtualService and DestinationRule.
//
// grpc-js parses this JSON leniently and IGNORES what it does not recognise: `outlierDetection`
// in camelCase, or durations written as strings inside `outlier_detection`, disable ejection
// silently. Hence the exact snake_case shape below (load-balancer-outlier-detection.js,
// createFromJson) and the behavioural tests in test/grpc-config.test.ts.
import { durationMsOrThrow, toProtoDuration, toSecondsString, type ProtoDuration } from './durations.ts';
import type { RetryOn, ServicePolicy } from './policy.ts';

/** grpc-js caps maxAttempts at 5 (grpc-node.retry_max_attempts_limit); we write what it will do. */
const GRPC_JS_MAX_ATTEMPTS = 5;
/** Envoy's default retry back-off (25 ms base, 250 ms cap), so both transports pace retries alike. */
const BACKOFF = { initialMs: 25, maxMs: 250, multiplier: 2 } as const;

/**
 * Envoy retry conditions -> gRPC status codes. Connection failures, refused streams, resets and
 * 502/503/504 all reach a grpc-js client as UNAVAILABLE; a "retriable 4xx" (409) is ABORTED.
 * INTERNAL/UNKNOWN are never retried: they are bugs, and a retry would not fix them.
 */
const STATUS_FOR: Readonly<Record<RetryOn, 'UNAVAILABLE' | 'ABORTED'>> = {
  'gateway-error': 'UNAVAILABLE',
  'connect-failure': 'UNAVAILABLE',
  'refused-stream': 'UNAVAILABLE',
  '5xx': 'UNAVAILABLE',
  reset: 'UNAVAILABLE',
  'retriable-4xx': 'ABORTED',
};

export interface OutlierDetectionConfig {
  readonly interval: ProtoDuration;
  readonly base_ejection_time: ProtoDuration;
  readonly max_ejection_time: ProtoDuration;
  readonly max_ejection_percent: number;
  readonly failure_percentage_ejection: {
    readonly threshold: number;
    readonly enforcement_percentage: number;
    readonly minimum_hosts: number;
    readonly request_volume: number;
  };
  readonly child_policy: readonly [{ readonly round_robin: Record<string, never> }];
}

export interface GrpcServiceConfig {
  readonly loadBalancingConfig: readonly { readonly outlier_detection: OutlierDetectionConfig }[] | readonly { readonly round_robin: Record<string, never> }[];
  readonly methodConfig: readonly {
    readonly name: readonly { readonly service: string }[];
    readonly timeout: string;
    readonly retryPolicy?: {
      readonly maxAttempts: number;
      readonly initialBackoff: string;
      readonly maxBackoff: string;
      readonly backoffMultiplier: number;
      readonly retryableStatusCodes: readonly string[];
    };
  }[];
}

/**
 * Outlier detection over round robin. grpc-js has no "consecutive errors" detector, only failure
 * percentage per interval. So: interval, base ejection and max ejection % are the
 * DestinationRule's; a backend is ejected when more than 85 % of at least `consecutive5xxErrors`
 * calls in an interval failed; at least 2 hosts must be seen, or the only backend could be ejected
 * (Envoy's minHealthPercent guards the same thing).
 *
 * What counts as a failure: upstream grpc-js counts EVERY non-OK status, so a replica answering
 * NOT_FOUND or UNAUTHENTICATED (answers, not faults) would be ejected. patches/@grpc+grpc-js+*.patch
 * (applied by patch-package on install) makes it count only the codes Envoy maps to HTTP 5xx —
 * UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS — i.e. exactly what
 * the DestinationRule's consecutive5xxErrors counts, every other status counting as a success.
 * A patch rather than a custom LB policy through grpc-js's experimental API: the policy would have
 * to live in every service and the edge (no common code between them) and re-implement ejection
 * timing; the patch is four lines in one place, and mesh/test/outlier-detection.test.ts fails without it.
 */
function outlierDetection(policy: ServicePolicy): OutlierDetectionConfig {
  const od = policy.destination.outlierDetection;
  const baseMs = durationMsOrThrow(od.baseEjectionTime);
  return {
    interval: toProtoDuration(durationMsOrThrow(od.interval)),
    base_ejection_time: toProtoDuration(baseMs),
    max_ejection_time: toProtoDuration(baseMs),
    max_ejection_percent: od.maxEjectionPercent,
    failure_percentage_ejection: { threshold: 85, enforcement_percentage: 100, minimum_hosts: 2, request_volume: od.consecutive5xxErrors },
    child_policy: [{ round_robin: {} }],
  };
}

/**
 * Without a mesh (`underMesh: false`) the client retries and ejects by itself. Under Istio the
 * sidecar already retries and ejects with these numbers, so the client keeps only the deadline:
 * retrying in both places would multiply attempts (6 x 5 tries of one call).
 *
 * Retries re-send writes after a reset or 503, possibly after the first try committed. That is
 * safe only because every write is idempotent: the edge's `idempotency-key` metadata is carried
 * unchanged on every try and the writer deduplicates it (SPEC.md, mesh section).
 */
export function grpcServiceConfig(policy: ServicePolicy, underMesh: boolean): GrpcServiceConfig {
  const { route } = policy;
  const timeout = toSecondsString(durationMsOrThrow(route.timeout));
  const name = [{ service: policy.protoService }];
  if (underMesh) return { loadBalancingConfig: [{ round_robin: {} }], methodConfig: [{ name, timeout }] };
  const codes = [...new Set(route.retries.retryOn.map((on) => STATUS_FOR[on]))].sort();
  return {
    loadBalancingConfig: [{ outlier_detection: outlierDetection(policy) }],
    methodConfig: [
      {
        name,
        // A per-try timeout has no grpc-js equivalent (gRFC A6 has none); the deadline bounds all tries.
        timeout,
        retryPolicy: {
          // Envoy's `attempts` counts retries; grpc-js's maxAttempts counts the first try too.
          maxAttempts: Math.min(route.retries.attempts + 1, GRPC_JS_MAX_ATTEMPTS),
          initialBackoff: toSecondsString(BACKOFF.initialMs),
          maxBackoff: toSecondsString(BACKOFF.maxMs),
          backoffMultiplier: BACKOFF.multiplier,
          retryableStatusCodes: codes,
        },
      },
    ],
  };
}
