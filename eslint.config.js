// Lint rules for our TypeScript (generated gen/ is excluded): type-aware rules such as
// no-floating-promises, no `any`, and import boundaries: domain/ stays free of I/O, no package
// reaches into another service's folder or imports mesh/ code. test/lint-rules.test.ts proves each
// ban fires on fixture files; test/import-cycles.test.ts checks that no package imports in a cycle.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const IO_MODULES = ['@grpc/grpc-js', 'pg', 'ioredis', 'kafkajs', '@mikro-orm/*', 'node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:child_process', 'fastify', 'sharp'];
const SERVICES = ['member', 'content', 'timeline', 'image', 'search', 'activity'];
const PACKAGES = [...SERVICES.map((s) => `services/${s}`), 'gateway'];

// no-restricted-imports is one rule: a later config block that sets it replaces, not extends, an
// earlier one. So each package gets one block for all its files and one for its domain/ files, and
// each block lists every ban that applies there. `**/` in the globs lets the fixture copies under
// test/fixtures/lint/ (test/lint-rules.test.ts) fall under the same blocks.
const IO_BAN = { group: IO_MODULES, message: 'domain/ holds pure rules: no I/O (use adapters/).' };
const MESH_BAN = { regex: '^(\\.\\./)+mesh/|^@dailyfeed/mesh', message: 'a service reads the files mesh/ generates (a path in its config), never mesh/ code.' };
/** Relative imports that climb out of `pkg` into another package's folder, at any depth. */
function otherPackagesBan(pkg) {
  const others = [...SERVICES.filter((s) => `services/${s}` !== pkg), ...(pkg === 'gateway' ? [] : ['gateway'])];
  return {
    regex: `^(\\.\\./)+(services/)?(${others.join('|')})/|^@dailyfeed/(${others.join('|')})(-svc)?$`,
    message: 'a package never imports another service or the edge: talk over gRPC through @dailyfeed/gen.',
  };
}
const banImports = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['gen/**', '**/node_modules/**', '.cache/**', '.run/**', 'mesh/generated/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after'] }] },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...PACKAGES.flatMap((pkg) => [
    { files: [`**/${pkg}/**/*.ts`], rules: banImports(otherPackagesBan(pkg), MESH_BAN) },
    {
      files: [`**/${pkg}/**/domain/**/*.ts`],
      rules: {
        ...banImports(otherPackagesBan(pkg), MESH_BAN, IO_BAN),
        'no-restricted-globals': ['error', { name: 'process', message: 'domain/ never reads process (config arrives as arguments).' }],
      },
    },
  ]),
  {
    files: ['eslint.config.js', 'scripts/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
