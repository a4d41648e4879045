/**
 * `POST /webhooks/hubspot`: signed batches (≤ 100) → canonical events stored through the same ingest
 * path as `POST /api/v1/events` (one event log, one pipeline), all before the 200. Duplicates collapse
 * on HubSpot's composite key. Unknown portals and unsubscribed types are answered 200 and counted (a
 * 4xx would be retried for a day); `contact.privacyDeletion` erases the person. New contacts are
 * enriched afterwards with a batch read (a durable job), so the 200 never waits on HubSpot.
 */
import { Router } from 'express';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { HubSpotApi } from '../../connectors/hubspot/api';
import { classifyHubSpotError } from '../../connectors/hubspot/errors';
import { contactIdentifier, normalizeWebhookEvent, webhookBatchSchema } from '../../connectors/hubspot/webhook';
import type { Database } from '../db/database';
import type { JobRef } from '../dispatch/outbox.repository';
import { RetryLaterError, type JobHandler } from '../dispatch/work-runner';
import type { WorkQueue } from '../dispatch/work-queue';
import { ingestEvent, type Identify } from '../events/events.repository';
import { validationError } from '../http/errors';
import type { IdentityService } from '../identity/identity.service';
import { eraseProfileData, profileAliases } from '../identity/profiles.repository';
import type { ServiceModule } from '../module';
import type { Metrics } from '../observability/metrics';
import { installationByPortal, type Installation } from './installations';
import { profileOfRecord } from './records';
import { jsonBody, rawBody, requireSignature } from './signed';

export const HUBSPOT_ENRICH_JOB = 'hubspot.enrich';
const CONTACT_PROPERTIES = ['email', 'phone', 'mobilephone', 'firstname', 'lastname', 'company', 'lifecyclestage', 'hs_lastmodifieddate'];

export interface WebhookDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly metrics: Metrics;
  readonly publicUrl: string;
  readonly clientSecret: () => string | undefined;
  readonly identity: () => IdentityService | undefined;
  readonly modules: () => readonly ServiceModule[];
}

export interface WebhookOutcome {
  received: number;
  stored: number;
  duplicates: number;
  ignored: number;
  erased: number;
}

/**
 * Erases the person behind a HubSpot contact (privacy deletion) the way DELETE /api/v1/profiles/:id
 * does: identity graph and events, then every loaded module's `erase` hook, in one transaction.
 */
export async function eraseContact(db: Database, identity: IdentityService, modules: readonly ServiceModule[], tenantId: string, portalId: string, contactId: string): Promise<boolean> {
  return db.transaction(async (tx) => {
    const profileId = await profileOfRecord(tx, identity, tenantId, portalId, 'contact', contactId);
    if (profileId === undefined) return false;
    await tx.query(`SELECT set_config('baton.erasure', 'on', true)`);
    const aliases = await profileAliases(tx, tenantId, profileId);
    const resolver = await identity.resolver(tx, tenantId);
    const erased = await resolver.erase(profileId);
    await eraseProfileData(tx, tenantId, aliases, erased.records);
    for (const m of modules) if (m.erase !== undefined) await m.erase(tx, tenantId, aliases);
    return true;
  });
}

export async function ingestWebhookBatch(deps: WebhookDeps, body: unknown): Promise<WebhookOutcome> {
  const parsed = webhookBatchSchema.safeParse(body);
  if (!parsed.success) throw validationError(parsed.error, 'webhook batch');
  const identity = deps.identity();
  const identify: Identify | undefined = identity === undefined ? undefined : (tx, input) => identity.identify(tx, input);
  const out: WebhookOutcome = { received: parsed.data.length, stored: 0, duplicates: 0, ignored: 0, erased: 0 };
  const installs = new Map<string, Installation | undefined>();
  const toEnrich = new Map<string, { tenantId: string; ids: Set<string> }>();
  for (const e of parsed.data) {
    if (!installs.has(e.portalId)) installs.set(e.portalId, await installationByPortal(deps.db, e.portalId));
    const install = installs.get(e.portalId);
    if (install === undefined || install.status !== 'active') {
      deps.metrics.webhooksUnknown.inc({ source: 'hubspot', type: 'unknown_portal' });
      out.ignored++;
      continue;
    }
    const n = normalizeWebhookEvent(e);
    if (n.kind === 'unsupported') {
      deps.metrics.webhooksUnknown.inc({ source: 'hubspot', type: e.subscriptionType.slice(0, 60) });
      out.ignored++;
      continue;
    }
    if (n.kind === 'privacy_deletion') {
      if (identity !== undefined && (await eraseContact(deps.db, identity, deps.modules(), install.tenantId, n.portalId, n.contactId))) out.erased++;
      continue;
    }
    const result = await ingestEvent(deps.db, deps.work, install.tenantId, n.event, undefined, identify);
    deps.metrics.eventsIngested.inc({ source: 'hubspot', outcome: result.duplicate ? 'duplicate' : 'stored' });
    if (result.duplicate) out.duplicates++;
    else out.stored++;
    if (!result.duplicate && n.objectType === 'contact' && (n.event.type === 'contact.created' || n.event.type === 'contact.restored')) {
      const entry = toEnrich.get(e.portalId) ?? { tenantId: install.tenantId, ids: new Set<string>() };
      entry.ids.add(n.objectId);
      toEnrich.set(e.portalId, entry);
    }
  }
  const refs: JobRef[] = [];
  for (const [portalId, { tenantId, ids }] of toEnrich) {
    refs.push(await deps.work.record(deps.db, { tenantId, kind: HUBSPOT_ENRICH_JOB, payload: { portalId, contactIds: [...ids] } }));
  }
  if (refs.length > 0) await deps.work.notify(refs);
  return out;
}

export function webhookRoutes(deps: WebhookDeps): Router {
  const router = Router();
  router.post('/webhooks/hubspot', rawBody, requireSignature({ publicUrl: deps.publicUrl, clientSecret: deps.clientSecret }), async (req, res) => {
    res.status(200).json(await ingestWebhookBatch(deps, jsonBody(req)));
  });
  return router;
}

/**
 * The enrich job: batch-reads new contacts (≤ 100 per call) and stores a `contact.snapshot` event with
 * their email, phone and name, so identity can link them to the same person seen elsewhere.
 */
export function enrichHandler(deps: { db: Database; work: WorkQueue; api: () => HubSpotApi | undefined; identity: () => IdentityService | undefined }): JobHandler {
  return async (job) => {
    const api = deps.api();
    const portalId = String(job.payload['portalId']);
    const ids = (job.payload['contactIds'] as unknown[]).map(String);
    if (api === undefined || ids.length === 0) return;
    const identity = deps.identity();
    const identify: Identify | undefined = identity === undefined ? undefined : (tx, input) => identity.identify(tx, input);
    let contacts;
    try {
      contacts = await api.batchRead(portalId, 'contact', ids.slice(0, 100), CONTACT_PROPERTIES);
    } catch (err) {
      const failure = classifyHubSpotError(err, 'contact batch read');
      if (failure.category === 'rate_limited') throw new RetryLaterError(failure.message, failure.retryAfterMs ?? 10_000);
      if (failure.category === 'auth') return; // disconnected or scope removed: nothing to enrich until reinstalled
      throw err;
    }
    for (const c of contacts) {
      const p = c.properties;
      const identifiers: CanonicalEvent['subject']['identifiers'] = [contactIdentifier(portalId, c.id)];
      if (p['email']) identifiers.push({ type: 'email', value: p['email'] });
      if (p['phone']) identifiers.push({ type: 'phone', value: p['phone'] });
      if (p['mobilephone']) identifiers.push({ type: 'phone', value: p['mobilephone'] });
      const traits: Record<string, string> = {};
      if (p['firstname']) traits['firstName'] = p['firstname'];
      if (p['lastname']) traits['lastName'] = p['lastname'];
      if (p['company']) traits['company'] = p['company'];
      const event: CanonicalEvent = {
        id: `hubspot:${portalId}:contact.snapshot:${c.id}:${p['hs_lastmodifieddate'] ?? 'initial'}`,
        source: 'hubspot',
        type: 'contact.snapshot',
        occurredAt: new Date().toISOString(),
        subject: { identifiers, traits },
        properties: { portalId, objectType: 'contact', objectId: c.id, ...(p['lifecyclestage'] ? { lifecyclestage: p['lifecyclestage'] } : {}) },
      };
      await ingestEvent(deps.db, deps.work, job.tenantId, event, undefined, identify);
    }
  };
}
