/**
 * The Salesforce capability: OAuth install with PKCE, Change Data Capture followed per org with replay
 * ids persisted, Outbound Messages, Apex-facing signed endpoints (LWC card, Flow actions), write-back
 * actions for playbook steps (registered in the runs module's action registry for tenants with an
 * active org) and the Baton fields kept current on Contacts and Leads. Last in server/modules.ts, so its
 * pipeline stage sees what decisioning decided for the event.
 */
import { Router } from 'express';
import { canonicalEventSchema, type CanonicalEvent } from '../../app/events/canonical-event';
import { SalesforceActionPort, type SalesforceApp } from '../../connectors/salesforce';
import { ingestEvent } from '../events/events.repository';
import { IDENTITY_SERVICE } from '../identity/identity.module';
import type { ModuleFactory } from '../module';
import { ACTION_REGISTRY } from '../runs/runs.module';
import { apexRoutes } from './apex.routes';
import { SalesforceInstallations } from './installations';
import { oauthApiRoutes, oauthRoutes } from './oauth.routes';
import { outboundRoutes } from './outbound.routes';
import { asLinked, recordsOfProfile, SqlEffectLedger } from './records';
import { StreamManager } from './streams';
import { WRITEBACK_JOB, writebackHandler, writebackStage } from './writeback';

export const DELIVER_SECRET_JOB = 'salesforce.deliver-secret';
export const CALLBACK_PATH = '/oauth/salesforce/callback';

export interface SalesforceModuleOptions {
  /** Follow change events in this process (default: unless BATON_ROLE=web). */
  readonly streams?: boolean;
  readonly streamPollMs?: number;
  readonly streamLeaseMs?: number;
  readonly streamRestartMs?: number;
  /** Wait after REQUEST_LIMIT_EXCEEDED before the step is tried again (default 60 s). */
  readonly rateLimitRetryMs?: number;
  /** Clock for signature timestamps (tests). */
  readonly now?: () => number;
}

export function salesforceModuleWith(options: SalesforceModuleOptions = {}): ModuleFactory {
  return (ctx) => {
    const { config, db, work, logger, metrics, secrets, services } = ctx;
    const app = (): SalesforceApp | undefined =>
      config.salesforce.clientId === undefined || config.salesforce.clientSecret === undefined
        ? undefined
        : { loginUrl: config.salesforce.loginUrl, clientId: config.salesforce.clientId, clientSecret: config.salesforce.clientSecret, redirectUri: `${config.publicUrl}${CALLBACK_PATH}` };
    const installations = new SalesforceInstallations({ db, secrets, logger, app });
    const rateLimitRetryMs = options.rateLimitRetryMs ?? 60_000;

    /** The same path as POST /api/v1/events: validated, deduplicated, identity resolved, pipeline queued. */
    const ingest = async (tenantId: string, events: readonly CanonicalEvent[]): Promise<void> => {
      const identity = services.get(IDENTITY_SERVICE);
      for (const raw of events) {
        const parsed = canonicalEventSchema.safeParse(raw);
        if (!parsed.success) {
          logger.warn({ tenantId, type: raw.type, issues: parsed.error.issues.slice(0, 3) }, 'skipped a Salesforce record that does not make a valid event');
          metrics.eventsIngested.inc({ source: 'salesforce', outcome: 'invalid' });
          continue;
        }
        const result = await ingestEvent(db, work, tenantId, parsed.data, undefined, identity === undefined ? undefined : (tx, input) => identity.identify(tx, input));
        metrics.eventsIngested.inc({ source: 'salesforce', outcome: result.duplicate ? 'duplicate' : 'stored' });
      }
    };

    const streaming = (options.streams ?? true) && config.role !== 'web';
    const streams = new StreamManager({
      db,
      logger,
      installations,
      ingest,
      leaseMs: options.streamLeaseMs ?? 60_000,
      pollMs: options.streamPollMs ?? 15_000,
      restartMs: options.streamRestartMs ?? 5_000,
    });

    const port = new SalesforceActionPort({
      clientFor: async (tenantId) => {
        const i = await installations.active(tenantId);
        return i === undefined ? null : installations.client(i);
      },
      records: async (tenantId, profileId, orgId) => asLinked(await recordsOfProfile(db, tenantId, orgId, profileId)),
      ledger: new SqlEffectLedger(db),
      rateLimitRetryMs,
    });
    const registry = services.get(ACTION_REGISTRY);
    const handles = async (request: { tenantId: string }): Promise<boolean> => (await installations.active(request.tenantId)) !== undefined;
    for (const kind of ['task', 'crm_update', 'email', 'workflow_enrollment'] as const) registry?.register(kind, port, { handles, name: 'salesforce' });

    const oauthDeps = {
      db,
      secrets,
      logger,
      app,
      installations,
      onInstalled: async (i: { tenantId: string; connectionId: string }) => {
        await work.enqueue({ tenantId: i.tenantId, kind: DELIVER_SECRET_JOB, payload: { connectionId: i.connectionId }, dedupeKey: `salesforce-secret:${i.connectionId}:${Date.now()}` });
        if (streaming) await streams.poke();
      },
    };
    const routes = Router();
    routes.use(oauthRoutes(oauthDeps));
    routes.use(outboundRoutes({ db, logger, installations, ingest }));
    routes.use(apexRoutes({ db, logger, installations, services, ...(options.now === undefined ? {} : { now: options.now }) }));
    const wbDeps = { db, work, logger, services, installations };

    return {
      name: 'salesforce',
      routes,
      api: oauthApiRoutes(oauthDeps),
      stages: [writebackStage(wbDeps)],
      handlers: {
        [WRITEBACK_JOB]: writebackHandler({ ...wbDeps, rateLimitRetryMs }),
        [DELIVER_SECRET_JOB]: async (job) => {
          const i = (await installations.ofTenant(job.tenantId)).find((c) => c.connectionId === job.payload['connectionId']);
          if (i === undefined || i.status !== 'active' || i.secretDelivered) return;
          const secret = await installations.signingSecret(i);
          if (secret === undefined) return;
          // Fails (and is retried with backoff) until the Baton package is installed in the org.
          await (await installations.client(i)).deliverSigningSecret(secret);
          await installations.markSecretDelivered(i);
        },
      },
      async start() {
        if (streaming) streams.start();
      },
      async stop() {
        await streams.stop();
      },
    };
  };
}

export const salesforceModule: ModuleFactory = salesforceModuleWith();
