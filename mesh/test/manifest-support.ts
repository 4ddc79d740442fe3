// Test support: the committed manifests, the model class for each kind, and an unknown-key check.
//
// kubernetes-models' validate() accepts misspelt fields (the schemas allow additional
// properties), so unknown keys are found by the TypeScript compiler instead: each manifest becomes
// an object literal typed as the model's interface, and excess-property checks flag every key the
// interface (generated from the same OpenAPI/CRD schema) does not declare, at any depth.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { CronJob } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { DestinationRule, Gateway, VirtualService } from '@kubernetes-models/istio/networking.istio.io/v1';
import { AuthorizationPolicy, PeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1';
import { GENERATED_DIR } from '../src/generate.ts';
import { outputs } from '../src/outputs.ts';

export interface Doc {
  readonly file: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly data: Record<string, unknown>;
}

interface ModelClass {
  new (data: never): { validate(): void };
}

/** apiVersion/kind -> model class and the module + interface that types it. */
export const MODELS: Readonly<Record<string, { model: ModelClass; module: string; type: string }>> = {
  'v1/Namespace': { model: Namespace, module: 'kubernetes-models/v1', type: 'INamespace' },
  'v1/ServiceAccount': { model: ServiceAccount, module: 'kubernetes-models/v1', type: 'IServiceAccount' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1', type: 'IService' },
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1', type: 'IConfigMap' },
  'v1/Secret': { model: Secret, module: 'kubernetes-models/v1', type: 'ISecret' },
  'v1/PersistentVolumeClaim': { model: PersistentVolumeClaim, module: 'kubernetes-models/v1', type: 'IPersistentVolumeClaim' },
  'apps/v1/Deployment': { model: Deployment, module: 'kubernetes-models/apps/v1', type: 'IDeployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1', type: 'IStatefulSet' },
  'autoscaling/v2/HorizontalPodAutoscaler': { model: HorizontalPodAutoscaler, module: 'kubernetes-models/autoscaling/v2', type: 'IHorizontalPodAutoscaler' },
  'batch/v1/CronJob': { model: CronJob, module: 'kubernetes-models/batch/v1', type: 'ICronJob' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1', type: 'IPodDisruptionBudget' },
  'networking.istio.io/v1/VirtualService': { model: VirtualService, module: '@kubernetes-models/istio/networking.istio.io/v1', type: 'IVirtualService' },
  'networking.istio.io/v1/DestinationRule': { model: DestinationRule, module: '@kubernetes-models/istio/networking.istio.io/v1', type: 'IDestinationRule' },
  'networking.istio.io/v1/Gateway': { model: Gateway, module: '@kubernetes-models/istio/networking.istio.io/v1', type: 'IGateway' },
  'security.istio.io/v1/AuthorizationPolicy': { model: AuthorizationPolicy, module: '@kubernetes-models/istio/security.istio.io/v1', type: 'IAuthorizationPolicy' },
  'security.istio.io/v1/PeerAuthentication': { model: PeerAuthentication, module: '@kubernetes-models/istio/security.istio.io/v1', type: 'IPeerAuthentication' },
};

export function modelKey(doc: Pick<Doc, 'apiVersion' | 'kind'>): string {
  return `${doc.apiVersion}/${doc.kind}`;
}

/** Every Kubernetes object in the committed YAML files (kustomizations excluded). */
export function committedDocs(): Doc[] {
  const docs: Doc[] = [];
  for (const file of [...outputs().keys()].filter((f) => f.endsWith('.yaml') && !f.endsWith('kustomization.yaml'))) {
    for (const d of parseAllDocuments(readFileSync(join(GENERATED_DIR, file), 'utf8'))) {
      if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
      const data = d.toJS() as Record<string, unknown>;
      const metadata = data['metadata'] as { name?: string } | undefined;
      docs.push({ file, apiVersion: String(data['apiVersion']), kind: String(data['kind']), name: metadata?.name ?? '', data });
    }
  }
  return docs;
}

export function committedYaml(file: string): unknown {
  return parseAllDocuments(readFileSync(join(GENERATED_DIR, file), 'utf8')).map((d) => d.toJS() as unknown)[0];
}

export function find(docs: readonly Doc[], kind: string, name: string): Record<string, unknown> {
  const doc = docs.find((d) => d.kind === kind && d.name === name);
  if (!doc) throw new Error(`no ${kind} ${name} in the generated manifests`);
  return doc.data;
}

const VIRTUAL_FILE = join(GENERATED_DIR, '..', 'test', '__manifest_types__.ts');

/** TypeScript diagnostics for the docs typed as their model interfaces: one line per problem. */
export function unknownKeyProblems(docs: readonly Doc[]): string[] {
  const imports = new Map<string, Set<string>>();
  const lines: string[] = [];
  docs.forEach((doc, i) => {
    const entry = MODELS[modelKey(doc)];
    if (!entry) throw new Error(`no model for ${modelKey(doc)} (${doc.file})`);
    imports.set(entry.module, (imports.get(entry.module) ?? new Set()).add(entry.type));
    lines.push(`// ${doc.file} ${doc.kind} ${doc.name}\nexport const doc${i}: ${entry.type} = ${JSON.stringify(doc.data, null, 1)};`);
  });
  const header = [...imports].map(([module, types]) => `import type { ${[...types].join(', ')} } from '${module}';`);
  // Remember where each doc starts, to name the doc a diagnostic points into.
  const starts: { line: number; label: string }[] = [];
  let line = header.length;
  docs.forEach((doc, i) => {
    starts.push({ line, label: `${doc.file} ${doc.kind}/${doc.name}` });
    line += (lines[i] ?? '').split('\n').length;
  });
  const source = `${header.join('\n')}\n${lines.join('\n')}\n`;
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => (name === VIRTUAL_FILE ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === VIRTUAL_FILE || fileExists(name);
  const program = ts.createProgram([VIRTUAL_FILE], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    const label = [...starts].reverse().find((s) => s.line <= at)?.label ?? 'source';
    return `${label}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').slice(0, 300)}`;
  });
}
