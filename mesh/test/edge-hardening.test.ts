// What the generated manifests do for the edge's exposure and the signing keys: the ingress never
// repeats a write the edge may already have forwarded, client addresses come from exactly the
// ingress hop, /metrics and /docs are not on the port the ingress routes to, and member-svc's
// signing keys are encrypted with a secret that comes from a Secret.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IService } from 'kubernetes-models/v1';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { TRACING } from '../src/policy.ts';
import { committedDocs, find } from './manifest-support.ts';

const docs = committedDocs();
const deployment = (name: string): IDeployment => find(docs, 'Deployment', `dailyfeed-${name}`) as unknown as IDeployment;
const envOf = (c: IContainer | undefined) => Object.fromEntries((c?.env ?? []).map((e) => [e.name, e]));

interface Rule {
  name: string;
  match: { method?: { regex: string }; headers?: Record<string, { regex: string }>; uri?: { prefix: string } }[];
  retries: { attempts: number; retryOn: string };
  route: { destination: { host: string; port: { number: number } } }[];
}

/** The rule Envoy picks for a request (first rule with a matching entry), as Istio evaluates it. */
function ruleFor(rules: readonly Rule[], method: string, headers: Record<string, string>): Rule | undefined {
  const full = (regex: string, value: string): boolean => new RegExp(`^(?:${regex})$`).test(value);
  return rules.find((r) =>
    r.match.some(
      (m) =>
        (m.method === undefined || full(m.method.regex, method)) &&
        Object.entries(m.headers ?? {}).every(([h, s]) => headers[h] !== undefined && full(s.regex, headers[h] ?? '')) &&
        (m.uri === undefined || '/api/posts'.startsWith(m.uri.prefix)),
    ),
  );
}

describe('the ingress route to the edge', () => {
  const rules = (find(docs, 'VirtualService', 'dailyfeed-gateway') as { spec: { http: Rule[] } }).spec.http;

  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    test(`when a ${method} without Idempotency-Key fails after reaching the edge (502/503/504), then the ingress does not retry it`, () => {
      const retryOn = ruleFor(rules, method, {})?.retries.retryOn.split(',') ?? [];
      assert.deepEqual(retryOn.sort(), ['connect-failure', 'refused-stream'], 'only failures before the request reached the edge');
    });
    test(`when a ${method} carries an Idempotency-Key, then it is retried like a read (the services deduplicate the key)`, () => {
      assert.deepEqual(ruleFor(rules, method, { 'idempotency-key': 'k-1' })?.retries.retryOn.split(','), ['gateway-error', 'connect-failure', 'refused-stream']);
    });
  }

  test('when a GET or HEAD fails with 502/503/504, then it is retried 3 times', () => {
    for (const method of ['GET', 'HEAD']) {
      const rule = ruleFor(rules, method, {});
      assert.deepEqual([rule?.retries.attempts, rule?.retries.retryOn], [3, 'gateway-error,connect-failure,refused-stream']);
    }
  });

  test('when any request arrives, then some rule takes it, and every rule goes only to the public port 8080', () => {
    assert.ok(ruleFor(rules, 'PATCH', {}) !== undefined);
    for (const rule of rules) assert.deepEqual(rule.route, [{ destination: { host: 'dailyfeed-gateway', port: { number: 8080 } } }]);
  });
});

describe('the edge Deployment', () => {
  const container = deployment('gateway').spec?.template.spec?.containers[0];
  const env = envOf(container);

  test('when the edge runs in the cluster, then it trusts exactly one proxy hop (the ingress, through its sidecar) for client addresses', () => {
    assert.equal(env['TRUST_PROXY']?.value, '1');
  });

  test('when the edge runs in the cluster, then it exports its spans to the configured OpenTelemetry Collector as gateway', () => {
    assert.equal(env['OTEL_EXPORTER_OTLP_ENDPOINT']?.value, TRACING.collectorEndpoint);
    assert.equal(env['OTEL_SERVICE_NAME']?.value, 'gateway');
  });

  test('when Prometheus scrapes the edge, then /metrics is on its own port 9450, not on the routed 8080, and docs are off', () => {
    assert.equal(env['METRICS_PORT']?.value, '9450');
    assert.equal(env['DOCS_ENABLED']?.value, 'false');
    assert.deepEqual(container?.ports?.map((p) => [p.name, p.containerPort]), [['http', 8080], ['http-metrics', 9450]]);
    assert.equal(deployment('gateway').spec?.template.metadata?.annotations?.['prometheus.io/port'], '9450');
    const service = find(docs, 'Service', 'dailyfeed-gateway') as unknown as IService;
    assert.deepEqual(service.spec?.ports?.map((p) => [p.name, p.port]), [['http', 8080], ['http-metrics', 9450]]);
  });
});

describe('member signing keys', () => {
  test('when member-svc and its migration run, then KEY_ENCRYPTION_SECRET comes from a Secret', () => {
    const spec = deployment('member').spec?.template.spec;
    for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      const ref = envOf(c)['KEY_ENCRYPTION_SECRET']?.valueFrom?.secretKeyRef;
      assert.deepEqual([ref?.name, ref?.key], ['dailyfeed-member-keys', 'key-encryption-secret'], c.name);
    }
  });

  test('when the dev overlay is applied, then that Secret exists with a value member-svc accepts (32+ characters)', () => {
    const secret = find(docs, 'Secret', 'dailyfeed-member-keys') as { stringData: Record<string, string> };
    assert.ok((secret.stringData['key-encryption-secret'] ?? '').length >= 32);
  });
});
