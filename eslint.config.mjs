// Lint rules that hold the architecture in place (see docs/ARCHITECTURE.md and docs/ADDING_A_CONNECTOR.md):
// app/ is pure domain code; a vendor folder (connectors/<vendor>/) uses the server only through server/platform
// and never imports another vendor; the server reaches a vendor only through its index.ts; extensions talk to the
// backend over HTTP only; only server/config.ts reads the environment. dependency-cruiser checks the same
// boundaries on resolved paths (.dependency-cruiser.cjs), and test/unit/structure/vendor-shape.test.ts the shape.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import prettier from 'eslint-config-prettier';

// Every vendor folder under connectors/ (connectors/shared is not a vendor). Keep in step with .dependency-cruiser.cjs.
const vendors = ['hubspot', 'salesforce', 'zendesk', 'twilio', 'whatsapp', 'warehouse', 'llm'];
// An import of another vendor's folder, from any depth inside a vendor folder (connectors/<v>/, client/, client/pubsub/).
const vendorPaths = (name) => [
  `**/connectors/${name}`,
  `**/connectors/${name}/**`,
  ...['../', '../../', '../../../'].flatMap((up) => [`${up}${name}`, `${up}${name}/**`]),
];
const otherVendors = (name) =>
  vendors
    .filter((other) => other !== name)
    .map((other) => ({
      group: vendorPaths(other),
      message: `A vendor folder never imports another (${name} → ${other}); share code through connectors/shared, app/ or server/platform.`,
    }));

const ioLibraries = [
  'pg',
  'ioredis',
  'bullmq',
  'express',
  '@electric-sql/pglite',
  'pino',
  'pino-http',
  'prom-client',
  '@hubspot/api-client',
  'jsforce',
  'node-zendesk',
  'axios',
  'undici',
  'helmet',
  'supertest',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'dgram',
  'child_process',
  'cluster',
  'worker_threads',
];
const ioPaths = ioLibraries.flatMap((name) =>
  name.startsWith('@') ||
  name.includes('-') ||
  !['fs', 'fs/promises', 'http', 'https', 'net', 'dgram', 'child_process', 'cluster', 'worker_threads'].includes(name)
    ? [{ name, message: 'app/ is pure domain code: no I/O libraries. Define a port in app/ and implement it in connectors/ or server/.' }]
    : [name, `node:${name}`].map((n) => ({ name: n, message: 'app/ is pure domain code: no I/O. Define a port instead.' })),
);

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'coverage/**',
      '.baton/**',
      'extensions/**/node_modules/**',
      'extensions/**/dist/**',
      'test-artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through server/config.ts only.' },
      ],
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
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'app/ must not touch the process: pass values in through ports.' },
        { name: 'fetch', message: 'app/ must not do I/O: define a port.' },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: ioPaths,
          patterns: [
            {
              group: ['**/connectors/**', '**/connectors'],
              message: 'app/ must not import connectors/: depend on a port defined in app/.',
            },
            { group: ['**/server/**', '**/server'], message: 'app/ must not import server/.' },
            { group: ['**/extensions/**'], message: 'app/ must not import extensions/.' },
          ],
        },
      ],
    },
  },
  // A vendor folder: server/ only through server/platform (its index), no other vendor. server/ is matched on relative
  // paths only (a package's own subpath such as 'react-dom/server' is not the backend).
  ...vendors.map((name) => ({
    files: [`connectors/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...otherVendors(name),
            {
              regex: '^(\\.\\./)+server(/|$)(?!platform$)',
              message: 'A vendor folder uses the server only through server/platform (its index.ts): add what you need there.',
            },
          ],
        },
      ],
    },
  })),
  // A vendor's client/ (its API, signatures, payload parsing) does not use the server at all.
  ...vendors.map((name) => ({
    files: [`connectors/${name}/client/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...otherVendors(name),
            {
              regex: '^(\\.\\./)+server(/|$)',
              message: "A vendor's client/ does not use the server: keep it to the vendor's API (the folder's other files wire it in).",
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['connectors/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...vendors.map((other) => ({
              group: [`../${other}/**`, `../${other}`, `**/connectors/${other}/**`, `**/connectors/${other}`],
              message: 'connectors/shared must not depend on a specific vendor.',
            })),
            { regex: '^(\\.\\./)+server(/|$)', message: 'connectors/shared must not import server/.' },
          ],
        },
      ],
    },
  },
  // The server reaches a vendor only through its index.ts (server/modules.ts registers the vendors' modules).
  {
    files: ['server/**/*.ts'],
    ignores: ['server/platform/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: vendors.map((name) => ({
            group: [`**/connectors/${name}/**`],
            message: `Import connectors/${name} (its index.ts), not its internals.`,
          })),
        },
      ],
    },
  },
  // server/platform is what vendors build on: it never imports a vendor folder (that would be a cycle).
  {
    files: ['server/platform/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: vendors.flatMap((name) => [`**/connectors/${name}`, `**/connectors/${name}/**`]),
              message: 'server/platform never imports a vendor folder.',
            },
          ],
        },
      ],
    },
  },
  // The extensions (HubSpot project, Salesforce package, console) talk to the backend over HTTP only. Relative
  // paths only: a package's own subpath such as 'react-dom/server' is not the backend. The console also uses app/
  // only through the contract module app/contracts and never imports another extension; the HubSpot project imports
  // nothing outside itself (dependency-cruiser's hubspot-project-self-contained rule checks the resolved paths).
  ...[
    { files: ['extensions/**/*.ts', 'extensions/**/*.tsx', 'extensions/**/*.mts', 'extensions/**/*.js'], more: [] },
    {
      files: ['extensions/console/**/*.ts', 'extensions/console/**/*.tsx', 'extensions/console/**/*.mts'],
      more: [
        {
          regex: '^(\\.\\./)+app(?!/contracts(/|$))(/|$)',
          message: 'The console uses app/ only through the contract module app/contracts.',
        },
        { regex: '^(\\.\\./)+(extensions/)?(hubspot|salesforce)(/|$)', message: 'The console never imports another extension.' },
      ],
    },
  ].map(({ files, more }) => ({
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(\\.\\./)+server(/|$)', message: 'extensions/ talk to the backend over HTTP: never import server/.' },
            { regex: '^(\\.\\./)+connectors(/|$)', message: 'extensions/ never import connectors/.' },
            ...more,
          ],
        },
      ],
    },
  })),
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
