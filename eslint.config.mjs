// Lint rules that hold the architecture in place (see docs/ARCHITECTURE.md):
// app/ is pure domain code, connectors never import each other, only server/config.ts reads the environment.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import prettier from 'eslint-config-prettier';

const connectors = ['hubspot', 'salesforce', 'zendesk', 'twilio', 'whatsapp', 'warehouse'];

const ioLibraries = [
  'pg', 'ioredis', 'bullmq', 'express', '@electric-sql/pglite', 'pino', 'pino-http', 'prom-client',
  '@hubspot/api-client', 'jsforce', 'node-zendesk', 'axios', 'undici', 'helmet', 'supertest',
  'fs', 'fs/promises', 'http', 'https', 'net', 'dgram', 'child_process', 'cluster', 'worker_threads',
];
const ioPaths = ioLibraries.flatMap((name) =>
  name.startsWith('@') || name.includes('-') || !['fs', 'fs/promises', 'http', 'https', 'net', 'dgram', 'child_process', 'cluster', 'worker_threads'].includes(name)
    ? [{ name, message: 'app/ is pure domain code: no I/O libraries. Define a port in app/ and implement it in connectors/ or server/.' }]
    : [name, `node:${name}`].map((n) => ({ name: n, message: 'app/ is pure domain code: no I/O. Define a port instead.' })),
);

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '.baton/**', 'extensions/**/node_modules/**', 'extensions/**/dist/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through server/config.ts only.' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['server/config.ts', 'test/**', 'bench/**', 'scripts/**', '*.js', '*.cjs', '*.mjs', 'bin/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['app/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'app/ must not touch the process: pass values in through ports.' },
        { name: 'fetch', message: 'app/ must not do I/O: define a port.' }],
      'no-restricted-imports': ['error', {
        paths: ioPaths,
        patterns: [
          { group: ['**/connectors/**', '**/connectors'], message: 'app/ must not import connectors/: depend on a port defined in app/.' },
          { group: ['**/server/**', '**/server'], message: 'app/ must not import server/.' },
          { group: ['**/extensions/**'], message: 'app/ must not import extensions/.' },
        ],
      }],
    },
  },
  ...connectors.map((name) => ({
    files: [`connectors/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...connectors.filter((other) => other !== name).map((other) => ({
            group: [`**/connectors/${other}/**`, `**/connectors/${other}`, `../${other}/**`, `../${other}`],
            message: `A connector never imports another connector (${name} → ${other}); share code through connectors/shared or app/.`,
          })),
          { group: ['**/server/**', '**/server'], message: 'connectors/ must not import server/: the server wires connectors, not the other way round.' },
        ],
      }],
    },
  })),
  {
    files: ['connectors/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          ...connectors.map((other) => ({ group: [`../${other}/**`, `../${other}`, `**/connectors/${other}/**`], message: 'connectors/shared must not depend on a specific connector.' })),
          { group: ['**/server/**', '**/server'], message: 'connectors/ must not import server/.' },
        ],
      }],
    },
  },
  // Type-aware rules (guard rails, issue #15): every TypeScript file is checked with its own tsconfig (the root one
  // for app/, connectors/, server/, scripts/, bench/ and test/; extensions/hubspot, extensions/console and
  // extensions/console/test have theirs). A promise is awaited, returned, or explicitly `void`ed with a comment
  // saying where its errors go; a promise-returning function is never passed where a void callback is expected.
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mts', '**/*.cts'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['extensions/console/vite.config.mts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  // Last: turns off every rule that would fight Prettier's layout (npm run format).
  prettier,
);
