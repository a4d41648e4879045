/**
 * `POST|GET /api/v1/connections`, `GET|PATCH|DELETE /api/v1/connections/:id` and
 * `POST /api/v1/connections/:id/test` (product brief 4.3). Configs are validated per type; secrets
 * are sealed at rest and never returned.
 */
import { Router } from 'express';
import type { ConnectionBody, ConnectionCreatedBody, ConnectionListBody, ConnectionTestBody } from '../../app/contracts';
import { mergePatch } from '../../app/shared/json-merge-patch';
import type { Database } from '../db/database';
import { tenantOf } from '../http/auth';
import { HttpError, validationError } from '../http/errors';
import { CONFIG_SCHEMAS, createConnectionSchema, type MessagingConnectionType } from './connection-config';
import { testConnection } from './connection-test';
import { ConnectionConflictError, type ConnectionView, type ConnectionsRepository } from './connections.repository';

const WEBHOOK_DOC: Readonly<Record<MessagingConnectionType, string>> = {
  zendesk:
    'Zendesk Admin Center → Webhooks: endpoint URL, POST, JSON, subscribe to ticket and user events; paste the signing secret as webhookSecret',
  twilio: 'Twilio Console → phone number / Messaging Service: "A message comes in" and status callback URL (HTTP POST)',
  whatsapp: 'Meta App Dashboard → WhatsApp → Configuration: callback URL and verify token; subscribe to the messages field',
};

export function connectionRoutes(deps: { db: Database; repo: ConnectionsRepository; publicUrl: string }): Router {
  const router = Router();
  const withWebhook = (v: ConnectionView) =>
    ({ ...v, webhookUrl: `${deps.publicUrl}/webhooks/${v.type}/${v.id}`, webhookSetup: WEBHOOK_DOC[v.type] }) satisfies ConnectionBody;
  const found = async (tenantId: string, id: string): Promise<ConnectionView> => {
    const v = await deps.repo.view1(deps.db, tenantId, id);
    if (v === undefined) throw new HttpError(404, 'not_found', 'no Zendesk, Twilio or WhatsApp connection with this id in your tenant');
    return v;
  };
  const conflict = (err: unknown): never => {
    if (err instanceof ConnectionConflictError) throw new HttpError(409, 'connection_exists', err.message);
    throw err;
  };

  router.post('/connections', async (req, res) => {
    const head = createConnectionSchema.safeParse(req.body);
    if (!head.success) throw validationError(head.error, 'connection');
    const { type } = head.data;
    const config = CONFIG_SCHEMAS[type].safeParse(head.data.config);
    if (!config.success) throw validationError(config.error, `${type} config`);
    const view = await deps.repo.create(deps.db, tenantOf(res), type, config.data).catch(conflict);
    res.status(201).json({ connectionId: view.id, ...withWebhook(view) } satisfies ConnectionCreatedBody);
  });

  router.get('/connections', async (_req, res) => {
    const list = await deps.repo.list(deps.db, tenantOf(res));
    res.json({ connections: list.map(withWebhook) } satisfies ConnectionListBody);
  });

  router.get('/connections/:id', async (req, res) => {
    res.json(withWebhook(await found(tenantOf(res), req.params['id'] ?? '')));
  });

  /** `{ config: {...} }` merged over the stored settings and secrets; the merged whole is validated again. */
  router.patch('/connections/:id', async (req, res) => {
    const tenantId = tenantOf(res);
    const id = req.params['id'] ?? '';
    const body = req.body as { config?: unknown } | undefined;
    if (body === undefined || body.config === null || typeof body.config !== 'object' || Array.isArray(body.config)) {
      throw new HttpError(400, 'invalid_request', 'expected { "config": { ...fields to change } }');
    }
    const current = await deps.repo.get(deps.db, tenantId, id);
    if (current === undefined)
      throw new HttpError(404, 'not_found', 'no Zendesk, Twilio or WhatsApp connection with this id in your tenant');
    const merged = mergePatch(current.config as Record<string, unknown>, body.config as Record<string, unknown>);
    const config = CONFIG_SCHEMAS[current.type].safeParse(merged);
    if (!config.success) throw validationError(config.error, `${current.type} config`);
    const view = await deps.repo.update(deps.db, tenantId, id, current.type, config.data).catch(conflict);
    if (view === undefined) throw new HttpError(404, 'not_found', 'the connection was deleted meanwhile');
    res.json(withWebhook(view));
  });

  router.delete('/connections/:id', async (req, res) => {
    if (!(await deps.repo.delete(deps.db, tenantOf(res), req.params['id'] ?? ''))) {
      throw new HttpError(404, 'not_found', 'no Zendesk, Twilio or WhatsApp connection with this id in your tenant');
    }
    res.status(204).end();
  });

  /** Calls the vendor with the stored credentials; 200 with ok true/false (the test ran either way). */
  router.post('/connections/:id/test', async (req, res) => {
    const tenantId = tenantOf(res);
    const connection = await deps.repo.get(deps.db, tenantId, req.params['id'] ?? '');
    if (connection === undefined)
      throw new HttpError(404, 'not_found', 'no Zendesk, Twilio or WhatsApp connection with this id in your tenant');
    const result = await testConnection(connection);
    if (result.ok) await deps.repo.setStatus(deps.db, tenantId, connection.id, 'active', null);
    else if (result.error.category === 'auth') await deps.repo.setStatus(deps.db, tenantId, connection.id, 'error', result.error.message);
    res.json({ connectionId: connection.id, type: connection.type, ...result } satisfies ConnectionTestBody);
  });

  return router;
}
