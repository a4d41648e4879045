import { systemClock, type Clock } from '../../app/shared/clock';
import type { RequestHandler, Response } from 'express';
import type { Queryable } from '../db/database';
import { tenantForApiKey } from '../tenants/tenants.repository';
import { HttpError } from './errors';

/** Bearer-key authentication: the tenant comes from the key, never from the request body or path. */
export function requireApiKey(
  db: Queryable,
  cache = new Map<string, { tenantId: string; until: number }>(),
  clock: Clock = systemClock,
): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match?.[1] === undefined) {
      throw new HttpError(
        401,
        'unauthorized',
        'send your tenant API key as "Authorization: Bearer <apiKey>" (create one with: npx baton tenants create --name NAME)',
      );
    }
    const key = match[1];
    const now = clock.now();
    const hit = cache.get(key);
    let tenantId = hit !== undefined && hit.until > now ? hit.tenantId : undefined;
    if (tenantId === undefined) {
      tenantId = await tenantForApiKey(db, key);
      if (tenantId === undefined) throw new HttpError(401, 'unauthorized', 'the API key is not valid (unknown, malformed or revoked)');
      // A short cache keeps key checks off the hot path; revocation takes effect within 30 seconds.
      if (cache.size > 10_000) cache.clear();
      cache.set(key, { tenantId, until: now + 30_000 });
    }
    res.locals['tenantId'] = tenantId;
    next();
  };
}

export function tenantOf(res: Response): string {
  const t: unknown = res.locals['tenantId'];
  if (typeof t !== 'string') throw new Error('tenantOf() used on a route without requireApiKey');
  return t;
}
