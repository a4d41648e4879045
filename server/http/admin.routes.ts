import { Router } from 'express';
import { z } from 'zod';
import { safeEqual } from '../../connectors/shared/safe-equal';
import type { Database } from '../db/database';
import { createTenant } from '../tenants/tenants.repository';
import { HttpError, validationError } from './errors';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * Loopback-only operator routes used by the CLI while the service holds the embedded database
 * (the token is in the data directory's lock file, readable only by the same user).
 */
export function adminRoutes(deps: { db: Database; adminToken: string }): Router {
  const router = Router();
  router.use((req, _res, next) => {
    const token = req.get('x-baton-admin-token') ?? '';
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '') || !safeEqual(token, deps.adminToken)) {
      throw new HttpError(403, 'forbidden', 'admin routes are for the local CLI only');
    }
    next();
  });
  router.post('/tenants', async (req, res) => {
    const parsed = z.object({ name: z.string().trim().min(1, 'must not be empty').max(200) }).safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    res.status(201).json(await createTenant(deps.db, parsed.data.name));
  });
  return router;
}
