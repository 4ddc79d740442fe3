// The one policy source. Every number that shapes traffic, resilience or scaling is written here
// once; the Istio manifests, the Kubernetes workloads, the grpc-js service configs (used without a
// mesh) and the application-level resilience settings are all generated from it (generate.ts).
//
// The VirtualService and DestinationRule numbers are the seed's (SPEC.md, mesh section), reproduced
// exactly; the resilience profiles are the original's resilience4j ones (original-system.md §9.4);
// autoscaling is the seed's HPA sample (§9.3); resources and preStop are the original Helm chart's
// (§9.2). Durations are kept in the seed's own notation ("3s", "1m") and parsed where a client
// needs numbers (durations.ts).
import type { ProfileName } from './resilience.ts';

export const SERVICE_NAMES = ['member', 'content', 'timeline', 'image', 'search', 'activity'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
/** Who may open a connection to a workload: the edge or another service (AuthorizationPolicy). */
export type Caller = 'gateway' | ServiceName;

/** Istio/Envoy retry conditions used by the seed (comma-joined in the VirtualService). */
export type RetryOn = 'gateway-error' | 'connect-failure' | 'refused-stream' | '5xx' | 'retriable-4xx' | 'reset';

export interface RoutePolicy {
  readonly timeout: string;
  readonly retries: {
    /** Envoy semantics: retries after the first try (grpc-js counts the first try too). */
    readonly attempts: number;
    readonly perTryTimeout: string;
    readonly retryOn: readonly RetryOn[];
    readonly retryRemoteLocalities: boolean;
  };
}

export interface DestinationPolicy {
  /** choiceCount: Envoy's built-in default for LEAST_REQUEST; Istio has no field for it (istio.ts). */
  readonly loadBalancer: { readonly simple: 'LEAST_REQUEST'; readonly choiceCount: 2 };
  readonly tcp: {
    readonly maxConnections: number;
    readonly connectTimeout: string;
    readonly keepalive: { readonly time: string; readonly interval: string; readonly probes: number };
  };
  readonly http: {
    readonly http1MaxPendingRequests: number;
    readonly http2MaxRequests: number;
    readonly maxRequestsPerConnection: number;
    readonly maxRetries: number;
    readonly idleTimeout: string;
    readonly h2UpgradePolicy: 'UPGRADE';
  };
  readonly outlierDetection: {
    readonly consecutive5xxErrors: number;
    readonly consecutiveGatewayErrors: number;
    readonly interval: string;
    readonly baseEjectionTime: string;
    readonly maxEjectionPercent: number;
    readonly minHealthPercent: number;
    readonly splitExternalLocalOriginErrors: boolean;
  };
  readonly subset: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
}

export interface AutoscalingPolicy {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly cpuUtilization: number;
  readonly memoryUtilization: number;
  readonly scaleDown: { readonly stabilizationSeconds: number; readonly percent: number; readonly periodSeconds: number };
  readonly scaleUp: { readonly stabilizationSeconds: number; readonly percent: number; readonly pods: number; readonly periodSeconds: number };
}

export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

export interface JobPolicy {
  /** `node src/main.ts <command>` in the service's image. */
  readonly command: string;
  readonly schedule: string;
  readonly why: string;
}

/** A volume the service writes (image files): a PersistentVolumeClaim mounted at mountPath. */
export interface StoragePolicy {
  readonly claimName: string;
  readonly mountPath: string;
  /** Environment variable that tells the service where the volume is. */
  readonly envKey: string;
  readonly size: string;
  readonly accessMode: 'ReadWriteOnce' | 'ReadWriteMany';
}

export interface ServicePolicy {
  readonly name: ServiceName;
  readonly grpcPort: number;
  readonly metricsPort: number;
  /** Fully qualified proto service, the `name` of the grpc-js method config. */
  readonly protoService: string;
  readonly usesKafka: boolean;
  /** SPEC: read load scales timeline, write load scales content, independently. */
  readonly scaleGroup: 'read' | 'write' | undefined;
  readonly route: RoutePolicy;
  readonly destination: DestinationPolicy;
  /** Profile callers apply to calls *to* this service (§9.4 "used by"). */
  readonly resilience: ProfileName;
  readonly autoscaling: AutoscalingPolicy;
  readonly resources: Resources;
  readonly callers: readonly Caller[];
  readonly jobs: readonly JobPolicy[];
  /** Writable storage beyond /tmp (the root filesystem is read-only). */
  readonly storage?: StoragePolicy;
  /** Extra environment variables read from a Secret (the database Secret unless `secret` names another): env name -> Secret key. */
  readonly secretEnv?: readonly { readonly env: string; readonly key: string; readonly secret?: string }[];
}

const FULL_RETRY_ON: readonly RetryOn[] = ['gateway-error', 'connect-failure', 'refused-stream', '5xx', 'retriable-4xx', 'reset'];

/**
 * Retries re-send writes (CreatePost, Like, ...) on 5xx and resets, i.e. possibly after the first
 * try already committed. That is safe ONLY because every write is idempotent: the edge sends an
 * `idempotency-key` metadata entry and content-svc deduplicates it (SPEC.md, mesh section).
 */
function route(timeout: string, attempts: number, perTryTimeout: string, retryOn: readonly RetryOn[]): RoutePolicy {
  return { timeout, retries: { attempts, perTryTimeout, retryOn, retryRemoteLocalities: true } };
}

/** The seed's DestinationRule (shown for activity, "the same shape for each service"). */
export const SEED_DESTINATION: DestinationPolicy = {
  loadBalancer: { simple: 'LEAST_REQUEST', choiceCount: 2 },
  tcp: { maxConnections: 100, connectTimeout: '3s', keepalive: { time: '7200s', interval: '75s', probes: 9 } },
  http: {
    http1MaxPendingRequests: 100,
    http2MaxRequests: 500,
    maxRequestsPerConnection: 10,
    maxRetries: 3,
    idleTimeout: '30s',
    h2UpgradePolicy: 'UPGRADE',
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
  subset: { name: 'v1', labels: { version: 'v1' } },
};

/** The seed's HPA sample (§9.3): min 2, max 10, CPU 70 %, memory 80 %. */
export const SEED_AUTOSCALING: AutoscalingPolicy = {
  minReplicas: 2,
  maxReplicas: 10,
  cpuUtilization: 70,
  memoryUtilization: 80,
  scaleDown: { stabilizationSeconds: 300, percent: 50, periodSeconds: 15 },
  scaleUp: { stabilizationSeconds: 0, percent: 100, pods: 2, periodSeconds: 15 },
};

// §9.2: default requests 250Mi / 500m, limits 500Mi / 1000m; member 400Mi/1Gi; timeline 250Mi/600Mi.
const DEFAULT_RESOURCES: Resources = { requests: { cpu: '500m', memory: '250Mi' }, limits: { cpu: '1000m', memory: '500Mi' } };
const withMemory = (request: string, limit: string): Resources => ({
  requests: { ...DEFAULT_RESOURCES.requests, memory: request },
  limits: { ...DEFAULT_RESOURCES.limits, memory: limit },
});

const common = { destination: SEED_DESTINATION } as const;

/**
 * HPA bounds from the capacity model (bench/CAPACITY.md, from `npm run bench:mixed` on
 * 2026-12-03 09:50, main at 8265a12): CPU target 60 % (the model's headroom per replica, below the
 * seed's 70 %) and maxReplicas = the model's "HPA max": the replicas 100,000 requests/s of the mix
 * need at that target (member-svc: its sign-ins, which the mix does not contain), and for the
 * consumer services at least the day topic's partitions. min 2 as the seed (a PDB keeps one during
 * disruptions). The seed's scaling behaviour and memory target stay. test/capacity-model.test.ts
 * holds these numbers to the model's table.
 */
export const CAPACITY_CPU_TARGET = 60;
export const CAPACITY_MAX_REPLICAS = { member: 69, content: 24, timeline: 66, image: 10, search: 10, activity: 10, gateway: 86 } as const;
const sizedFor = (name: keyof typeof CAPACITY_MAX_REPLICAS): AutoscalingPolicy => ({
  ...SEED_AUTOSCALING,
  cpuUtilization: CAPACITY_CPU_TARGET,
  maxReplicas: CAPACITY_MAX_REPLICAS[name],
});

export const SERVICES: readonly ServicePolicy[] = [
  {
    ...common,
    autoscaling: sizedFor('member'),
    name: 'member',
    grpcPort: 50051,
    metricsPort: 9451,
    protoService: 'dailyfeed.member.v1.MemberService',
    usesKafka: false,
    scaleGroup: undefined,
    route: route('10s', 5, '3s', FULL_RETRY_ON),
    resilience: 'critical',
    // Private signing keys are stored AES-256-GCM encrypted with a key derived from this secret;
    // without it they would sit in PostgreSQL in the clear. Production supplies the Secret (the
    // pod does not start without it); the dev overlay creates a throw-away one.
    secretEnv: [{ env: 'KEY_ENCRYPTION_SECRET', key: 'key-encryption-secret', secret: 'dailyfeed-member-keys' }],
    resources: withMemory('400Mi', '1Gi'),
    // Every service authenticates its callers through member-svc (Authenticate).
    callers: ['gateway', 'content', 'timeline', 'image', 'search', 'activity'],
    jobs: [
      // The original docs run key rotation hourly; the job itself decides whether the primary is old enough.
      { command: 'rotate-keys', schedule: '0 * * * *', why: 'rotate the JWT signing key, deactivate expired keys' },
      { command: 'cleanup-tokens', schedule: '30 3 * * *', why: 'delete expired refresh tokens and blacklist rows' },
    ],
  },
  {
    ...common,
    autoscaling: sizedFor('content'),
    name: 'content',
    grpcPort: 50052,
    metricsPort: 9452,
    protoService: 'dailyfeed.content.v1.ContentService',
    usesKafka: true,
    scaleGroup: 'write',
    route: route('10s', 5, '3s', FULL_RETRY_ON),
    resilience: 'default',
    resources: DEFAULT_RESOURCES,
    callers: ['gateway'],
    jobs: [
      // The docs create the next day's topic at 23:50; hourly repairs a missed run within the hour.
      { command: 'ensure-topics', schedule: '50 * * * *', why: "create today's and tomorrow's member-activity topics" },
      { command: 'cleanup-topics', schedule: '15 4 * * *', why: 'delete fully consumed topics older than 7 days' },
      { command: 'relay-dead-letters', schedule: '* * * * *', why: 're-send unpublished outbox events (every minute, as the original)' },
    ],
  },
  {
    ...common,
    autoscaling: sizedFor('timeline'),
    name: 'timeline',
    grpcPort: 50053,
    metricsPort: 9453,
    protoService: 'dailyfeed.timeline.v1.TimelineService',
    usesKafka: true,
    scaleGroup: 'read',
    // Serving reads content's tables through its own read-only role (which may be a replica).
    secretEnv: [{ env: 'CONTENT_READ_DATABASE_URL', key: 'timeline-read' }],
    route: route('10s', 5, '3s', FULL_RETRY_ON),
    resilience: 'critical',
    resources: withMemory('250Mi', '600Mi'),
    callers: ['gateway', 'search'],
    jobs: [],
  },
  {
    ...common,
    autoscaling: sizedFor('image'),
    name: 'image',
    grpcPort: 50054,
    metricsPort: 9454,
    protoService: 'dailyfeed.image.v1.ImageService',
    usesKafka: false,
    scaleGroup: undefined,
    // Image processing is slow and uploads are large: longer timeouts, fewer retries, and no
    // retry on 5xx/retriable-4xx (a failed resize is not retried blindly), as the seed.
    route: route('30s', 3, '10s', ['gateway-error', 'connect-failure', 'refused-stream', 'reset']),
    resilience: 'bulk',
    resources: DEFAULT_RESOURCES,
    // member deletes previous avatars on profile update.
    callers: ['gateway', 'member'],
    jobs: [],
    // Files written by one replica are viewed through any other (the HPA keeps 2+), so the
    // volume must be shared: ReadWriteMany.
    storage: { claimName: 'image-store', mountPath: '/image', envKey: 'IMAGE_ROOT', size: '10Gi', accessMode: 'ReadWriteMany' },
  },
  {
    ...common,
    autoscaling: sizedFor('search'),
    name: 'search',
    grpcPort: 50055,
    metricsPort: 9455,
    protoService: 'dailyfeed.search.v1.SearchService',
    usesKafka: true,
    scaleGroup: undefined,
    route: route('15s', 5, '4s', FULL_RETRY_ON),
    // The original had no search client (search called others); a new caller gets the default profile.
    resilience: 'default',
    resources: DEFAULT_RESOURCES,
    callers: ['gateway'],
    jobs: [],
  },
  {
    ...common,
    autoscaling: sizedFor('activity'),
    name: 'activity',
    grpcPort: 50056,
    metricsPort: 9456,
    protoService: 'dailyfeed.activity.v1.ActivityService',
    usesKafka: true,
    scaleGroup: undefined,
    route: route('10s', 5, '3s', FULL_RETRY_ON),
    resilience: 'default',
    resources: DEFAULT_RESOURCES,
    callers: ['gateway'],
    jobs: [{ command: 'replay-dead-letters', schedule: '* * * * *', why: 're-process listener dead letters (every minute, as the original)' }],
  },
];

/** The REST edge. Reached only through the Istio ingress gateway. */
export const EDGE = {
  name: 'gateway',
  httpPort: 8080,
  /** /metrics lives here, off the port the ingress routes to (the edge's METRICS_PORT). */
  metricsPort: 9450,
  resources: DEFAULT_RESOURCES,
  autoscaling: sizedFor('gateway'),
  hosts: ['dailyfeed.local', '*'],
  // §9.1's ingress route to the frontend: timeout 30s, 3 retries of 10s. A 502/503/504 may come
  // after the edge already forwarded a write, so `gateway-error` is retried only for requests that
  // are safe to repeat: GET/HEAD/OPTIONS, or any request carrying the client's Idempotency-Key
  // (the edge forwards it and the services deduplicate it). Other writes are retried only when
  // the request never reached the edge (istio.ts, edgeVirtualService).
  route: route('30s', 3, '10s', ['gateway-error', 'connect-failure', 'refused-stream']),
  /** Retry conditions under which the request cannot have reached the edge: safe for any method. */
  unsafeMethodRetryOn: ['connect-failure', 'refused-stream'] as readonly RetryOn[],
  /**
   * TRUST_PROXY of the edge: one hop. The socket peer is the pod's own sidecar; the entry before
   * it in X-Forwarded-For is the one the ingress gateway appended (the address it saw). Anything
   * further left was written by the client and is not trusted. See gateway/README.md for a
   * frontend proxy in front of the ingress.
   */
  trustProxy: '1',
} as const;

/**
 * Traces: every service and the edge export spans over OTLP/HTTP to this OpenTelemetry Collector
 * (their src/tracing.ts reads OTEL_EXPORTER_OTLP_ENDPOINT; unset, tracing is off). Change the
 * address here and regenerate to point the cluster at another collector.
 */
export const TRACING = {
  collectorEndpoint: 'http://otel-collector.observability.svc.cluster.local:4318',
} as const;

/** Pod lifecycle shared by every workload (§9.2 preStop sleep 10; services' default deadline). */
export const LIFECYCLE = {
  preStopSeconds: 10,
  /** SHUTDOWN_TIMEOUT_MS every service uses (its config default). */
  shutdownTimeoutMs: 10_000,
  /** Headroom for closing pools and flushing logs after the drain deadline. */
  closeSeconds: 5,
} as const;

/** Kubernetes must wait longer than preStop + the drain deadline + closing, or it SIGKILLs mid-drain. */
export function terminationGraceSeconds(): number {
  return LIFECYCLE.preStopSeconds + Math.ceil(LIFECYCLE.shutdownTimeoutMs / 1000) + LIFECYCLE.closeSeconds;
}

export function serviceOrThrow(name: string): ServicePolicy {
  const found = SERVICES.find((s) => s.name === name);
  if (!found) throw new Error(`unknown service "${name}" (expected one of ${SERVICE_NAMES.join(', ')})`);
  return found;
}
