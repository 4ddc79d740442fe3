// Run-time import cycle check for our own modules (import/no-cycle is not a dependency; madge neither): every
// relative `import`/`export ... from` between .ts files of the packages forms a graph that must
// have no cycle. A cycle makes start-up order matter (a module reads a binding of one that has not
// finished evaluating) and ties layers together that the folders say are apart.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = fileURLToPath(new URL('..', import.meta.url));
const PACKAGE_SOURCES = ['services/member', 'services/content', 'services/timeline', 'services/image', 'services/search', 'services/activity', 'gateway', 'mesh'].flatMap((p) => [
  `${p}/src`,
  `${p}/test`,
]);
// Type-only imports are erased by type stripping and cannot form a run-time cycle, so they are
// not edges (timeline has two such type-level loops today).
const IMPORT = /^\s*(?:import|export)\s(?!type\s)[^'"]*?from\s+['"](\.{1,2}\/[^'"]+\.ts)['"]/gm;

function tsFiles(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => (e.isDirectory() ? (e.name === 'node_modules' ? [] : tsFiles(join(dir, e.name))) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** Every import cycle among `files`, each as the list of files around it (root-relative). */
export function importCycles(files: readonly string[]): string[][] {
  const edges = new Map(files.map((f) => [f, [...readFileSync(f, 'utf8').matchAll(IMPORT)].map((m) => resolve(dirname(f), m[1] ?? ''))]));
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push(path.slice(path.indexOf(file)).map((f) => relative(root, f)));
      return;
    }
    state.set(file, 'open');
    for (const next of edges.get(file) ?? []) if (edges.has(next)) visit(next, [...path, next]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, [file]);
  return cycles;
}

describe('import cycles', () => {
  it('when the packages are read, then no module imports itself through others', () => {
    const files = PACKAGE_SOURCES.flatMap((d) => tsFiles(join(root, d)));
    assert.ok(files.length > 200, `expected the whole code base, found ${files.length} files`);
    assert.deepEqual(importCycles(files), []);
  });

  it('when two fixture modules import each other, then the cycle is reported', () => {
    const cycles = importCycles(tsFiles(join(root, 'test/fixtures/cycle')));
    assert.deepEqual(cycles, [['test/fixtures/cycle/a.ts', 'test/fixtures/cycle/b.ts', 'test/fixtures/cycle/a.ts']]);
  });
});
