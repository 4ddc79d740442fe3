// The import bans of eslint.config.js fire where they promise to: each fixture under
// test/fixtures/lint/ breaks one rule in a path shaped like a real package, and the linter must
// report exactly that rule there. Removing or shadowing a ban (a later config block replacing
// no-restricted-imports, a pattern that misses a depth) fails this test.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = fileURLToPath(new URL('..', import.meta.url));
// The fixtures are outside the TypeScript project (their imports point nowhere): lint them
// without type information; the import bans need none.
const eslint = new ESLint({ cwd: root, ignore: false, overrideConfig: [{ files: ['test/fixtures/**'], ...tseslint.configs.disableTypeChecked }] });

async function rulesReported(fixture: string): Promise<string[]> {
  const [result] = await eslint.lintFiles([`test/fixtures/lint/${fixture}`]);
  assert.ok(result, `no lint result for ${fixture}`);
  return result.messages.map((m) => `${m.ruleId ?? 'fatal'}: ${m.message}`);
}

const cases: ReadonlyArray<readonly [fixture: string, expected: RegExp]> = [
  ['services/content/src/domain/uses-pg.ts', /^no-restricted-imports: .*domain\/ holds pure rules/],
  ['services/content/src/domain/reads-process.ts', /^no-restricted-globals: .*domain\/ never reads process/],
  ['services/content/src/domain/imports-other-service.ts', /^no-restricted-imports: .*never imports another service/],
  ['services/content/src/adapters/deep/imports-other-service.ts', /^no-restricted-imports: .*never imports another service/],
  ['services/content/src/adapters/imports-mesh.ts', /^no-restricted-imports: .*never mesh\/ code/],
  ['gateway/src/domain/imports-service.ts', /^no-restricted-imports: .*never imports another service/],
];

describe('lint rules on fixture files', () => {
  for (const [fixture, expected] of cases) {
    it(`when ${fixture} is linted, then the rule it breaks reports`, async () => {
      const reported = await rulesReported(fixture);
      assert.ok(reported.some((m) => expected.test(m)), `expected ${expected} in:\n${reported.join('\n')}`);
    });
  }

  it('when adapters/ imports pg, then nothing reports (I/O belongs there)', async () => {
    assert.deepEqual(await rulesReported('services/content/src/adapters/uses-pg.ts'), []);
  });
});
