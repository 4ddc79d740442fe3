// Per-workload Kubernetes objects: ServiceAccount, Deployment, Service, HPA, PodDisruptionBudget.
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PersistentVolumeClaim, Service, ServiceAccount } from 'kubernetes-models/v1';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import {
  CONTAINER_SECURITY, DATABASE_SECRET, env, fromConfig, fromSecret, imageName, NAMESPACE, POD_SECURITY,
  podLabels, selectorLabels, TMP_MOUNT, TMP_VOLUME, workloadName,
} from './k8s-common.ts';
import { EDGE, LIFECYCLE, SERVICES, TRACING, terminationGraceSeconds, type AutoscalingPolicy, type Caller, type Resources, type ServicePolicy } from './policy.ts';

export type Workload = Deployment | Service | ServiceAccount | HorizontalPodAutoscaler | PodDisruptionBudget | PersistentVolumeClaim;

interface PodShape {
  readonly name: Caller;
  readonly scaleGroup: string | undefined;
  readonly resources: Resources;
  readonly container: Pick<IContainer, 'ports' | 'env' | 'readinessProbe' | 'livenessProbe' | 'startupProbe'>;
  readonly metricsPort: number;
  readonly initContainers: IContainer[];
  readonly volumes: IVolume[];
  readonly mounts: IVolumeMount[];
}

// grpc.health.v1 answers two names (services/*/src/adapters/health.ts):
//   ''                   liveness and startup: SERVING whenever the process answers at all. A
//                        dependency outage never restarts a pod; a wedged process (no answer for
//                        30 s) does. Startup allows a minute for the first connection to PostgreSQL.
//   the gRPC service     readiness: SERVING while what the service's RPCs need answers (content
//                        without Kafka thanks to its outbox, member without Redis thanks to its
//                        PostgreSQL fallback); NOT_SERVING takes the pod out of rotation at once.
function probes(port: { grpc: number; readiness: string } | { http: number }): Pick<IContainer, 'readinessProbe' | 'livenessProbe' | 'startupProbe'> {
  const live: IProbe = 'grpc' in port ? { grpc: { port: port.grpc, service: '' } } : { httpGet: { path: '/healthz', port: port.http } };
  const ready: IProbe = 'grpc' in port ? { grpc: { port: port.grpc, service: port.readiness } } : live;
  return {
    startupProbe: { ...live, periodSeconds: 2, failureThreshold: 30, timeoutSeconds: 2 },
    readinessProbe: { ...ready, periodSeconds: 2, failureThreshold: 3, timeoutSeconds: 2 },
    livenessProbe: { ...live, periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 2 },
  };
}

function deployment(pod: PodShape): Deployment {
  const name = workloadName(pod.name);
  return new Deployment({
    metadata: { name, namespace: NAMESPACE, labels: podLabels(pod.name, pod.scaleGroup) },
    spec: {
      // No `replicas`: the HPA owns the count, and re-applying manifests must not reset it.
      selector: { matchLabels: selectorLabels(pod.name) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: {
          labels: podLabels(pod.name, pod.scaleGroup),
          annotations: {
            // Start the app only once Envoy is up (its first outbound calls would fail otherwise).
            // Probes are NOT excluded from Istio's rewriting (the original set rewriteAppHTTPProbers
            // "false"): with STRICT mTLS a plain-text kubelet probe would be refused by the sidecar.
            'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true}',
            // Migrations run in an init container, before Envoy exists: PostgreSQL must bypass it.
            'traffic.sidecar.istio.io/excludeOutboundPorts': '5432',
            'prometheus.io/scrape': 'true',
            'prometheus.io/port': String(pod.metricsPort),
            'prometheus.io/path': '/metrics',
          },
        },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: POD_SECURITY,
          terminationGracePeriodSeconds: terminationGraceSeconds(),
          volumes: [TMP_VOLUME, ...pod.volumes],
          initContainers: pod.initContainers,
          containers: [
            {
              name: pod.name,
              image: imageName(pod.name),
              ...pod.container,
              resources: { requests: { ...pod.resources.requests }, limits: { ...pod.resources.limits } },
              securityContext: CONTAINER_SECURITY,
              volumeMounts: [TMP_MOUNT, ...pod.mounts],
              // Endpoints are removed asynchronously after SIGTERM is decided; sleeping first lets
              // callers stop sending before the server drains (the original's preStop sleep 10).
              lifecycle: { preStop: { sleep: { seconds: LIFECYCLE.preStopSeconds } } },
            },
          ],
        },
      },
    },
  });
}

/** Where each service's Dockerfile puts the generated grpc-js configs of the services it calls. */
export const GRPC_CONFIG_DIR = '/app/grpc';
/** Where each service's Dockerfile puts the generated resilience profiles of the services it calls. */
export const RESILIENCE_DIR = '/app/resilience';

/** Where the workload's spans go, and the service name they carry. */
function tracingEnv(serviceName: string): NonNullable<IContainer['env']> {
  return [env('OTEL_EXPORTER_OTLP_ENDPOINT', TRACING.collectorEndpoint), env('OTEL_SERVICE_NAME', serviceName)];
}

function serviceEnv(policy: ServicePolicy): NonNullable<IContainer['env']> {
  return [
    env('GRPC_HOST', '0.0.0.0'),
    env('GRPC_PORT', String(policy.grpcPort)),
    env('METRICS_PORT', String(policy.metricsPort)),
    env('SHUTDOWN_TIMEOUT_MS', String(LIFECYCLE.shutdownTimeoutMs)),
    fromSecret('DATABASE_URL', DATABASE_SECRET, policy.name),
    fromConfig('REDIS_URL'),
    ...(policy.usesKafka ? [fromConfig('KAFKA_BROKERS')] : []),
    fromConfig('LOG_LEVEL'),
    ...tracingEnv(`${policy.name}-svc`),
    ...(policy.secretEnv ?? []).map((e) => fromSecret(e.env, e.secret ?? DATABASE_SECRET, e.key)),
    ...(policy.storage ? [env(policy.storage.envKey, policy.storage.mountPath)] : []),
    // <TARGET>_ADDR for every service this one may call (the same graph the AuthorizationPolicies allow).
    ...SERVICES.filter((t) => t.callers.includes(policy.name)).map((t) => env(`${t.name.toUpperCase()}_ADDR`, `${workloadName(t.name)}:${t.grpcPort}`)),
    // and the grpc-js service config the client of each reads at boot: Envoy retries and ejects in
    // the cluster, so the deadline-only *.under-mesh.json, which the service's Dockerfile copies.
    ...SERVICES.filter((t) => t.callers.includes(policy.name)).map((t) => env(`${t.name.toUpperCase()}_GRPC_CONFIG_FILE`, `${GRPC_CONFIG_DIR}/${t.name}.under-mesh.json`)),
    // and its resilience profile: the breaker and client rate limit stay under the mesh (Envoy ejects
    // hosts; the breaker keeps a failing callee from holding the caller's calls until their deadline).
    ...SERVICES.filter((t) => t.callers.includes(policy.name)).map((t) => env(`${t.name.toUpperCase()}_RESILIENCE_FILE`, `${RESILIENCE_DIR}/${t.name}.json`)),
  ];
}

function autoscaler(name: Caller, a: AutoscalingPolicy): HorizontalPodAutoscaler {
  const target = workloadName(name);
  const utilization = (resource: string, averageUtilization: number) =>
    ({ type: 'Resource', resource: { name: resource, target: { type: 'Utilization', averageUtilization } } }) as const;
  return new HorizontalPodAutoscaler({
    metadata: { name: target, namespace: NAMESPACE },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [utilization('cpu', a.cpuUtilization), utilization('memory', a.memoryUtilization)],
      behavior: {
        scaleDown: {
          stabilizationWindowSeconds: a.scaleDown.stabilizationSeconds,
          policies: [{ type: 'Percent', value: a.scaleDown.percent, periodSeconds: a.scaleDown.periodSeconds }],
        },
        scaleUp: {
          stabilizationWindowSeconds: a.scaleUp.stabilizationSeconds,
          selectPolicy: 'Max',
          policies: [
            { type: 'Percent', value: a.scaleUp.percent, periodSeconds: a.scaleUp.periodSeconds },
            { type: 'Pods', value: a.scaleUp.pods, periodSeconds: a.scaleUp.periodSeconds },
          ],
        },
      },
    },
  });
}

function disruptionBudget(name: Caller): PodDisruptionBudget {
  // With at least 2 replicas (HPA min), a node drain never takes the last one.
  return new PodDisruptionBudget({
    metadata: { name: workloadName(name), namespace: NAMESPACE },
    spec: { minAvailable: 1, selector: { matchLabels: selectorLabels(name) } },
  });
}

function serviceAccount(name: Caller): ServiceAccount {
  return new ServiceAccount({ metadata: { name: workloadName(name), namespace: NAMESPACE }, automountServiceAccountToken: false });
}

export function serviceWorkloads(policy: ServicePolicy): Workload[] {
  const migrate: IContainer = {
    name: 'migrate',
    image: imageName(policy.name),
    args: ['migrate'],
    env: serviceEnv(policy),
    securityContext: CONTAINER_SECURITY,
    resources: { requests: { ...policy.resources.requests }, limits: { ...policy.resources.limits } },
    volumeMounts: [TMP_MOUNT],
  };
  const storage = policy.storage;
  return [
    serviceAccount(policy.name),
    ...(storage
      ? [
          new PersistentVolumeClaim({
            metadata: { name: storage.claimName, namespace: NAMESPACE, labels: selectorLabels(policy.name) },
            spec: { accessModes: [storage.accessMode], resources: { requests: { storage: storage.size } } },
          }),
        ]
      : []),
    deployment({
      name: policy.name,
      scaleGroup: policy.scaleGroup,
      resources: policy.resources,
      metricsPort: policy.metricsPort,
      initContainers: [migrate],
      volumes: storage ? [{ name: 'storage', persistentVolumeClaim: { claimName: storage.claimName } }] : [],
      mounts: storage ? [{ name: 'storage', mountPath: storage.mountPath }] : [],
      container: {
        ports: [
          { name: 'grpc', containerPort: policy.grpcPort, protocol: 'TCP' },
          { name: 'http-metrics', containerPort: policy.metricsPort, protocol: 'TCP' },
        ],
        env: serviceEnv(policy),
        ...probes({ grpc: policy.grpcPort, readiness: policy.protoService }),
      },
    }),
    new Service({
      metadata: { name: workloadName(policy.name), namespace: NAMESPACE, labels: selectorLabels(policy.name) },
      spec: {
        selector: selectorLabels(policy.name),
        ports: [
          { name: 'grpc', port: policy.grpcPort, targetPort: 'grpc', appProtocol: 'grpc' },
          { name: 'http-metrics', port: policy.metricsPort, targetPort: 'http-metrics', appProtocol: 'http' },
        ],
      },
    }),
    autoscaler(policy.name, policy.autoscaling),
    disruptionBudget(policy.name),
  ];
}

export function edgeWorkloads(): Workload[] {
  const addresses = SERVICES.map((s) => env(`${s.name.toUpperCase()}_ADDR`, `${workloadName(s.name)}:${s.grpcPort}`));
  return [
    serviceAccount('gateway'),
    deployment({
      name: 'gateway',
      scaleGroup: undefined,
      resources: EDGE.resources,
      metricsPort: EDGE.metricsPort,
      initContainers: [],
      volumes: [],
      mounts: [],
      container: {
        ports: [
          { name: 'http', containerPort: EDGE.httpPort, protocol: 'TCP' },
          { name: 'http-metrics', containerPort: EDGE.metricsPort, protocol: 'TCP' },
        ],
        env: [
          env('HTTP_HOST', '0.0.0.0'),
          env('HTTP_PORT', String(EDGE.httpPort)),
          // The ingress routes every path to HTTP_PORT: metrics go to their own port, docs stay off.
          env('METRICS_PORT', String(EDGE.metricsPort)),
          env('DOCS_ENABLED', 'false'),
          // Client addresses (rate-limit buckets, ClientInfo) come from the ingress hop (policy.ts).
          env('TRUST_PROXY', EDGE.trustProxy),
          env('GRPC_UNDER_MESH', 'true'),
          ...addresses,
          fromConfig('REDIS_URL'),
          fromConfig('LOG_LEVEL'),
          ...tracingEnv('gateway'),
        ],
        ...probes({ http: EDGE.httpPort }),
      },
    }),
    new Service({
      metadata: { name: workloadName('gateway'), namespace: NAMESPACE, labels: selectorLabels('gateway') },
      spec: {
        selector: selectorLabels('gateway'),
        ports: [
          { name: 'http', port: EDGE.httpPort, targetPort: 'http', appProtocol: 'http' },
          { name: 'http-metrics', port: EDGE.metricsPort, targetPort: 'http-metrics', appProtocol: 'http' },
        ],
      },
    }),
    autoscaler('gateway', EDGE.autoscaling),
    disruptionBudget('gateway'),
  ];
}
