// Lint rules for our TypeScript (generated gen/ is excluded): type-aware rules such as
// no-floating-promises, no `any`, and import boundaries — domain/ stays free of I/O and no
// package reaches into another service's folder.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const IO_MODULES = ['@grpc/grpc-js', 'pg', 'ioredis', 'kafkajs', '@mikro-orm/*', 'node:fs', 'node:net', 'node:http', 'fastify', 'sharp', 'typesense'];
const SERVICES = ['member', 'content', 'timeline', 'image', 'search', 'activity'];

export default tseslint.config(
  { ignores: ['gen/**', '**/node_modules/**', '.cache/**', '.run/**', 'mesh/generated/**'] },
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
  {
    files: ['**/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: IO_MODULES, message: 'domain/ holds pure rules: no I/O (use adapters/).' }] }],
      'no-restricted-globals': ['error', { name: 'process', message: 'domain/ never reads process (config arrives as arguments).' }],
    },
  },
  ...SERVICES.map((service) => ({
    files: [`services/${service}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: SERVICES.filter((s) => s !== service).flatMap((s) => [`**/services/${s}/**`, `../${s}/**`, `../../${s}/**`]).concat(['**/gateway/**']),
              message: 'a service never imports another service: talk over gRPC through @dailyfeed/gen.',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['eslint.config.js', 'scripts/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
