// Istio objects: per service a VirtualService (timeouts, retries) and DestinationRule (load
// balancing, connection pool, outlier detection, subset v1) with the seed's numbers; namespace-wide
// STRICT mTLS; the ingress Gateway and route to the edge; who-may-call-whom AuthorizationPolicies.
import { DestinationRule, Gateway, VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1';
import { AuthorizationPolicy, PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1';
import { NAMESPACE, principal, selectorLabels, workloadName } from './k8s-common.ts';
import { EDGE, type Caller, type RetryOn, type RoutePolicy, type ServicePolicy } from './policy.ts';

// Retries re-send writes. That is safe only because writes are idempotent: the edge's
// `idempotency-key` metadata is forwarded unchanged on every try, and content-svc deduplicates it.
function httpRetries(route: RoutePolicy, retryOn: readonly RetryOn[] = route.retries.retryOn) {
  return {
    attempts: route.retries.attempts,
    perTryTimeout: route.retries.perTryTimeout,
    retryOn: retryOn.join(','),
    retryRemoteLocalities: route.retries.retryRemoteLocalities,
  };
}

export function virtualService(policy: ServicePolicy): VirtualService {
  const host = workloadName(policy.name);
  return new VirtualService({
    metadata: { name: host, namespace: NAMESPACE },
    spec: {
      hosts: [host],
      http: [
        {
          name: 'grpc',
          timeout: policy.route.timeout,
          retries: httpRetries(policy.route),
          route: [{ destination: { host, subset: policy.destination.subset.name, port: { number: policy.grpcPort } } }],
        },
      ],
    },
  });
}

export function destinationRule(policy: ServicePolicy): DestinationRule {
  const host = workloadName(policy.name);
  const d = policy.destination;
  return new DestinationRule({
    metadata: { name: host, namespace: NAMESPACE },
    spec: {
      host,
      trafficPolicy: {
        // The seed also wrote `leastRequestLbConfig: {choiceCount: 2}`, but Istio's DestinationRule
        // has no such field (the API server would drop or reject it). Envoy's LEAST_REQUEST picks the
        // less loaded of 2 random hosts by default, so the seed's choiceCount 2 holds as written.
        loadBalancer: { simple: d.loadBalancer.simple },
        connectionPool: {
          tcp: {
            maxConnections: d.tcp.maxConnections,
            connectTimeout: d.tcp.connectTimeout,
            tcpKeepalive: { time: d.tcp.keepalive.time, interval: d.tcp.keepalive.interval, probes: d.tcp.keepalive.probes },
          },
          http: { ...d.http },
        },
        // For gRPC, Envoy's router maps grpc-status to an HTTP code before outlier detection sees it:
        // UNAVAILABLE 503, DEADLINE_EXCEEDED 504, INTERNAL/UNKNOWN/DATA_LOSS 500, UNIMPLEMENTED 501,
        // while NOT_FOUND 404, UNAUTHENTICATED 401, INVALID_ARGUMENT 400 never count. consecutive5xxErrors
        // is the detector matching the rule "server-side failures only" (it includes INTERNAL, which
        // the gateway detector, 502/503/504 only, misses), and it is the number grpc-js mirrors
        // (grpc-config.ts). consecutiveGatewayErrors stays as the seed wrote it (SPEC.md): a subset of
        // the same server-side errors that ejects sooner on 503/504, never on a client error.
        outlierDetection: { ...d.outlierDetection },
      },
      subsets: [{ name: d.subset.name, labels: { ...d.subset.labels } }],
    },
  });
}

/** Every workload in the namespace accepts only mutual TLS (the original's pa-dev.yaml). */
export function peerAuthentication(): PeerAuthentication {
  return new PeerAuthentication({ metadata: { name: 'default', namespace: NAMESPACE }, spec: { mtls: { mode: 'STRICT' } } });
}

export function ingressGateway(): Gateway {
  return new Gateway({
    metadata: { name: 'dailyfeed-gateway', namespace: NAMESPACE },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [...EDGE.hosts] }],
    },
  });
}

/**
 * The ingress route to the edge, in two rules (first match wins). Requests safe to repeat (safe
 * methods, or carrying the client's Idempotency-Key, which the edge forwards so the services
 * deduplicate the retry) get the §9.1 retries; every other request (a POST/PUT/PATCH/DELETE
 * without a key) is retried only when it cannot have reached the edge, so a write that timed out
 * or failed after being forwarded is never applied twice.
 */
export function edgeVirtualService(): VirtualService {
  const host = workloadName('gateway');
  const destination = [{ destination: { host, port: { number: EDGE.httpPort } } }];
  return new VirtualService({
    metadata: { name: host, namespace: NAMESPACE },
    spec: {
      hosts: [...EDGE.hosts],
      gateways: ['dailyfeed-gateway'],
      http: [
        {
          name: 'edge-repeatable',
          // Match entries are ORed.
          match: [{ method: { regex: 'GET|HEAD|OPTIONS' } }, { headers: { 'idempotency-key': { regex: '.+' } } }],
          timeout: EDGE.route.timeout,
          retries: httpRetries(EDGE.route),
          route: destination,
        },
        {
          name: 'edge',
          match: [{ uri: { prefix: '/' } }],
          timeout: EDGE.route.timeout,
          retries: httpRetries(EDGE.route, EDGE.unsafeMethodRetryOn),
          route: destination,
        },
      ],
    },
  });
}

/**
 * ALLOW policies: once a workload has one, everything not matched is denied. Services accept
 * calls only from their declared callers' service accounts (mTLS identities); the edge accepts
 * only the ingress gateway, whose service-account name depends on how Istio was installed, so
 * the rule matches its namespace instead.
 */
export function authorizationPolicy(name: Caller, callers: readonly Caller[] | 'ingress'): AuthorizationPolicy {
  const source = callers === 'ingress' ? { namespaces: ['istio-system'] } : { principals: callers.map(principal) };
  return new AuthorizationPolicy({
    metadata: { name: workloadName(name), namespace: NAMESPACE },
    spec: { selector: { matchLabels: selectorLabels(name) }, action: 'ALLOW', rules: [{ from: [{ source }] }] },
  });
}
