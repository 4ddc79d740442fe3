// The dev overlay: single-node PostgreSQL, Redis and Kafka (KRaft, the apache/kafka image) inside
// the cluster, the config and secret the services read, and smaller footprints for a laptop.
// Throw-away data: nothing here is meant for production, which supplies its own stores and secrets.
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { CONFIG_MAP, DATABASE_SECRET, env, NAMESPACE } from './k8s-common.ts';
import { SERVICES } from './policy.ts';

export type DevObject = StatefulSet | ConfigMap | Secret | Service;

const POSTGRES = 'dailyfeed-postgres';
const REDIS = 'dailyfeed-redis';
// Not `kafka`: Kubernetes would inject KAFKA_PORT=tcp://..., which the apache/kafka image reads
// as a broker property. enableServiceLinks: false below removes the variables altogether.
const KAFKA = 'dailyfeed-kafka';

// Plain TCP to the stores: they run without a sidecar (so STRICT mTLS does not apply to them), and
// the services' sidecars detect that and connect without TLS.
const NO_SIDECAR = { 'sidecar.istio.io/inject': 'false' };

/** A single-replica store without a sidecar and its Service (also used by the Typesense overlay). */
export function store(name: string, port: number, container: IContainer, volumeClaim: boolean): [StatefulSet, Service] {
  const labels = { app: name, 'app.kubernetes.io/part-of': 'dailyfeed' };
  const set = new StatefulSet({
    metadata: { name, namespace: NAMESPACE, labels },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels, annotations: NO_SIDECAR },
        spec: { enableServiceLinks: false, containers: [{ ...container, name, ports: [{ name: 'tcp', containerPort: port }] }] },
      },
      ...(volumeClaim
        ? { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] }
        : {}),
    },
  });
  const service = new Service({
    metadata: { name, namespace: NAMESPACE, labels },
    // appProtocol tcp: Istio must not sniff these as HTTP.
    spec: { selector: { app: name }, ports: [{ name: 'tcp', port, targetPort: 'tcp', appProtocol: 'tcp' }] },
  });
  return [set, service];
}

export function devStores(): DevObject[] {
  const postgres = store(
    POSTGRES,
    5432,
    {
      name: POSTGRES,
      image: 'postgres:17-alpine',
      // The same passwordless superuser the local `npm start` setup uses; dev only.
      env: [env('POSTGRES_HOST_AUTH_METHOD', 'trust'), env('POSTGRES_DB', 'dailyfeed'), env('PGDATA', '/var/lib/postgresql/data/pgdata')],
      volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql/data' }],
      readinessProbe: { exec: { command: ['pg_isready', '-U', 'postgres'] }, periodSeconds: 2 },
    },
    true,
  );
  const redis = store(
    REDIS,
    6379,
    {
      name: REDIS,
      image: 'redis:7.4-alpine',
      args: ['--save', '', '--appendonly', 'no'],
      readinessProbe: { exec: { command: ['redis-cli', 'ping'] }, periodSeconds: 2 },
    },
    false,
  );
  const kafka = store(
    KAFKA,
    9092,
    {
      name: KAFKA,
      // The same broker version as infra/kafka/pom.xml, so local and cluster runs behave alike.
      image: 'apache/kafka:4.4.0',
      env: [
        env('KAFKA_NODE_ID', '1'),
        env('KAFKA_PROCESS_ROLES', 'broker,controller'),
        env('KAFKA_LISTENERS', 'PLAINTEXT://:9092,CONTROLLER://:9093'),
        env('KAFKA_ADVERTISED_LISTENERS', `PLAINTEXT://${KAFKA}:9092`),
        env('KAFKA_CONTROLLER_LISTENER_NAMES', 'CONTROLLER'),
        env('KAFKA_LISTENER_SECURITY_PROTOCOL_MAP', 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT'),
        env('KAFKA_CONTROLLER_QUORUM_VOTERS', '1@localhost:9093'),
        // One broker: internal topics cannot have more than one replica.
        env('KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', '1'),
        env('KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', '1'),
        env('KAFKA_TRANSACTION_STATE_LOG_MIN_ISR', '1'),
        env('KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS', '0'),
        env('KAFKA_AUTO_CREATE_TOPICS_ENABLE', 'false'),
        // Thread pools sized for one small dev broker, as in infra/infra.sh (defaults suit big servers).
        env('KAFKA_NUM_NETWORK_THREADS', '1'),
        env('KAFKA_NUM_IO_THREADS', '2'),
        env('KAFKA_BACKGROUND_THREADS', '2'),
        env('KAFKA_NUM_RECOVERY_THREADS_PER_DATA_DIR', '1'),
      ],
      readinessProbe: { tcpSocket: { port: 9092 }, periodSeconds: 5 },
    },
    false,
  );
  const config = new ConfigMap({
    metadata: { name: CONFIG_MAP, namespace: NAMESPACE },
    data: { REDIS_URL: `redis://${REDIS}:6379`, KAFKA_BROKERS: `${KAFKA}:9092`, LOG_LEVEL: 'debug' },
  });
  // One database, one schema per owning service; timeline serves through the read-only role its
  // migration creates.
  const urls = {
    ...Object.fromEntries(SERVICES.map((s) => [s.name, `postgres://postgres@${POSTGRES}:5432/dailyfeed`])),
    'timeline-read': `postgres://dailyfeed_timeline_ro@${POSTGRES}:5432/dailyfeed`,
  };
  const secret = new Secret({ metadata: { name: DATABASE_SECRET, namespace: NAMESPACE }, type: 'Opaque', stringData: urls });
  return [...postgres, ...redis, ...kafka, config, secret, ...devSecrets()];
}

/**
 * The other Secrets the base references (policy.ts `secretEnv` with a `secret`), filled with
 * fixed, public, dev-only values: a laptop cluster starts, and nothing it protects is real.
 */
function devSecrets(): Secret[] {
  const byName = new Map<string, Record<string, string>>();
  for (const s of SERVICES) {
    for (const e of s.secretEnv ?? []) {
      if (e.secret === undefined) continue;
      byName.set(e.secret, { ...byName.get(e.secret), [e.key]: `dev-only-not-secret-${s.name}-${e.key}-0123456789abcdef` });
    }
  }
  return [...byName].map(([name, stringData]) => new Secret({ metadata: { name, namespace: NAMESPACE }, type: 'Opaque', stringData }));
}

/** JSON 6902 patches the dev kustomization applies to the base, by target kind. */
export const DEV_PATCHES = [
  {
    // One replica each, and a fraction of a CPU: the whole system must fit on a laptop cluster.
    target: { kind: 'HorizontalPodAutoscaler' },
    patch: [{ op: 'replace', path: '/spec/minReplicas', value: 1 }],
  },
  {
    target: { kind: 'Deployment', labelSelector: 'app.kubernetes.io/part-of=dailyfeed' },
    patch: [
      { op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/cpu', value: '50m' },
      { op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/memory', value: '128Mi' },
    ],
  },
] as const;
