/** Structural rules checked by `npm run depcheck` (in `npm run lint` and CI). */
const connectors = ['hubspot', 'salesforce', 'zendesk', 'twilio', 'whatsapp', 'warehouse'];
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'Circular imports make initialisation order fragile.', from: {}, to: { circular: true } },
    { name: 'app-is-pure', severity: 'error', comment: 'app/ is the domain core: it imports nothing from connectors/, server/ or extensions/.',
      from: { path: '^app/' }, to: { path: '^(connectors|server|extensions)/' } },
    { name: 'app-no-io-libraries', severity: 'error', comment: 'app/ uses no I/O libraries.',
      from: { path: '^app/' },
      to: { path: '(^|/)(pg|ioredis|bullmq|express|@electric-sql/pglite|pino|pino-http|prom-client|@hubspot/api-client|jsforce|node-zendesk|fs|http|https|net|child_process)(/|$)' } },
    { name: 'connectors-not-server', severity: 'error', from: { path: '^connectors/' }, to: { path: '^server/' } },
    ...connectors.map((name) => ({
      name: `connector-${name}-isolated`, severity: 'error', comment: 'A connector never imports another connector.',
      from: { path: `^connectors/${name}/` }, to: { path: `^connectors/(?!${name}/|shared/)` },
    })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js', '.json'] },
  },
};
