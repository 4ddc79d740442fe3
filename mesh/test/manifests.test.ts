// The committed manifests are exactly the generator's output, valid against the Kubernetes and
// Istio schemas, free of unknown keys, and wired together (kustomizations, names, selectors).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Deployment } from 'kubernetes-models/apps/v1';
import { parse } from 'yaml';
import { findDrift, GENERATED_DIR } from '../src/generate.ts';
import { outputs } from '../src/outputs.ts';
import { committedDocs, committedYaml, MODELS, modelKey, unknownKeyProblems } from './manifest-support.ts';

const docs = committedDocs();

describe('generated files', () => {
  test('when the generator runs now, then every committed file equals its output and none is stale', () => {
    assert.deepEqual(findDrift(), []);
  });

  test('when a generated file is edited by hand or left behind, then the drift check names it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-drift-'));
    const expected = new Map([['a.yaml', 'x: 1\n'], ['b.json', '{}\n'], ['c.json', '{}\n']]);
    writeFileSync(join(dir, 'a.yaml'), 'x: 2\n');
    writeFileSync(join(dir, 'b.json'), '{}\n');
    writeFileSync(join(dir, 'old.yaml'), '');
    assert.deepEqual(findDrift(dir, expected), [
      { path: 'a.yaml', problem: 'differs' },
      { path: 'c.json', problem: 'missing' },
      { path: 'old.yaml', problem: 'stale' },
    ]);
  });
});

describe('schemas', () => {
  test('when each manifest is loaded into its kubernetes-models / istio model, then validate() accepts it', () => {
    assert.ok(docs.length > 50, `found ${docs.length} manifests`);
    for (const doc of docs) {
      const entry = MODELS[modelKey(doc)];
      assert.ok(entry, `${doc.file}: no model for ${modelKey(doc)}`);
      assert.doesNotThrow(() => new entry.model(doc.data as never).validate(), `${doc.file} ${doc.kind}/${doc.name}`);
    }
  });

  test('when a manifest has a value of the wrong type, then validate() rejects it', () => {
    const deployment = docs.find((d) => d.kind === 'Deployment');
    assert.ok(deployment);
    const broken = structuredClone(deployment.data) as { spec: { template: { spec: { terminationGracePeriodSeconds: unknown } } } };
    broken.spec.template.spec.terminationGracePeriodSeconds = 'thirty';
    assert.throws(() => new Deployment(broken as never).validate());
  });

  test('when each manifest is typed as its model interface, then no key is unknown to the schema', () => {
    assert.deepEqual(unknownKeyProblems(docs), []);
  });

  test('when a manifest carries a misspelt field, then the unknown-key check reports it (validate() alone would not)', () => {
    const deployment = docs.find((d) => d.kind === 'Deployment');
    assert.ok(deployment);
    const misspelt = structuredClone(deployment);
    const spec = misspelt.data['spec'] as { template: { spec: { containers: Record<string, unknown>[] } } };
    const container = spec.template.spec.containers[0];
    assert.ok(container);
    container['imagePullPolicyy'] = 'Always';
    assert.doesNotThrow(() => new Deployment(misspelt.data).validate());
    const problems = unknownKeyProblems([misspelt]);
    assert.equal(problems.length, 1);
    assert.match(problems.join('\n'), /imagePullPolicyy/);
  });

  test('when two objects of one kind exist, then their names differ', () => {
    const keys = docs.map((d) => `${d.kind}/${d.name}`);
    assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), []);
  });
});

describe('kustomizations', () => {
  test('when kustomize reads base and the dev overlay, then every resource they list exists', () => {
    for (const file of ['base/kustomization.yaml', 'overlays/dev/kustomization.yaml']) {
      const k = committedYaml(file) as { resources: string[] };
      for (const r of k.resources) assert.ok(existsSync(join(GENERATED_DIR, file, '..', r)), `${file} -> ${r}`);
    }
    const base = committedYaml('base/kustomization.yaml') as { resources: string[] };
    const generatedBase = [...outputs().keys()].filter((p) => p.startsWith('base/') && !p.endsWith('kustomization.yaml'));
    assert.deepEqual([...base.resources].sort(), generatedBase.map((p) => p.slice('base/'.length)).sort());
  });

  test('when the dev overlay patches the base, then each patch path exists in every object it targets', () => {
    const k = committedYaml('overlays/dev/kustomization.yaml') as { patches: { target: { kind: string; labelSelector?: string }; patch: string }[] };
    for (const { target, patch } of k.patches) {
      const [labelKey, labelValue] = (target.labelSelector ?? '').split('=');
      const targets = docs.filter((d) => {
        if (d.kind !== target.kind || !d.file.startsWith('base/')) return false;
        const labels = (d.data['metadata'] as { labels?: Record<string, string> }).labels ?? {};
        return !labelKey || labels[labelKey] === labelValue;
      });
      assert.ok(targets.length >= 7, `${target.kind}: ${targets.length} targets`);
      for (const op of parse(patch) as { op: string; path: string }[]) {
        for (const t of targets) {
          let node: unknown = t.data;
          for (const part of op.path.split('/').slice(1)) node = (node as Record<string, unknown> | undefined)?.[part];
          assert.notEqual(node, undefined, `${t.kind}/${t.name} has ${op.path}`);
        }
      }
    }
  });
});
