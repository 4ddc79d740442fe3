// The optional Typesense overlay: kustomize finds what it lists, Typesense runs as a single-node
// StatefulSet with its API key from the overlay's Secret, and only search-svc is switched to it
// (SEARCH_ENGINE, TYPESENSE_URL pointing at the Typesense Service, the key from the same Secret).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { IStatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IService } from 'kubernetes-models/v1/Service';
import { parse } from 'yaml';
import { GENERATED_DIR } from '../src/generate.ts';
import { committedDocs, committedYaml, find } from './manifest-support.ts';

const FILE = 'overlays/typesense/kustomization.yaml';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

describe('typesense overlay', () => {
  const docs = committedDocs();
  const k = committedYaml(FILE) as { resources: string[]; patches: { target: { kind: string; name: string }; patch: string }[] };

  test('when kustomize reads the overlay, then it builds on the dev overlay and every resource it lists exists', () => {
    assert.deepEqual(k.resources, ['../dev', 'typesense.yaml']);
    for (const r of k.resources) assert.ok(existsSync(join(GENERATED_DIR, FILE, '..', r)), r);
  });

  test('when it is applied, then a single-node Typesense StatefulSet with a volume and a /health probe serves port 8108 with the Secret\'s key', () => {
    const set = find(docs, 'StatefulSet', 'dailyfeed-typesense') as unknown as IStatefulSet;
    assert.equal(set.spec?.replicas, 1);
    assert.equal(set.spec?.volumeClaimTemplates?.length, 1);
    const c = set.spec?.template.spec?.containers[0];
    assert.match(c?.image ?? '', /^typesense\/typesense:\d+\.\d+$/);
    assert.equal(c?.readinessProbe?.httpGet?.path, '/health');
    const key = (c?.env as EnvVar[] | undefined)?.find((e) => e.name === 'TYPESENSE_API_KEY');
    assert.deepEqual(key?.valueFrom?.secretKeyRef, { name: 'dailyfeed-typesense', key: 'api-key' });
    const service = find(docs, 'Service', 'dailyfeed-typesense') as unknown as IService;
    assert.equal(service.spec?.ports?.[0]?.port, 8108);
    const secret = find(docs, 'Secret', 'dailyfeed-typesense') as { stringData: Record<string, string> };
    assert.ok((secret.stringData['api-key'] ?? '').length >= 32);
  });

  test('when it patches search-svc, then the engine settings land in the search container and nothing else is targeted', () => {
    assert.deepEqual(k.patches.map((p) => p.target), [{ kind: 'Deployment', name: 'dailyfeed-search' }]);
    const deployment = docs.find((d) => d.file === 'base/search.yaml' && d.kind === 'Deployment');
    assert.ok(deployment);
    const container = (deployment.data as { spec: { template: { spec: { containers: { name: string; env: EnvVar[] }[] } } } }).spec.template.spec.containers[0];
    assert.equal(container?.name, 'search');
    assert.ok(Array.isArray(container?.env), 'the patch appends to an existing env list');
    const added = (parse(k.patches[0]!.patch) as { op: string; path: string; value: EnvVar }[]).map((op) => {
      assert.deepEqual([op.op, op.path], ['add', '/spec/template/spec/containers/0/env/-']);
      return op.value;
    });
    assert.deepEqual(
      added.map((e) => [e.name, e.value ?? e.valueFrom?.secretKeyRef]),
      [
        ['SEARCH_ENGINE', 'typesense'],
        ['TYPESENSE_URL', 'http://dailyfeed-typesense:8108'],
        ['TYPESENSE_API_KEY', { name: 'dailyfeed-typesense', key: 'api-key' }],
      ],
    );
    for (const e of added) assert.ok(!container?.env.some((existing) => existing.name === e.name), `${e.name} is not already set in the base`);
  });
});
