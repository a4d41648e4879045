/** Structural rules checked by `npm run depcheck` (in `npm run lint` and CI). See docs/ADDING_A_CONNECTOR.md. */
// One folder per vendor under connectors/ (connectors/shared is not a vendor: small helpers every vendor may use).
// Keep in step with eslint.config.mjs and test/unit/structure/vendor-shape.test.ts.
const vendors = ['hubspot', 'salesforce', 'zendesk', 'twilio', 'whatsapp', 'warehouse', 'llm'];
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular imports make initialisation order fragile.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'app-is-pure',
      severity: 'error',
      comment: 'app/ is the domain core: it imports nothing from connectors/, server/ or extensions/.',
      from: { path: '^app/' },
      to: { path: '^(connectors|server|extensions)/' },
    },
    {
      name: 'app-no-io-libraries',
      severity: 'error',
      comment: 'app/ uses no I/O libraries.',
      from: { path: '^app/' },
      to: {
        path: '(^|/)(pg|ioredis|bullmq|express|@electric-sql/pglite|pino|pino-http|prom-client|@hubspot/api-client|jsforce|node-zendesk|fs|http|https|net|child_process)(/|$)',
      },
    },
    {
      name: 'vendor-uses-platform-only',
      severity: 'error',
      comment: "A vendor folder uses the server only through server/platform/index.ts, never a capability's internals.",
      from: { path: '^connectors/' },
      to: { path: '^server/', pathNot: '^server/platform/index\\.ts$' },
    },
    {
      name: 'vendor-client-not-server',
      severity: 'error',
      comment: "A vendor's client/ (its API, signatures, payload parsing) does not use the server at all.",
      from: { path: '^connectors/[^/]+/client/' },
      to: { path: '^server/' },
    },
    {
      name: 'shared-not-vendor',
      severity: 'error',
      comment: 'connectors/shared depends on no vendor.',
      from: { path: '^connectors/shared/' },
      to: { path: '^connectors/(?!shared/)' },
    },
    ...vendors.map((name) => ({
      name: `vendor-${name}-isolated`,
      severity: 'error',
      comment: 'A vendor folder never imports another vendor folder.',
      from: { path: `^connectors/${name}/` },
      to: { path: `^connectors/(?!${name}/|shared/)` },
    })),
    {
      name: 'platform-no-vendor',
      severity: 'error',
      comment: 'server/platform is what vendors build on: it never imports a vendor folder (that would be a cycle).',
      from: { path: '^server/platform/' },
      to: { path: '^connectors/(?!shared/)' },
    },
    {
      name: 'server-vendor-index-only',
      severity: 'error',
      comment: 'The server reaches a vendor only through its index.ts (the registry, server/modules.ts, lists the module factories).',
      from: { path: '^server/' },
      to: { path: '^connectors/(?!shared/)[^/]+/', pathNot: '^connectors/[^/]+/index\\.ts$' },
    },
    {
      name: 'extensions-not-backend',
      severity: 'error',
      comment: 'The extensions talk to the backend over HTTP only: they never import server/ or connectors/.',
      from: { path: '^extensions/' },
      to: { path: '^(server|connectors)/' },
    },
    {
      name: 'hubspot-project-self-contained',
      severity: 'error',
      comment: 'HubSpot builds only what is inside extensions/hubspot: shared contracts are generated copies (npm run hubspot:generate).',
      from: { path: '^extensions/hubspot/' },
      to: { path: '^(app|server|connectors|scripts|extensions/(?!hubspot/))' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.json'],
    },
  },
};
