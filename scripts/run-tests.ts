// The test command (`npm test`): brings the local infrastructure up, then runs every test file
// of the repository with node's built-in runner, listing the files explicitly (older runners do
// not glob, and a runner that finds nothing exits 0). Fails when no test ran.
//   npm test                      every test
//   npm test -- services/member   only files under the given paths
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const TEST_ROOTS = ['test', 'gateway/test', 'mesh/test', ...['member', 'content', 'timeline', 'image', 'search', 'activity'].map((s) => `services/${s}/test`)];

function testFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(join(root, dir));
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'support') return [];
    if (statSync(join(root, path)).isDirectory()) return testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

process.stdout.write(`node ${process.version} (${process.execPath})\n`);
if (!process.version.startsWith('v24.')) {
  process.stderr.write('tests must run on Node 24: run them through `npm test` so node_modules/.bin/node is used\n');
  process.exit(1);
}

const filters = process.argv.slice(2).map((f) => relative(root, join(process.cwd(), f)));
const files = TEST_ROOTS.flatMap(testFiles)
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
  .sort();
if (files.length === 0) {
  process.stderr.write('no test files found\n');
  process.exit(1);
}

if (process.env.SKIP_INFRA !== '1') {
  const infra = spawnSync('bash', [join(root, 'infra/infra.sh'), 'up'], { stdio: 'inherit' });
  if (infra.status !== 0) process.exit(infra.status ?? 1);
}

mkdirSync(join(root, '.run'), { recursive: true });
const tap = join(root, '.run/test-results.tap');
const started = Date.now();
const run = spawnSync(
  process.execPath,
  [
    '--test',
    '--test-concurrency=1',
    '--test-timeout=180000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, KAFKAJS_NO_PARTITIONER_WARNING: '1' } },
);

const summary = readFileSync(tap, 'utf8');
const count = (key: string): number => Number(/^# (\w+) (\d+)$/m.exec(summary.split('\n').filter((l) => l.startsWith(`# ${key} `)).at(-1) ?? '')?.[2] ?? 0);
const tests = count('tests');
const passed = count('pass');
const failed = count('fail') + count('cancelled');
process.stdout.write(`\n${files.length} test files, ${tests} tests in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
if (tests === 0) {
  process.stderr.write('no test ran: failing the run\n');
  process.exit(1);
}
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
