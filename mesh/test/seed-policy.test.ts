// The seed's numbers, asserted value by value against the committed manifests and configs (not
// against policy.ts, so a typo in the policy fails here). Sources: SPEC.md mesh section (VirtualService
// table, DestinationRule), original-system.md §9.3 (HPA) and §9.4 (resilience4j profiles).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { GENERATED_DIR } from '../src/generate.ts';
import { committedDocs, find } from './manifest-support.ts';
import { CAPACITY_MAX_REPLICAS } from '../src/policy.ts';

const docs = committedDocs();
const FULL = ['gateway-error', 'connect-failure', 'refused-stream', '5xx', 'retriable-4xx', 'reset'];
const IMAGE = ['gateway-error', 'connect-failure', 'refused-stream', 'reset'];

// SPEC.md: | | member | content | timeline | image | search | activity |
const SEED_TABLE = {
  member: { timeout: '10s', attempts: 5, perTryTimeout: '3s', retryOn: FULL, retryRemoteLocalities: true },
  content: { timeout: '10s', attempts: 5, perTryTimeout: '3s', retryOn: FULL, retryRemoteLocalities: true },
  timeline: { timeout: '10s', attempts: 5, perTryTimeout: '3s', retryOn: FULL, retryRemoteLocalities: true },
  image: { timeout: '30s', attempts: 3, perTryTimeout: '10s', retryOn: IMAGE, retryRemoteLocalities: true },
  search: { timeout: '15s', attempts: 5, perTryTimeout: '4s', retryOn: FULL, retryRemoteLocalities: true },
  activity: { timeout: '10s', attempts: 5, perTryTimeout: '3s', retryOn: FULL, retryRemoteLocalities: true },
} as const;

interface HttpRoute {
  timeout: string;
  retries: { attempts: number; perTryTimeout: string; retryOn: string; retryRemoteLocalities: boolean };
  route: { destination: { host: string; subset: string; port: { number: number } } }[];
}

describe('VirtualService per service (seed table)', () => {
  for (const [service, row] of Object.entries(SEED_TABLE)) {
    test(`when ${service}-svc is routed, then timeout, attempts, perTryTimeout, retryOn and retryRemoteLocalities are the seed's`, () => {
      const vs = find(docs, 'VirtualService', `dailyfeed-${service}`) as { spec: { hosts: string[]; http: HttpRoute[] } };
      assert.deepEqual(vs.spec.hosts, [`dailyfeed-${service}`]);
      assert.equal(vs.spec.http.length, 1);
      const http = vs.spec.http[0];
      assert.ok(http);
      assert.equal(http.timeout, row.timeout);
      assert.equal(http.retries.attempts, row.attempts);
      assert.equal(http.retries.perTryTimeout, row.perTryTimeout);
      assert.deepEqual(http.retries.retryOn.split(','), row.retryOn);
      assert.equal(http.retries.retryRemoteLocalities, row.retryRemoteLocalities);
      assert.equal(http.route[0]?.destination.subset, 'v1');
    });
  }
});

describe('DestinationRule per service (seed)', () => {
  for (const service of Object.keys(SEED_TABLE)) {
    test(`when ${service}-svc is balanced, then load balancer, connection pool, outlier detection and subset are the seed's`, () => {
      const dr = find(docs, 'DestinationRule', `dailyfeed-${service}`) as { spec: Record<string, unknown> };
      assert.deepEqual(dr.spec, {
        host: `dailyfeed-${service}`,
        trafficPolicy: {
          // choiceCount 2 is Envoy's LEAST_REQUEST default; Istio has no field for it (istio.ts).
          loadBalancer: { simple: 'LEAST_REQUEST' },
          connectionPool: {
            tcp: { maxConnections: 100, connectTimeout: '3s', tcpKeepalive: { time: '7200s', interval: '75s', probes: 9 } },
            http: { http1MaxPendingRequests: 100, http2MaxRequests: 500, maxRequestsPerConnection: 10, maxRetries: 3, idleTimeout: '30s', h2UpgradePolicy: 'UPGRADE' },
          },
          outlierDetection: {
            consecutive5xxErrors: 5,
            consecutiveGatewayErrors: 3,
            interval: '1m',
            baseEjectionTime: '5m',
            maxEjectionPercent: 50,
            minHealthPercent: 30,
            splitExternalLocalOriginErrors: true,
          },
        },
        subsets: [{ name: 'v1', labels: { version: 'v1' } }],
      });
    });
  }
});

describe('HPA (seed sample §9.3, bounds from the capacity model)', () => {
  for (const name of [...Object.keys(SEED_TABLE), 'gateway'] as (keyof typeof CAPACITY_MAX_REPLICAS)[]) {
    test(`when dailyfeed-${name} autoscales, then it is min 2, max from bench/CAPACITY.md, CPU 60 %, memory 80 % with the seed's behavior`, () => {
      const hpa = find(docs, 'HorizontalPodAutoscaler', `dailyfeed-${name}`) as { spec: Record<string, unknown> };
      assert.deepEqual(hpa.spec, {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: `dailyfeed-${name}` },
        minReplicas: 2,
        maxReplicas: CAPACITY_MAX_REPLICAS[name],
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
        ],
        behavior: {
          scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Percent', value: 50, periodSeconds: 15 }] },
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [
              { type: 'Percent', value: 100, periodSeconds: 15 },
              { type: 'Pods', value: 2, periodSeconds: 15 },
            ],
          },
        },
      });
    });
  }
});

describe('resilience profiles (§9.4)', () => {
  const critical = { circuitBreaker: [50, 5, 40, 70, 3_000, 30_000, 5], rateLimiter: [200, 1_000, 100] };
  const standard = { circuitBreaker: [100, 10, 50, 80, 5_000, 60_000, 10], rateLimiter: [100, 1_000, 0] };
  const bulk = { circuitBreaker: [200, 20, 60, 85, 10_000, 120_000, 10], rateLimiter: [50, 1_000, 0] };
  const expected = { member: ['critical', critical], timeline: ['critical', critical], content: ['default', standard], activity: ['default', standard], search: ['default', standard], image: ['bulk', bulk] } as const;
  for (const [service, [profile, numbers]] of Object.entries(expected)) {
    test(`when a client calls ${service}-svc, then it applies the ${profile} breaker and rate limit`, () => {
      const p = JSON.parse(readFileSync(join(GENERATED_DIR, 'resilience', `${service}.json`), 'utf8')) as {
        profile: string;
        circuitBreaker: Record<string, number | boolean>;
        rateLimiter: Record<string, number>;
      };
      assert.equal(p.profile, profile);
      const cb = p.circuitBreaker;
      assert.deepEqual(
        [cb['slidingWindowSize'], cb['minimumNumberOfCalls'], cb['failureRateThresholdPercent'], cb['slowCallRateThresholdPercent'], cb['slowCallDurationThresholdMs'], cb['waitDurationInOpenStateMs'], cb['permittedCallsInHalfOpenState']],
        numbers.circuitBreaker,
      );
      assert.equal(cb['automaticTransitionFromOpenToHalfOpen'], true);
      assert.deepEqual([p.rateLimiter['limitForPeriod'], p.rateLimiter['limitRefreshPeriodMs'], p.rateLimiter['timeoutMs']], numbers.rateLimiter);
    });
  }
});
