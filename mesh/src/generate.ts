// The generator's command line.
//   node src/generate.ts          write mesh/generated/ (and delete files it no longer produces)
//   node src/generate.ts --check  exit 1 listing every generated file that differs from the policy
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { outputs } from './outputs.ts';

export const GENERATED_DIR = fileURLToPath(new URL('../generated/', import.meta.url));

function listFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export interface Drift {
  readonly path: string;
  readonly problem: 'missing' | 'differs' | 'stale';
}

/** Compares the committed files with what the policy produces now. */
export function findDrift(dir = GENERATED_DIR, expected = outputs()): Drift[] {
  const drift: Drift[] = [];
  for (const [path, text] of expected) {
    const actual = readOrUndefined(join(dir, path));
    if (actual === undefined) drift.push({ path, problem: 'missing' });
    else if (actual !== text) drift.push({ path, problem: 'differs' });
  }
  for (const path of listFiles(dir)) if (!expected.has(path)) drift.push({ path, problem: 'stale' });
  return drift.sort((a, b) => a.path.localeCompare(b.path));
}

function write(dir: string): void {
  const expected = outputs();
  for (const path of listFiles(dir)) if (!expected.has(path)) rmSync(join(dir, path));
  for (const [path, text] of expected) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  process.stdout.write(`mesh: wrote ${expected.size} files to ${relative(process.cwd(), dir) || '.'}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--check')) {
    const drift = findDrift();
    for (const d of drift) process.stderr.write(`mesh/generated/${d.path}: ${d.problem}\n`);
    if (drift.length > 0) {
      process.stderr.write('mesh: generated files are out of date; run `npm run -w @dailyfeed/mesh generate`\n');
      process.exit(1);
    }
    process.stdout.write('mesh: generated files match the policy\n');
  } else {
    write(GENERATED_DIR);
  }
}
