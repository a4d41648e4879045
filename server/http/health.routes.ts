import { Router } from 'express';
import type { Database } from '../db/database';
import type { Dispatcher } from '../dispatch/dispatcher';
import type { Metrics } from '../observability/metrics';

async function check(name: string, fn: () => Promise<void>, timeoutMs: number): Promise<{ name: string; ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return { name, ok: true };
  } catch (err) {
    return { name, ok: false, error: err instanceof Error ? err.message : String(err) };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

export function healthRoutes(deps: { db: Database; dispatcher: Dispatcher; metrics: Metrics; isShuttingDown: () => boolean }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (deps.isShuttingDown()) {
      res.status(503).json({ status: 'shutting_down', checks: [] });
      return;
    }
    const checks = await Promise.all([
      check('database', () => deps.db.ping(), 2000),
      check(`dispatcher (${deps.dispatcher.name})`, () => deps.dispatcher.ping(), 2000),
    ]);
    const ok = checks.every((c) => c.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });
  return router;
}
