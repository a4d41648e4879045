/**
 * `POST /api/v1/salesforce/outbound-token` (API-key auth, tenant-scoped): issues a new Outbound Message
 * endpoint token for the tenant's active Salesforce org (or the one named by `connectionId`) and answers
 * the full endpoint URL once. The old token stops working immediately (see README: a leaked URL must die
 * at once; deliveries refused meanwhile stay in Salesforce's queue and are retried for 24 hours).
 */
import { Router } from 'express';
import { z } from 'zod';
import { type Database, HttpError, type Logger, tenantOf, validationError } from '../../server/platform';
import type { SalesforceInstallations } from './installations';
import { issueOutboundToken, outboundUrl } from './outbound-token.repository';

const rotateBody = z.object({ connectionId: z.string().min(1).max(100).optional() }).strict();

export function outboundTokenApiRoutes(deps: {
  db: Database;
  logger: Logger;
  installations: SalesforceInstallations;
  publicUrl: string;
}): Router {
  const router = Router();
  router.post('/salesforce/outbound-token', async (req, res) => {
    const parsed = rotateBody.safeParse(req.body ?? {});
    if (!parsed.success) throw validationError(parsed.error, 'body');
    const tenantId = tenantOf(res);
    const all = await deps.installations.ofTenant(tenantId);
    const install =
      parsed.data.connectionId === undefined
        ? all.find((i) => i.status === 'active')
        : all.find((i) => i.connectionId === parsed.data.connectionId);
    if (install === undefined) throw new HttpError(404, 'not_found', 'this tenant has no Salesforce connection');
    if (install.status !== 'active')
      throw new HttpError(
        409,
        'not_active',
        `Salesforce org ${install.orgId} is ${install.status}; reinstall it to get an Outbound Message endpoint`,
      );
    const token = await issueOutboundToken(deps.db, tenantId, install.orgId);
    deps.logger.info({ tenantId, orgId: install.orgId }, 'Salesforce Outbound Message token rotated; the previous one no longer works');
    res.status(201).json({
      orgId: install.orgId,
      connectionId: install.connectionId,
      // Shown once: only its hash is kept. Paste it as the endpoint URL of every Outbound Message of the org.
      outboundMessageUrl: outboundUrl(deps.publicUrl, token),
      previousTokenValid: false,
    });
  });
  return router;
}
