#!/usr/bin/env node
'use strict';
/**
 * `npm start`: runs the compiled service in dist/ and never compiles. Building happens in
 * `npm install` (prepare) and `npm run build`. When dist/ is missing or older than the sources it says
 * which source is newer and exits 1 with the command to run, instead of serving stale code.
 *
 * The check is a stat per source file (a few hundred): each `*.ts` under app/, connectors/ and server/
 * must have its `dist/**.js` at least as new, an imported JSON file copied into dist/ likewise, and the
 * console bundle (dist/console/index.html) must be newer than everything under extensions/console/.
 * BATON_ROOT points the launcher at another checkout (tests use a temporary one).
 */
const fs = require('node:fs');
const path = require('node:path');

const COMPILED = ['app', 'connectors', 'server'];
const CONSOLE_SOURCES = path.join('extensions', 'console');
const CONSOLE_OUTPUT = path.join('dist', 'console', 'index.html');

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function* walk(root, rel) {
  let entries;
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const child = path.join(rel, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !e.name.startsWith('.')) yield* walk(root, child);
    } else if (e.isFile()) {
      yield child;
    }
  }
}

/**
 * Why dist/ under `root` cannot be run as it is, or undefined when it is current.
 * @param {string} root the repository root
 * @returns {string | undefined}
 */
function staleReason(root) {
  const dist = path.join(root, 'dist');
  if (mtime(path.join(dist, 'server', 'main.js')) === undefined) return 'dist/ is missing (the project is not built)';
  const tooOld = (source, output) => {
    const s = mtime(path.join(root, source));
    const o = mtime(path.join(root, output));
    if (o === undefined) return `dist/ has no ${output.slice('dist/'.length)} for ${source}`;
    if (s !== undefined && s > o) return `dist/ is older than the sources (${source} changed)`;
    return undefined;
  };
  const sources = [...COMPILED.flatMap((dir) => [...walk(root, dir)]), 'manifest.json'];
  for (const source of sources.map((s) => s.split(path.sep).join('/'))) {
    let reason;
    if (source.endsWith('.ts') && !source.endsWith('.d.ts')) reason = tooOld(source, `dist/${source.slice(0, -3)}.js`);
    else if (source.endsWith('.json') && mtime(path.join(root, 'dist', source)) !== undefined) reason = tooOld(source, `dist/${source}`);
    if (reason !== undefined) return reason;
  }
  if (fs.existsSync(path.join(root, CONSOLE_SOURCES))) {
    const built = mtime(path.join(root, CONSOLE_OUTPUT));
    if (built === undefined) return 'dist/console is missing (the console is not built)';
    for (const source of walk(root, CONSOLE_SOURCES)) {
      const s = mtime(path.join(root, source));
      if (s !== undefined && s > built) return `dist/console is older than the sources (${source.split(path.sep).join('/')} changed)`;
    }
  }
  return undefined;
}

module.exports = { staleReason };

if (require.main === module) {
  const root = process.env.BATON_ROOT ? path.resolve(process.env.BATON_ROOT) : path.join(__dirname, '..');
  const reason = staleReason(root);
  if (reason !== undefined) {
    process.stderr.write(`baton: ${reason}; run \`npm run build\` first (npm start runs dist/ and does not compile).\n`);
    process.exit(1);
  }
  require(path.join(root, 'dist', 'server', 'main.js'));
}
