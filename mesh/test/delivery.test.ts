// Delivery files checked without a Docker engine or a cluster: Dockerfiles parsed instruction by
// instruction, skaffold.yaml and the workflows parsed as YAML, every referenced file present, and
// the image-tag script run for real.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, matchesGlob } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { committedDocs } from './manifest-support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const IMAGES = {
  member: ['services/member', [50051, 9451]],
  content: ['services/content', [50052, 9452]],
  timeline: ['services/timeline', [50053, 9453]],
  image: ['services/image', [50054, 9454]],
  search: ['services/search', [50055, 9455]],
  activity: ['services/activity', [50056, 9456]],
  gateway: ['gateway', [8080]],
} as const;

interface Instruction {
  readonly op: string;
  readonly args: string;
}

function instructions(dockerfile: string): Instruction[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Is `path` excluded from the build context by .dockerignore (last matching rule wins)? */
function ignored(path: string, rules: readonly string[]): boolean {
  let out = false;
  const parts = path.split('/');
  for (const rule of rules) {
    const negate = rule.startsWith('!');
    const pattern = negate ? rule.slice(1) : rule;
    // A rule matching a parent directory excludes everything below it.
    const hit = parts.some((_, i) => matchesGlob(parts.slice(0, i + 1).join('/'), pattern));
    if (hit) out = !negate;
  }
  return out;
}

/** The six services' images come from services/Dockerfile, told apart by build arguments and, for image-svc, a target. */
const SERVICE_DOCKERFILE = 'services/Dockerfile';

/** The instructions of one build target: its stage and the stages it is built FROM, in order (ARG/FROM expanded by `args`). */
function targetSteps(dockerfile: string, target: string | undefined, args: Record<string, string>): Instruction[] {
  const expand = (text: string) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args[a ?? b ?? ''] ?? '');
  const stages: { name: string | undefined; base: string; steps: Instruction[] }[] = [];
  for (const step of instructions(dockerfile)) {
    if (step.op === 'FROM') {
      const [base = '', , name] = step.args.split(/\s+/);
      stages.push({ name, base, steps: [step] });
    } else stages.at(-1)?.steps.push({ op: step.op, args: expand(step.args) });
  }
  const chain: Instruction[][] = [];
  let stage = target === undefined || target === '' ? stages.at(-1) : stages.find((s) => s.name === target);
  while (stage) {
    chain.unshift(stage.steps);
    const base = stage.base;
    stage = stages.find((s) => s.name === base);
  }
  return chain.flat();
}

interface ImageBuild {
  readonly dockerfile: string;
  readonly target: string | undefined;
  readonly args: Record<string, string>;
}

describe('Dockerfiles', () => {
  const rules = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
  const skaffold = parse(read('skaffold.yaml')) as { build: { artifacts: { image: string; docker: { dockerfile: string; target?: string; buildArgs?: Record<string, string> } }[] } };
  const build = (name: string): ImageBuild => {
    const artifact = skaffold.build.artifacts.find((a) => a.image.endsWith(`-${name}`));
    assert.ok(artifact, `skaffold builds ${name}`);
    return { dockerfile: artifact.docker.dockerfile, target: artifact.docker.target, args: artifact.docker.buildArgs ?? {} };
  };

  for (const [name, [dir, ports]] of Object.entries(IMAGES)) {
    test(`when the ${name} image is built, then it is multi-stage on Node 24, installs production dependencies only and runs as non-root`, () => {
      const { dockerfile, target, args } = build(name);
      const all = instructions(read(dockerfile));
      const froms = all.filter((s) => s.op === 'FROM');
      assert.ok(froms.length >= 2, 'multi-stage');
      for (const f of froms.filter((f) => f.args.includes(':'))) assert.match(f.args, /^node:24[.-]/);
      const steps = targetSteps(read(dockerfile), target, args);
      const finalStage = steps.slice(steps.findIndex((s) => s.op === 'FROM' && s.args.startsWith('node:') && !/ AS (deps|grpc-configs)$/.test(s.args)));
      const user = finalStage.filter((s) => s.op === 'USER').at(-1);
      assert.ok(user && !['root', '0', '0:0'].includes(user.args), `final USER is ${user?.args}`);
      assert.ok(all.some((s) => s.op === 'RUN' && /npm ci\b.*--omit=dev/.test(s.args)));
      assert.deepEqual(finalStage.filter((s) => s.op === 'ENTRYPOINT').map((s) => JSON.parse(s.args) as string[]), [['node', '--v8-pool-size=1', '--import', './src/tracing.ts', 'src/main.ts']]);
      assert.deepEqual(finalStage.filter((s) => s.op === 'EXPOSE').flatMap((s) => s.args.split(' ').map(Number)), [...ports]);
      assert.ok(finalStage.some((s) => s.op === 'COPY' && s.args === `${dir}/src ${dir}/src`), `copies ${dir}/src`);
      if (dir.startsWith('services/')) {
        assert.equal(dockerfile, SERVICE_DOCKERFILE);
        assert.ok(all.some((s) => s.op === 'RUN' && s.args.includes('-w "@dailyfeed/${SERVICE}-svc"')), 'installs the workspace named by SERVICE');
        assert.equal(args['SERVICE'], name);
      }
    });
  }

  for (const dockerfile of [SERVICE_DOCKERFILE, 'gateway/Dockerfile']) {
    test(`when ${dockerfile} is built, then every COPY source exists in the context and every workspace manifest is copied`, () => {
      const copies = instructions(read(dockerfile)).filter((s) => s.op === 'COPY' && !s.args.includes('--from='));
      const sources = copies.flatMap((c) => c.args.split(' ').filter((a) => !a.startsWith('--')).slice(0, -1));
      const dirs = dockerfile === SERVICE_DOCKERFILE ? Object.values(IMAGES).map(([d]) => d).filter((d) => d.startsWith('services/')) : ['gateway'];
      const concrete = sources.flatMap((source) => (source.includes('${SERVICE}') ? dirs.map((d) => source.replace('services/${SERVICE}', d)) : [source]));
      for (const source of concrete) {
        assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
        assert.ok(!ignored(source, rules), `${source} is not excluded by .dockerignore`);
      }
      for (const ws of workspaces) assert.ok(sources.includes(`${ws}/package.json`), `${ws}/package.json copied`);
    });
  }

  test('when the image-svc image is built, then it has its store directory, owned by node, and no other image has it', () => {
    const image = targetSteps(read(SERVICE_DOCKERFILE), build('image').target, build('image').args);
    assert.ok(image.some((s) => s.op === 'RUN' && s.args.includes('chown node:node /image')));
    assert.ok(image.some((s) => s.op === 'ENV' && s.args === 'IMAGE_ROOT=/image'));
    for (const name of ['member', 'content', 'timeline', 'search', 'activity']) {
      const steps = targetSteps(read(SERVICE_DOCKERFILE), build(name).target, build(name).args);
      assert.ok(!steps.some((s) => s.args.includes('IMAGE_ROOT')), `${name} has no IMAGE_ROOT`);
    }
  });

  test('when .dockerignore is read, then node_modules and tests stay out of the context (the check above can fail)', () => {
    assert.equal(ignored('services/member/node_modules', rules), true);
    assert.equal(ignored('services/member/test/boot.test.ts', rules), true);
    assert.equal(ignored('bench/package.json', rules), false);
  });
});

describe('skaffold.yaml', () => {
  const skaffold = parse(read('skaffold.yaml')) as {
    apiVersion: string;
    build: { artifacts: { image: string; context: string; docker: { dockerfile: string; target?: string; buildArgs?: Record<string, string> } }[] };
    manifests: { kustomize: { paths: string[] } };
    profiles: { name: string; activation: { command: string }[]; manifests: { kustomize: { paths: string[] } }; portForward: { resourceType: string; resourceName: string; port: number }[] }[];
  };

  test('when skaffold builds, then there is one artifact per service and the edge, each with an existing Dockerfile', () => {
    assert.match(skaffold.apiVersion, /^skaffold\/v4/);
    assert.deepEqual(
      skaffold.build.artifacts.map((a) => a.docker.dockerfile).sort(),
      Object.values(IMAGES).map(([dir]) => (dir.startsWith('services/') ? SERVICE_DOCKERFILE : `${dir}/Dockerfile`)).sort(),
    );
    for (const [name, [dir, ports]] of Object.entries(IMAGES)) {
      if (!dir.startsWith('services/')) continue;
      const docker = skaffold.build.artifacts.find((a) => a.image.endsWith(`-${name}`))?.docker;
      assert.deepEqual([docker?.buildArgs?.['SERVICE'], docker?.buildArgs?.['GRPC_PORT'], docker?.buildArgs?.['METRICS_PORT']], [name, ...ports.map(String)]);
    }
    for (const a of skaffold.build.artifacts) assert.ok(existsSync(join(ROOT, a.context, a.docker.dockerfile)));
  });

  test('when skaffold deploys, then its images are the ones the manifests use after the kustomize image mapping, and its kustomize paths exist', () => {
    const kustomization = parse(read('mesh/generated/base/kustomization.yaml')) as { images: { name: string; newName: string; newTag: string }[] };
    const mapped = new Map(kustomization.images.map((i) => [i.name, i.newName]));
    const used = new Set(
      committedDocs()
        .filter((d) => d.kind === 'Deployment' && d.file.startsWith('base/'))
        .map((d) => (d.data as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0]?.image ?? '')
        .map((image) => mapped.get(image) ?? `${image} (not mapped)`),
    );
    assert.deepEqual([...used].sort(), skaffold.build.artifacts.map((a) => a.image).sort());
    const dev = skaffold.profiles.find((p) => p.name === 'dev');
    assert.ok(dev);
    assert.deepEqual(dev.activation, [{ command: 'dev' }]);
    for (const path of [...skaffold.manifests.kustomize.paths, ...dev.manifests.kustomize.paths]) assert.ok(existsSync(join(ROOT, path, 'kustomization.yaml')), path);
    assert.deepEqual(dev.portForward.map((p) => [p.resourceType, p.resourceName, p.port]), [['service', 'dailyfeed-gateway', 8080]]);
  });
});

describe('workflows', () => {
  interface Workflow {
    on: Record<string, { branches?: string[]; inputs?: Record<string, { required: boolean }> } | null>;
    jobs: Record<string, { needs?: string[]; uses?: string; steps?: { run?: string; uses?: string; env?: Record<string, string> }[]; strategy?: { matrix: { include: { name: string; dockerfile: string; target: string; 'build-args': string }[] } } }>;
  }
  const images = parse(read('.github/workflows/images.yml')) as Workflow;
  const contracts = parse(read('.github/workflows/contracts.yml')) as Workflow;

  test('when code is pushed to main, develop or hotfix, or the workflow is run by hand with a version, then images are built', () => {
    assert.deepEqual(images.on['push']?.branches, ['main', 'develop', 'hotfix', 'hotfix/**']);
    assert.equal(images.on['workflow_dispatch']?.inputs?.['version']?.required, true);
    const matrix = images.jobs['build']?.strategy?.matrix.include ?? [];
    assert.deepEqual(matrix.map((m) => m.name).sort(), Object.keys(IMAGES).sort());
    for (const m of matrix) assert.ok(existsSync(join(ROOT, m.dockerfile)), m.dockerfile);
    // The same image as skaffold builds: Dockerfile, target and build arguments.
    const skaffold = parse(read('skaffold.yaml')) as { build: { artifacts: { image: string; docker: { dockerfile: string; target?: string; buildArgs?: Record<string, string> } }[] } };
    for (const m of matrix) {
      const docker = skaffold.build.artifacts.find((a) => a.image.endsWith(`-${m.name}`))?.docker;
      const args = Object.fromEntries(m['build-args'].split('\n').filter(Boolean).map((l) => l.split('=') as [string, string]));
      assert.deepEqual([m.dockerfile, m.target, args], [docker?.dockerfile, docker?.target ?? '', docker?.buildArgs ?? {}], m.name);
    }
  });

  const tagScript = images.jobs['tag']?.steps?.[0]?.run ?? '';
  function runTag(env: Record<string, string>): string {
    const out = join(mkdtempSync(join(tmpdir(), 'tag-')), 'out');
    execFileSync('bash', ['-c', tagScript], { env: { PATH: process.env['PATH'] ?? '', GITHUB_OUTPUT: out, ...env } });
    return readFileSync(out, 'utf8').trim();
  }

  test('when a push builds, then the tag is {branch}-{yyyyMMdd}-{build number}', () => {
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '');
    assert.equal(runTag({ VERSION: '', BRANCH: 'main', BUILD: '42' }), `tag=main-${today}-0042`);
    assert.equal(runTag({ VERSION: '', BRANCH: 'hotfix/login', BUILD: '2316' }), `tag=hotfix-login-${today}-2316`);
  });

  test('when run by hand, then the given version is the tag, and an invalid one is refused', () => {
    assert.equal(runTag({ VERSION: 'release-20251024', BRANCH: 'main', BUILD: '1' }), 'tag=release-20251024');
    assert.throws(() => runTag({ VERSION: 'bad tag!', BRANCH: 'main', BUILD: '1' }));
  });

  test('when a pull request is opened, then buf lint and buf breaking against the pull request\'s base branch run after npm ci', () => {
    assert.ok('pull_request' in contracts.on);
    const steps = contracts.jobs['buf']?.steps ?? [];
    const runs = steps.map((s) => s.run).filter((r): r is string => r !== undefined);
    assert.deepEqual(runs.slice(0, 2), ['npm ci', 'npx buf lint']);
    const breaking = steps.find((s) => s.run === 'bash scripts/buf-breaking.sh');
    assert.equal(breaking?.env?.['BUF_BASE_BRANCH'], '${{ github.base_ref }}');
    assert.ok(existsSync(join(ROOT, 'buf.yaml')));
    assert.ok(existsSync(join(ROOT, 'node_modules/.bin/buf')), 'buf comes from node_modules');
  });

  test('when images are built, then the whole CI (.ci/run) has passed first, and they are pushed under the names the manifests map to', () => {
    const ci = parse(read('.github/workflows/ci.yml')) as Workflow;
    assert.ok('pull_request' in ci.on && 'workflow_call' in ci.on);
    assert.ok((ci.jobs['test']?.steps ?? []).some((s) => s.run === 'bash .ci/run'));
    assert.equal(images.jobs['ci']?.uses, './.github/workflows/ci.yml');
    assert.ok(images.jobs['build']?.needs?.includes('ci'));
    const push = read('.github/workflows/images.yml');
    assert.match(push, /ghcr\.io\/\$\{\{ github\.repository_owner \}\}\/dailyfeed-\$\{\{ matrix\.name \}\}:/);
    const kustomization = parse(read('mesh/generated/base/kustomization.yaml')) as { images: { name: string; newName: string }[] };
    assert.deepEqual(
      kustomization.images.map((i) => [i.name, i.newName.replace(/^ghcr\.io\/[^/]+\//, 'ghcr.io/<owner>/')]).sort(),
      Object.keys(IMAGES).map((n) => [`dailyfeed/${n}`, `ghcr.io/<owner>/dailyfeed-${n}`]).sort(),
    );
  });
});
