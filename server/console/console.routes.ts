/**
 * Serves the Baton console (the React app built by Vite from extensions/console into dist/console)
 * at /console: static files, and index.html for every other /console path so the app's own routes
 * survive a reload. Until the console is built, /console answers 503 with what to run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';
import { defineModule, type ModuleFactory } from '../module';

export const CONSOLE_PATH = '/console';

/** The console talks to its own origin only; no inline scripts, inline styles for the chart library. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The repository root (the first folder up from here with a package.json): works from server/ and dist/server/. */
export function repositoryRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return from;
    dir = parent;
  }
}

export const defaultConsoleDir = (): string => path.join(repositoryRoot(), 'dist', 'console');

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Baton console not built</title><link rel="icon" href="data:,"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>The Baton console is not built yet</h1>
<p>The service is running, but it found no built console to serve. Build it, then reload this page:</p>
<pre><code>npm run build</code></pre>
<p>The API is available meanwhile under <code>/api/v1</code>.</p>
</body></html>`;

export function consoleRoutes(dir: string): Router {
  const router = Router();
  const index = path.join(dir, 'index.html');
  const setHeaders = (res: Response, file: string): void => {
    res.setHeader('Content-Security-Policy', CSP);
    // Vite names assets by content hash: cache them for good; index.html must always be revalidated.
    res.setHeader('Cache-Control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
  };
  const assets = express.static(dir, { index: false, redirect: false, fallthrough: true, setHeaders });

  router.use(CONSOLE_PATH, (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      next();
      return;
    }
    res.setHeader('Content-Security-Policy', CSP);
    if (!existsSync(index)) {
      res.status(503).type('html').setHeader('Cache-Control', 'no-store').send(NOT_BUILT);
      return;
    }
    assets(req, res, () => {
      // A missing asset is a 404, not the app: a stale bundle must fail loudly, not load HTML as JS.
      if (req.path.startsWith('/assets/')) {
        res.status(404).type('text/plain').send(`no console asset ${req.path}`);
        return;
      }
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(index);
    });
  });
  return router;
}

/** The console as a capability module; `dir` overrides where the built files are (tests). */
export function createConsoleModule(options: { dir?: string } = {}): ModuleFactory {
  return defineModule({
    name: 'console',
    build: () => ({ module: { name: 'console', routes: consoleRoutes(options.dir ?? defaultConsoleDir()) } }),
  });
}

export const consoleModule: ModuleFactory = createConsoleModule();
