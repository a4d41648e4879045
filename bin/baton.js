#!/usr/bin/env node
'use strict';
// The `baton` CLI (package.json "bin"). Runs the compiled code in dist/ (built by `npm install`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'server', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('baton: the project is not built yet; run `npm run build` (or `npm install`) first.\n');
  process.exit(1);
}
require(entry).main(process.argv.slice(2));
