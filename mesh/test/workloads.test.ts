// Workload shape: hardening, probes, shutdown timing, ports, identities, jobs and the dev stores.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { ICronJob } from 'kubernetes-models/batch/v1';
import type { IService } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { TRACING } from '../src/policy.ts';
import { committedDocs, find } from './manifest-support.ts';

const docs = committedDocs();
const PORTS = { member: [50051, 9451], content: [50052, 9452], timeline: [50053, 9453], image: [50054, 9454], search: [50055, 9455], activity: [50056, 9456] } as const;
const SHUTDOWN_TIMEOUT_MS = 10_000;

function deployment(name: string): IDeployment {
  return find(docs, 'Deployment', `dailyfeed-${name}`) as unknown as IDeployment;
}

describe('service Deployments', () => {
  for (const [name, [grpcPort, metricsPort]] of Object.entries(PORTS)) {
    test(`when ${name}-svc is deployed, then it is probed over grpc.health.v1, hardened, and outlives its shutdown deadline`, () => {
      const pod = deployment(name).spec?.template.spec;
      assert.ok(pod);
      const c = pod.containers[0];
      assert.ok(c);
      // Liveness and startup ask only whether the process answers (''); readiness asks the service's
      // own name, which reports what its RPCs need.
      for (const probe of [c.livenessProbe, c.startupProbe]) assert.deepEqual(probe?.grpc, { port: grpcPort, service: '' });
      assert.deepEqual(c.readinessProbe?.grpc, { port: grpcPort, service: `dailyfeed.${name}.v1.${name.charAt(0).toUpperCase()}${name.slice(1)}Service` });
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
      // Only /tmp is writable, plus image-svc's shared image volume (IMAGE_ROOT).
      const storage = name === 'image' ? [{ name: 'storage', mountPath: '/image' }] : [];
      assert.deepEqual(c.volumeMounts, [{ name: 'tmp', mountPath: '/tmp' }, ...storage]);
      assert.ok(pod.volumes?.some((v) => v.name === 'tmp' && v.emptyDir));
      assert.ok(c.resources?.requests?.['cpu'] && c.resources.limits?.['memory']);
      const preStop = c.lifecycle?.preStop?.sleep?.seconds;
      assert.ok(typeof preStop === 'number' && preStop > 0);
      assert.ok((pod.terminationGracePeriodSeconds ?? 30) * 1000 > SHUTDOWN_TIMEOUT_MS + preStop * 1000, 'grace > preStop + shutdown deadline');
      const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
      assert.equal(env['GRPC_PORT'], String(grpcPort));
      assert.equal(env['METRICS_PORT'], String(metricsPort));
      assert.equal(env['SHUTDOWN_TIMEOUT_MS'], String(SHUTDOWN_TIMEOUT_MS));
      assert.equal(env['GRPC_HOST'], '0.0.0.0');
      // Spans go to the configured OpenTelemetry Collector, named as its logs are.
      assert.equal(env['OTEL_EXPORTER_OTLP_ENDPOINT'], TRACING.collectorEndpoint);
      assert.equal(env['OTEL_SERVICE_NAME'], `${name}-svc`);
      assert.ok(env['DATABASE_URL'] && env['REDIS_URL'] && env['LOG_LEVEL']);
      assert.equal('KAFKA_BROKERS' in env, ['content', 'timeline', 'search', 'activity'].includes(name));
      assert.equal(pod.initContainers?.[0]?.args?.join(' '), 'migrate');
      const callees = Object.keys(env).filter((k) => k.endsWith('_ADDR')).sort();
      const expectedCallees = { member: ['IMAGE_ADDR'], timeline: ['MEMBER_ADDR'], image: ['MEMBER_ADDR'], search: ['MEMBER_ADDR', 'TIMELINE_ADDR'] } as Record<string, string[]>;
      assert.deepEqual(callees, expectedCallees[name] ?? ['MEMBER_ADDR']);
      // Envoy retries and ejects in the cluster: each client reads the *.under-mesh.json config of
      // its callee from a file the image carries, under a key the service's configuration reads.
      const config = readFileSync(new URL(`../../services/${name}/src/config.ts`, import.meta.url), 'utf8');
      const dockerfile = readFileSync(new URL('../../services/Dockerfile', import.meta.url), 'utf8');
      const skaffold = parse(readFileSync(new URL('../../skaffold.yaml', import.meta.url), 'utf8')) as { build: { artifacts: { image: string; docker: { buildArgs?: Record<string, string> } }[] } };
      const built = skaffold.build.artifacts.find((a) => a.image.endsWith(`-${name}`))?.docker.buildArgs ?? {};
      // The image carries the configs of exactly the services it calls (CALLEES, copied by services/Dockerfile).
      assert.deepEqual((built['CALLEES'] ?? '').split(' ').filter(Boolean).sort(), callees.map((a) => a.replace('_ADDR', '').toLowerCase()).sort());
      assert.match(dockerfile, /for callee in \$CALLEES; do cp "\/tmp\/all\/\$\{callee\}\.under-mesh\.json" \/grpc\/; done/);
      assert.match(dockerfile, /COPY --from=grpc-configs \/grpc \/app\/grpc/);
      // and the resilience profiles of the same callees (circuit breaker, client rate limit).
      assert.match(dockerfile, /for callee in \$CALLEES; do cp "\/tmp\/profiles\/\$\{callee\}\.json" \/resilience\/; done/);
      assert.match(dockerfile, /COPY --from=grpc-configs \/resilience \/app\/resilience/);
      for (const addr of callees) {
        const callee = addr.replace('_ADDR', '').toLowerCase();
        const key = `${callee.toUpperCase()}_GRPC_CONFIG_FILE`;
        assert.equal(env[key], `/app/grpc/${callee}.under-mesh.json`);
        assert.match(config, new RegExp(`${key}: z`), `${name}-svc reads ${key}`);
        // The breaker and client rate limit of each call path, kept under the mesh.
        const profileKey = `${callee.toUpperCase()}_RESILIENCE_FILE`;
        assert.equal(env[profileKey], `/app/resilience/${callee}.json`);
        assert.match(config, new RegExp(`${profileKey}: z`), `${name}-svc reads ${profileKey}`);
      }
      assert.equal('GRPC_UNDER_MESH' in env, false, 'no service reads GRPC_UNDER_MESH any more');
      assert.equal(deployment(name).spec?.template.metadata?.labels?.['version'], 'v1');
    });

    test(`when ${name}-svc is exposed, then the gRPC port is named grpc with appProtocol grpc and metrics are served too`, () => {
      const svc = find(docs, 'Service', `dailyfeed-${name}`) as unknown as IService;
      assert.deepEqual(
        svc.spec?.ports?.map((p) => [p.name, p.port, p.appProtocol]),
        [['grpc', grpcPort, 'grpc'], ['http-metrics', metricsPort, 'http']],
      );
    });
  }

  test('when the scale groups are read, then timeline is the read group and content the write group', () => {
    assert.equal(deployment('timeline').metadata?.labels?.['dailyfeed.click/scale-group'], 'read');
    assert.equal(deployment('content').metadata?.labels?.['dailyfeed.click/scale-group'], 'write');
  });

  test('when the edge is deployed, then it serves 8080, is probed on /healthz and knows every service address', () => {
    const c = deployment('gateway').spec?.template.spec?.containers[0];
    assert.equal(c?.readinessProbe?.httpGet?.path, '/healthz');
    const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env['HTTP_PORT'], '8080');
    assert.equal(env['GRPC_UNDER_MESH'], 'true');
    for (const [name, [port]] of Object.entries(PORTS)) assert.equal(env[`${name.toUpperCase()}_ADDR`], `dailyfeed-${name}:${port}`);
  });
});

describe('mesh security', () => {
  test('when the namespace is read, then mTLS is STRICT for every workload and sidecars are injected', () => {
    assert.deepEqual(find(docs, 'PeerAuthentication', 'default')['spec'], { mtls: { mode: 'STRICT' } });
    assert.equal((find(docs, 'Namespace', 'dailyfeed')['metadata'] as { labels: Record<string, string> }).labels['istio-injection'], 'enabled');
  });

  const sa = (name: string) => `cluster.local/ns/dailyfeed/sa/dailyfeed-${name}`;
  const CALLERS = {
    member: ['gateway', 'content', 'timeline', 'image', 'search', 'activity'],
    content: ['gateway'],
    timeline: ['gateway', 'search'],
    image: ['gateway', 'member'],
    search: ['gateway'],
    activity: ['gateway'],
  };
  for (const [name, callers] of Object.entries(CALLERS)) {
    test(`when ${name}-svc is called, then only ${callers.join(', ')} may call it`, () => {
      const spec = find(docs, 'AuthorizationPolicy', `dailyfeed-${name}`)['spec'];
      assert.deepEqual(spec, { selector: { matchLabels: { app: `dailyfeed-${name}` } }, action: 'ALLOW', rules: [{ from: [{ source: { principals: callers.map(sa) } }] }] });
      const account = (deployment(name).spec?.template.spec?.serviceAccountName);
      assert.equal(account, `dailyfeed-${name}`);
    });
  }

  test('when the edge is reached from outside, then the ingress Gateway on port 80 routes / to dailyfeed-gateway:8080 with §9.1 timeouts', () => {
    const gw = find(docs, 'Gateway', 'dailyfeed-gateway') as { spec: { servers: { port: { number: number }; hosts: string[] }[] } };
    assert.deepEqual(gw.spec.servers.map((s) => [s.port.number, s.hosts]), [[80, ['dailyfeed.local', '*']]]);
    const vs = find(docs, 'VirtualService', 'dailyfeed-gateway') as { spec: { gateways: string[]; http: { timeout: string; retries: unknown; route: unknown }[] } };
    assert.deepEqual(vs.spec.gateways, ['dailyfeed-gateway']);
    assert.equal(vs.spec.http[0]?.timeout, '30s');
    assert.deepEqual(vs.spec.http[0]?.retries, { attempts: 3, perTryTimeout: '10s', retryOn: 'gateway-error,connect-failure,refused-stream', retryRemoteLocalities: true });
    assert.deepEqual(vs.spec.http[0]?.route, [{ destination: { host: 'dailyfeed-gateway', port: { number: 8080 } } }]);
    assert.deepEqual(find(docs, 'AuthorizationPolicy', 'dailyfeed-gateway')['spec'], {
      selector: { matchLabels: { app: 'dailyfeed-gateway' } },
      action: 'ALLOW',
      rules: [{ from: [{ source: { namespaces: ['istio-system'] } }] }],
    });
  });
});

describe('CronJobs', () => {
  const JOBS = [
    ['member', 'rotate-keys'],
    ['member', 'cleanup-tokens'],
    ['content', 'ensure-topics'],
    ['content', 'cleanup-topics'],
    ['content', 'relay-dead-letters'],
    ['activity', 'replay-dead-letters'],
  ];
  test('when the scheduled jobs are listed, then they are exactly the commands the services expose', () => {
    const found = docs.filter((d) => d.kind === 'CronJob').map((d) => {
      const job = d.data as unknown as ICronJob;
      const c = job.spec?.jobTemplate.spec?.template.spec?.containers[0];
      return [c?.image?.replace('dailyfeed/', ''), c?.args?.join(' ')];
    });
    assert.deepEqual(found.sort(), [...JOBS].sort());
  });

  test('when a job runs, then it runs alone, without a sidecar that would keep it from completing, as a non-root user', () => {
    for (const d of docs.filter((x) => x.kind === 'CronJob')) {
      const job = d.data as unknown as ICronJob;
      assert.equal(job.spec?.concurrencyPolicy, 'Forbid');
      const template = job.spec?.jobTemplate.spec?.template;
      assert.equal(template?.metadata?.annotations?.['sidecar.istio.io/inject'], 'false');
      assert.equal(template?.spec?.securityContext?.runAsNonRoot, true);
      assert.equal(template?.spec?.containers[0]?.securityContext?.readOnlyRootFilesystem, true);
    }
  });
});

describe('dev overlay', () => {
  test('when the dev overlay is applied, then single-node PostgreSQL, Redis and Kafka (KRaft) run with the config the services read', () => {
    const stores = docs.filter((d) => d.file === 'overlays/dev/stores.yaml' && d.kind === 'StatefulSet').map((d) => d.name);
    assert.deepEqual(stores, ['dailyfeed-postgres', 'dailyfeed-redis', 'dailyfeed-kafka']);
    const kafka = find(docs, 'StatefulSet', 'dailyfeed-kafka') as unknown as IDeployment;
    const c = kafka.spec?.template.spec?.containers[0];
    assert.match(c?.image ?? '', /^apache\/kafka:/);
    const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env['KAFKA_PROCESS_ROLES'], 'broker,controller');
    assert.equal(env['KAFKA_ADVERTISED_LISTENERS'], 'PLAINTEXT://dailyfeed-kafka:9092');
    const config = find(docs, 'ConfigMap', 'dailyfeed-config') as { data: Record<string, string> };
    assert.deepEqual(Object.keys(config.data).sort(), ['KAFKA_BROKERS', 'LOG_LEVEL', 'REDIS_URL']);
    const secret = find(docs, 'Secret', 'dailyfeed-database') as { stringData: Record<string, string> };
    assert.deepEqual(Object.keys(secret.stringData).sort(), [...Object.keys(PORTS), 'timeline-read'].sort());
    assert.match(secret.stringData['timeline-read'] ?? '', /^postgres:\/\/dailyfeed_timeline_ro@/);
  });
});

describe('writable storage', () => {
  test('when image-svc is deployed, then a shared ReadWriteMany claim is mounted where IMAGE_ROOT points', () => {
    const claim = find(docs, 'PersistentVolumeClaim', 'image-store') as { spec: { accessModes: string[]; resources: { requests: { storage: string } } } };
    assert.deepEqual(claim.spec.accessModes, ['ReadWriteMany']);
    assert.ok(claim.spec.resources.requests.storage);
    const pod = deployment('image').spec?.template.spec;
    assert.ok(pod?.volumes?.some((v) => v.name === 'storage' && v.persistentVolumeClaim?.claimName === 'image-store'));
    const env = Object.fromEntries((pod?.containers[0]?.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env['IMAGE_ROOT'], '/image');
  });

  test('when timeline-svc is deployed, then it serves through the read-only URL from the database Secret', () => {
    const env = deployment('timeline').spec?.template.spec?.containers[0]?.env ?? [];
    const read = env.find((e) => e.name === 'CONTENT_READ_DATABASE_URL');
    assert.equal(read?.valueFrom?.secretKeyRef?.key, 'timeline-read');
  });
});
