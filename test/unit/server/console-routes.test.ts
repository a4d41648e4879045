import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { consoleRoutes, defaultConsoleDir, repositoryRoot } from '../../../server/console/console.routes';

function appFor(dir: string) {
  const app = express();
  app.use(consoleRoutes(dir));
  app.use((_req, res) => res.status(404).json({ error: { code: 'not_found', message: 'no route' } }));
  return app;
}

describe('console routes', () => {
  it('answers 503 with what to run while the console is not built', async () => {
    const res = await request(appFor(path.join(tmpdir(), 'no-such-console'))).get('/console/runs');
    expect(res.status).toBe(503);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('npm run build');
    expect(res.headers['cache-control']).toBe('no-store');
  });

  describe('with a built console', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'baton-console-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(path.join(dir, 'assets', 'index-abc.js'), 'console.log(1)');
    const app = appFor(dir);

    it('serves hashed assets for good, with the console CSP', async () => {
      const res = await request(app).get('/console/assets/index-abc.js');
      expect(res.status).toBe(200);
      expect(res.text).toBe('console.log(1)');
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    });

    it('answers every other /console path with index.html (deep links), revalidated each time', async () => {
      for (const p of ['/console', '/console/', '/console/runs/run_1', '/console/profiles/p?q=ada']) {
        const res = await request(app).get(p);
        expect([p, res.status, res.text]).toEqual([p, 200, '<!doctype html><div id="root"></div>']);
        expect(res.headers['cache-control']).toBe('no-cache');
      }
    });

    it('does not answer a missing asset with the app, nor other methods or paths', async () => {
      expect((await request(app).get('/console/assets/gone.js')).status).toBe(404);
      expect((await request(app).post('/console/runs')).status).toBe(404);
      expect((await request(app).get('/consoles')).status).toBe(404);
    });
  });

  it('finds the repository root from server/ (and dist/server/), so the default is <root>/dist/console', () => {
    const root = repositoryRoot();
    expect(defaultConsoleDir()).toBe(path.join(root, 'dist', 'console'));
    expect(repositoryRoot(path.join(root, 'dist', 'server', 'console'))).toBe(root);
  });
});
