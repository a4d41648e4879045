/**
 * The Salesforce capability: OAuth install with PKCE, Change Data Capture followed per org with replay
 * ids persisted, Outbound Messages, Apex-facing signed endpoints (LWC card, Flow actions), write-back
 * actions for playbook steps (registered in the runs module's action registry for tenants with an
 * active org) and the Baton fields kept current on Contacts and Leads. Last in server/modules.ts, so its
 * pipeline stage sees what decisioning decided for the event. Write-back actions are taken only for
 * people this org holds (a Contact or Lead of theirs in the identity graph, or a step naming a Salesforce
 * record), so a tenant with HubSpot too sends each person's actions to the CRM that has them.
 * `DELETE /api/v1/salesforce/connection` revokes the token, stops the stream and purges the org's data.
 */
import { Router } from 'express';
import { z } from 'zod';
import { canonicalEventSchema, type CanonicalEvent } from '../../app/events/canonical-event';
import type { ActionRequest } from '../../app/orchestration';
import {
  objectOfId,
  revokeToken,
  SALESFORCE_ID,
  SalesforceActionPort,
  withPersonFacts,
  within,
  type LinkedRecord,
  type SalesforceApp,
} from './client';
import {
  ACTION_REGISTRY,
  CARD_SERVICE,
  defineModule,
  HttpError,
  IDENTITY_SERVICE,
  ingestEvent,
  type ModuleFactory,
  OUTCOME_SERVICE,
  RetryLaterError,
  RUNS_SERVICE,
  SqlEffectLedger,
  tenantOf,
  validationError,
} from '../../server/platform';
import { apexRoutes } from './apex.routes';
import { SalesforceInstallations, type Installation } from './installations';
import { oauthApiRoutes, oauthRoutes } from './oauth.routes';
import { outboundRoutes } from './outbound.routes';
import { outboundTokenApiRoutes } from './outbound-token.routes';
import { RedisApiUsage } from './api-usage';
import { purgeSalesforceOrg } from './purge';
import { asLinked, personIdsOfProfile, recordsOfProfile } from './records.repository';
import { streamStatusRoutes } from './pubsub-status.routes';
import { settingsApiRoutes } from './settings.routes';
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
  /** Change events requested at a time per entity (≤ 100, default 100), silence that counts as a stall (default 300 s), first re-subscribe wait (default 500 ms). */
  readonly streamBatchSize?: number;
  readonly streamIdleTimeoutMs?: number;
  readonly streamRetryMs?: number;
  /** Records read per query when a change stream fills a gap (default 2000). */
  readonly streamResyncPageSize?: number;
  /** Wait after REQUEST_LIMIT_EXCEEDED before the step is tried again (default 60 s). */
  readonly rateLimitRetryMs?: number;
  /** Clock for signature timestamps (tests). */
  readonly now?: () => number;
  /** Bounds on waiting for Salesforce: stream subscriptions (default 30 s), stopping (5 s), token revocation (10 s). */
  readonly subscribeTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly revokeTimeoutMs?: number;
  /** Bound on one REST call to the org (default 60 s). */
  readonly requestTimeoutMs?: number;
}

const disconnectQuery = z.object({
  connectionId: z.string().min(1).max(100).optional(),
  force: z.enum(['true', 'false']).optional(),
});

/** Salesforce answered the revocation with a 4xx: the token was already invalid (revoked, expired). */
const alreadyInvalid = (err: unknown): boolean => {
  const name = (err as { name?: unknown }).name;
  return typeof name === 'string' && (/^ERROR_HTTP_4\d\d$/.test(name) || /^(invalid_|unsupported_)/.test(name));
};

/** A step naming its Salesforce target itself (record, WhoId, WhatId). */
const namesSalesforceRecord = (params: ActionRequest['params']): boolean =>
  ['recordId', 'whoId', 'whatId'].some((k) => {
    const v = params[k];
    return typeof v === 'string' && SALESFORCE_ID.test(v.trim()) && objectOfId(v.trim()) !== undefined;
  });

export function salesforceModuleWith(options: SalesforceModuleOptions = {}): ModuleFactory {
  return defineModule({
    name: 'salesforce',
    uses: { identity: IDENTITY_SERVICE, registry: ACTION_REGISTRY, cards: CARD_SERVICE, runs: RUNS_SERVICE, outcomes: OUTCOME_SERVICE },
    build(ctx, { identity, registry, cards, runs, outcomes }) {
      const { config, db, work, logger, metrics, secrets } = ctx;
      const app = (): SalesforceApp | undefined =>
        config.salesforce.clientId === undefined || config.salesforce.clientSecret === undefined
          ? undefined
          : {
              loginUrl: config.salesforce.loginUrl,
              clientId: config.salesforce.clientId,
              clientSecret: config.salesforce.clientSecret,
              redirectUri: `${config.publicUrl}${CALLBACK_PATH}`,
            };
      // API usage per org shared by the fleet through Redis (in memory with embedded storage).
      const sharedUsage = config.redisUrl === undefined ? undefined : new RedisApiUsage(config.redisUrl);
      const installations = new SalesforceInstallations({
        db,
        secrets,
        logger,
        app,
        ...(sharedUsage === undefined ? {} : { sharedUsage }),
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
      });
      const rateLimitRetryMs = options.rateLimitRetryMs ?? 60_000;

      /** The same path as POST /api/v1/events: validated, deduplicated, identity resolved, pipeline queued. */
      const ingest = async (tenantId: string, events: readonly CanonicalEvent[]): Promise<void> => {
        // Contact/Lead opt-outs become consent facts and the record's time zone a trait (normalize.ts).
        const settings = await installations.personSettings(tenantId);
        for (const raw of events.flatMap((e) => withPersonFacts(e, settings))) {
          const parsed = canonicalEventSchema.safeParse(raw);
          if (!parsed.success) {
            logger.warn(
              { tenantId, type: raw.type, issues: parsed.error.issues.slice(0, 3) },
              'skipped a Salesforce record that does not make a valid event',
            );
            metrics.eventsIngested.inc({ source: 'salesforce', outcome: 'invalid' });
            continue;
          }
          const result = await ingestEvent(
            db,
            work,
            tenantId,
            parsed.data,
            undefined,
            identity === undefined ? undefined : (tx, input) => identity.identify(tx, input),
          );
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
        pubsubEndpoint: config.salesforce.pubsubEndpoint,
        pubsubTls: config.salesforce.pubsubTls,
        registry: metrics.registry,
        ...(options.streamBatchSize === undefined ? {} : { batchSize: options.streamBatchSize }),
        ...(options.streamIdleTimeoutMs === undefined ? {} : { idleTimeoutMs: options.streamIdleTimeoutMs }),
        ...(options.streamRetryMs === undefined ? {} : { retryInitialMs: options.streamRetryMs }),
        ...(options.streamResyncPageSize === undefined ? {} : { resyncPageSize: options.streamResyncPageSize }),
        ...(options.subscribeTimeoutMs === undefined ? {} : { subscribeTimeoutMs: options.subscribeTimeoutMs }),
        ...(options.stopTimeoutMs === undefined ? {} : { stopTimeoutMs: options.stopTimeoutMs }),
      });

      const port = new SalesforceActionPort({
        clientFor: async (tenantId) => {
          const i = await installations.active(tenantId);
          return i === undefined ? null : installations.client(i);
        },
        records: async (tenantId, profileId, orgId) => {
          // Records seen through this org's events, then Contacts/Leads the identity graph knows for the person.
          const seen = asLinked(await recordsOfProfile(db, tenantId, orgId, profileId));
          const known = new Set(seen.map((r) => r.recordId.slice(0, 15)));
          const people: LinkedRecord[] = (await personIdsOfProfile(db, tenantId, profileId, orgId))
            .filter((id) => !known.has(id.slice(0, 15)))
            .map((id) => ({ recordId: id, objectType: objectOfId(id) ?? 'Contact' }));
          return [...seen, ...people];
        },
        packageFor: (tenantId) => installations.activePackage(tenantId),
        ledger: new SqlEffectLedger(db),
        rateLimitRetryMs,
      });
      // Only for people this org holds: a Contact/Lead id of the org on the profile, or a step that names
      // a Salesforce record. Otherwise the next CRM's port (HubSpot) gets the action.
      const handles = async (request: ActionRequest): Promise<boolean> => {
        const install = await installations.active(request.tenantId);
        if (install === undefined) return false;
        if (namesSalesforceRecord(request.params)) return true;
        return (await personIdsOfProfile(db, request.tenantId, request.profileId, install.orgId)).length > 0;
      };
      const available = async (tenantId: string): Promise<boolean> => (await installations.active(tenantId)) !== undefined;
      for (const kind of ['task', 'crm_update', 'email', 'workflow_enrollment', 'note', 'sequence_enrollment'] as const)
        registry?.register(kind, port, { handles, available, name: 'Salesforce' });

      const oauthDeps = {
        db,
        secrets,
        logger,
        app,
        installations,
        publicUrl: config.publicUrl,
        onInstalled: async (i: Installation) => {
          await work.enqueue({
            tenantId: i.tenantId,
            kind: DELIVER_SECRET_JOB,
            payload: { connectionId: i.connectionId },
            dedupeKey: `salesforce-secret:${i.connectionId}:${ctx.clock.now()}`,
          });
          // Not awaited: the admin's callback answers at once, even when the org's instance does not.
          if (streaming)
            void streams
              .poke()
              .catch((err: unknown) =>
                logger.warn({ err, orgId: i.orgId }, 'could not start following the new org yet; the supervisor retries'),
              );
        },
      };
      const routes = Router();
      routes.use(oauthRoutes(oauthDeps));
      routes.use(outboundRoutes({ db, logger, installations, ingest, publicUrl: config.publicUrl }));
      routes.use(
        apexRoutes({ db, logger, installations, cards, runs, outcomes, ...(options.now === undefined ? {} : { now: options.now }) }),
      );
      const wbDeps = { db, work, logger, cards, installations };

      const api = oauthApiRoutes(oauthDeps);
      api.use(outboundTokenApiRoutes({ db, logger, installations, publicUrl: config.publicUrl }));
      api.use(settingsApiRoutes({ logger, installations }));
      api.use(streamStatusRoutes({ db, installations, streams }));
      api.delete('/salesforce/connection', async (req, res) => {
        const parsed = disconnectQuery.safeParse(req.query);
        if (!parsed.success) throw validationError(parsed.error, 'query');
        const tenantId = tenantOf(res);
        const all = await installations.ofTenant(tenantId);
        const install =
          parsed.data.connectionId === undefined
            ? (all.find((i) => i.status === 'active') ?? all.at(-1))
            : all.find((i) => i.connectionId === parsed.data.connectionId);
        if (install === undefined) throw new HttpError(404, 'not_found', 'this tenant has no Salesforce connection');
        // 1. Revoke at Salesforce (the refresh token: its access tokens go with it), bounded in time.
        let revoked = false;
        const tokens = await installations.tokens(install);
        const sfApp = app();
        if (tokens !== undefined && sfApp !== undefined) {
          try {
            const answered = await within(
              revokeToken(sfApp, tokens.refreshToken).then(() => true),
              options.revokeTimeoutMs ?? 10_000,
              false,
            );
            if (!answered) throw new Error('Salesforce did not answer the revocation in time');
            revoked = true;
          } catch (err) {
            if (alreadyInvalid(err)) revoked = true;
            else if (parsed.data.force !== 'true') {
              logger.warn({ err, orgId: install.orgId }, 'Salesforce token revocation failed');
              throw new HttpError(
                502,
                'salesforce_unavailable',
                `Salesforce did not confirm the revocation (${(err as Error).message}); try again, or pass force=true to disconnect without it`,
              );
            }
          }
        }
        // 2. Stop following the org here (other processes stop at their next supervision round).
        await streams.stopConnection(install.connectionId);
        installations.forget(install.connectionId);
        // 3. Purge the org's data and mark the connection disconnected.
        const purged = await purgeSalesforceOrg(db, identity, install, 'disconnected by an admin; Salesforce data purged');
        await sharedUsage?.forget(install.orgId).catch(() => undefined);
        logger.info({ tenantId, orgId: install.orgId, revoked, ...purged }, 'Salesforce org disconnected and purged');
        res.json({ disconnected: true, connectionId: install.connectionId, orgId: install.orgId, revoked, purged });
      });

      return {
        module: {
          name: 'salesforce',
          routes,
          api,
          stages: [writebackStage(wbDeps)],
          handlers: {
            [WRITEBACK_JOB]: writebackHandler({ ...wbDeps, rateLimitRetryMs }),
            [DELIVER_SECRET_JOB]: async (job) => {
              const i = (await installations.ofTenant(job.tenantId)).find((c) => c.connectionId === job.payload['connectionId']);
              if (i === undefined || i.status !== 'active' || i.secretDelivered) return;
              const secret = await installations.signingSecret(i);
              if (secret === undefined) return;
              // At every install and reconnect: how the package is installed (namespace, fields, Apex REST),
              // stored for the org; what is missing shows as the connection's statusReason.
              const pkg = await installations.discoverPackage(i);
              // Retried with backoff until the Baton package is installed in the org.
              if (!pkg.apexReady || pkg.namespace === null)
                throw new RetryLaterError(pkg.problem ?? 'the Baton package is not installed in this org', 60_000);
              await (await installations.client(i)).deliverSigningSecret(secret, pkg.namespace);
              await installations.markSecretDelivered(i);
            },
          },
          async start() {
            if (streaming) streams.start();
          },
          async stop() {
            await streams.stop();
            await sharedUsage?.close();
          },
        },
      };
    },
  });
}

export const salesforceModule: ModuleFactory = salesforceModuleWith();
