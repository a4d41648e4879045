/**
 * The HubSpot capability: OAuth install, signed webhooks into the event log, write-back actions in the
 * run engine's action registry (for tenants with an active installation), Baton properties kept in
 * step with each profile, custom workflow actions, the record-card API and the settings page API. Runs after decisioning and
 * runs in server/modules.ts, so its pipeline stage sees each event's decisions.
 */
import { Router } from 'express';
import { resumeRun, type ActionRequest, type PagePosition } from '../../app/orchestration';
import { HubSpotActionPort, HUBSPOT_ACTION_KINDS, type HubSpotTarget } from './client/action.port';
import { HubSpotApi } from './client/api';
import { classifyHubSpotError } from './client/errors';
import {
  ACTION_REGISTRY,
  CARD_SERVICE,
  DECIDER,
  defineModule,
  HttpError,
  IDENTITY_SERVICE,
  type JobHandler,
  type ModuleFactory,
  OUTCOME_SERVICE,
  type Periodic,
  profileAliases,
  RateLimitedError,
  RUNS_SERVICE,
  type RunsService,
  SqlEffectLedger,
  startPeriodic,
  tenantOf,
} from '../../server/platform';
import { CONTACT_PROPERTIES, ENGAGEMENT_PROPERTIES, HUBSPOT_APP } from './app-definition';
import { cardRoutes } from './cards.routes';
import { EmailCapabilityStore } from './capabilities';
import { emailEventsHandler, HUBSPOT_EMAIL_EVENTS_JOB, schedulePoll, type EngagementDeps } from './engagement';
import { resumeRefusedEmailRuns } from './email-routing';
import {
  activeInstallation,
  activePortals,
  currentInstallation,
  installationByPortal,
  installationsOfTenant,
  Installations,
} from './installations';
import { authorizeUrl, HUBSPOT_INSTALL_JOB, mintState, oauthRoutes } from './oauth.routes';
import { purgeTenantHubSpotData } from './purge';
import { HubSpotRateGate, type RateGateLimits } from './rate-gate';
import { settingsRoutes } from './settings.routes';
import { contactsOfProfile } from './records.repository';
import { HUBSPOT_INBOX_JOB, inboxMessageHandler } from './inbox';
import { HUBSPOT_MEETINGS_JOB, meetingsHandler } from './meetings';
import {
  DEFAULT_UNINSTALL_GRACE_MS,
  DEFAULT_UNINSTALL_PROBE_MS,
  HUBSPOT_UNINSTALL_PURGE_JOB,
  probeUninstalls,
  uninstallPurgeHandler,
} from './uninstall';
import {
  enrichHandler,
  HUBSPOT_ENRICH_JOB,
  HUBSPOT_WEBHOOK_JOB,
  installCache,
  webhookBatchHandler,
  webhookRoutes,
} from './webhooks.routes';
import { HUBSPOT_WORKFLOW_COMPLETE_JOB, workflowActionRoutes, workflowCompleteHandler } from './workflow-actions.routes';
import { HUBSPOT_WRITEBACK_JOB, writebackHandler, writebackStage } from './writeback';
import { eraseHubSpotPersonData, latestInboxThread } from './person-data.repository';

export interface HubSpotModuleOptions {
  /** Per-portal budget (tests shrink it); default HubSpot's marketplace limits with a margin. */
  readonly limits?: RateGateLimits;
  /** Redis key prefix of the shared budget (tests isolate it). */
  readonly rateKeyPrefix?: string;
  /** Where `GET /oauth/hubspot/install` sends the browser (the sandbox in tests and the demo). */
  readonly authorizeUrl?: string;
  /** Deadline of each HubSpot call, ms (default 10 s). */
  readonly timeoutMs?: number;
  /** How often each portal's email events are polled for engagement with Baton's emails, ms (default 5 min). */
  readonly emailEventsIntervalMs?: number;
  /** Time between a detected uninstall and the purge of the portal's data, ms (default 72 h). */
  readonly uninstallGraceMs?: number;
  /** How often every active installation's refresh token is probed for an uninstall, ms (default 6 h). */
  readonly uninstallProbeMs?: number;
}

/** Error codes of steps that stopped because HubSpot access was lost (see connectors/hubspot/client/errors.ts). */
const DISCONNECTED_CODES = new Set(['hubspot.disconnected', 'hubspot.http_401']);

/** Resumes the tenant's runs parked (failed) because HubSpot access was lost; returns how many. */
async function resumeParkedRuns(runs: RunsService, tenantId: string): Promise<number> {
  let resumed = 0;
  let after: PagePosition | undefined;
  for (;;) {
    const page = await runs.deps.runs.list(tenantId, { statuses: ['failed'], limit: 200, ...(after === undefined ? {} : { after }) });
    for (const run of page) {
      if (run.error === null || !DISCONNECTED_CODES.has(run.error.code)) continue;
      if ((await resumeRun(runs.deps, tenantId, run.id)).ok) resumed++;
    }
    const last = page.at(-1);
    if (last === undefined || page.length < 200) return resumed;
    after = { at: last.createdAt, id: last.id };
  }
}

export function hubspotModuleWith(options: HubSpotModuleOptions = {}): ModuleFactory {
  return defineModule({
    name: 'hubspot',
    uses: {
      identity: IDENTITY_SERVICE,
      outcomes: OUTCOME_SERVICE,
      registry: ACTION_REGISTRY,
      runs: RUNS_SERVICE,
      decider: DECIDER,
      cards: CARD_SERVICE,
    },
    build(
      ctx,
      { identity: identityService, outcomes: outcomeService, registry: actionRegistry, runs: runsService, decider, cards: cardService },
    ) {
      const { config } = ctx;
      const { clientId, clientSecret } = config.hubspot;
      const installations = new Installations({ db: ctx.db, secrets: ctx.secrets, logger: ctx.logger });
      const gate = new HubSpotRateGate({
        ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
        ...(options.limits === undefined ? {} : { limits: options.limits }),
        ...(options.rateKeyPrefix === undefined ? {} : { keyPrefix: options.rateKeyPrefix }),
      });
      const api =
        clientId === undefined || clientSecret === undefined
          ? undefined
          : new HubSpotApi({
              basePath: config.hubspot.apiBaseUrl,
              clientId,
              clientSecret,
              tokens: installations,
              gate,
              ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
            });
      installations.api = api;
      const emailCapabilities = new EmailCapabilityStore({ db: ctx.db, logger: ctx.logger });
      const engagement: EngagementDeps = {
        db: ctx.db,
        work: ctx.work,
        logger: ctx.logger,
        api: () => api,
        identity: () => identityService,
        outcomes: () => outcomeService,
        capabilities: emailCapabilities,
        ...(options.emailEventsIntervalMs === undefined ? {} : { intervalMs: options.emailEventsIntervalMs }),
      };
      const getApi = (): HubSpotApi | undefined => api;
      const identity = () => identityService;
      const secret = (): string | undefined => clientSecret;

      /** The profile's latest HubSpot inbox thread in the portal (from its stored inbox messages). */
      const latestThread = async (request: ActionRequest, portalId: string): Promise<string | undefined> => {
        const aliases = await profileAliases(ctx.db, request.tenantId, request.profileId);
        return latestInboxThread(ctx.db, request.tenantId, [request.profileId, ...aliases], portalId);
      };

      if (api !== undefined) {
        const port = new HubSpotActionPort({
          latestThread,
          api,
          ledger: new SqlEffectLedger(ctx.db),
          email: emailCapabilities,
          async target(request: ActionRequest): Promise<HubSpotTarget | { error: string }> {
            const install = await currentInstallation(ctx.db, request.tenantId);
            if (install === undefined) return { error: 'the tenant has no HubSpot connection' };
            const p = request.params;
            if (typeof p['objectType'] === 'string' && typeof p['objectId'] === 'string')
              return { portalId: install.portalId, objectType: p['objectType'], objectId: p['objectId'] };
            // An inbox reply lands in a thread (found by the port), whether or not the person has a contact.
            if (request.kind === 'reply_in_thread')
              return {
                portalId: install.portalId,
                objectType: 'conversation',
                objectId: typeof p['threadId'] === 'string' ? p['threadId'] : '',
              };
            const [contactId] = await contactsOfProfile(ctx.db, request.tenantId, request.profileId, install.portalId);
            if (contactId === undefined)
              return { error: `profile ${request.profileId} has no contact in HubSpot portal ${install.portalId}` };
            return { portalId: install.portalId, objectType: 'contact', objectId: contactId };
          },
        });
        if (actionRegistry === undefined)
          throw new Error('the HubSpot module needs the runs module (its action registry) when HubSpot is configured');
        const registry = actionRegistry;
        // HubSpot acts when the tenant is connected (or was disconnected by HubSpot: the port then answers an
        // auth error and the run stops) AND the action has somewhere to land in this portal: a callback, a
        // record the step names, or a contact of the profile. A tenant with both CRMs thus sends a person's
        // actions to the CRM that actually holds their record, whichever port registered first.
        const handles = async (request: ActionRequest): Promise<boolean> => {
          const install = await currentInstallation(ctx.db, request.tenantId);
          if (install === undefined) return false;
          if (request.kind === 'callback_completion') return true;
          if (request.kind === 'reply_in_thread')
            return request.params['threadId'] !== undefined || (await latestThread(request, install.portalId)) !== undefined;
          const p = request.params;
          if (typeof p['objectType'] === 'string' && typeof p['objectId'] === 'string') return true;
          return (await contactsOfProfile(ctx.db, request.tenantId, request.profileId, install.portalId)).length > 0;
        };
        const available = async (tenantId: string): Promise<boolean> => (await currentInstallation(ctx.db, tenantId)) !== undefined;
        for (const kind of HUBSPOT_ACTION_KINDS) registry.register(kind, port, { handles, available, name: 'HubSpot' });
      }

      const installHandler: JobHandler = async (job) => {
        if (api === undefined) return;
        const portalId = String(job.payload['portalId']);
        try {
          await api.ensureProperties(portalId, 'contacts', HUBSPOT_APP.propertyGroup, CONTACT_PROPERTIES);
          await api.ensureProperties(portalId, 'tasks', HUBSPOT_APP.propertyGroup, ENGAGEMENT_PROPERTIES);
          await api.ensureProperties(portalId, 'notes', HUBSPOT_APP.propertyGroup, ENGAGEMENT_PROPERTIES);
        } catch (err) {
          const failure = classifyHubSpotError(err, 'property setup');
          if (failure.category === 'rate_limited') throw new RateLimitedError(failure.message, failure.retryAfterMs ?? 10_000);
          throw err;
        }
        // What email routes the portal allows, from the scopes this install granted (issue #20).
        const installed = await installationByPortal(ctx.db, portalId);
        if (installed !== undefined) {
          await emailCapabilities.learn(installed.tenantId, portalId, installed.scopes);
          await schedulePoll(engagement, installed.tenantId, portalId);
          const rerouted = runsService === undefined ? 0 : await resumeRefusedEmailRuns(runsService, installed.tenantId);
          if (rerouted > 0)
            ctx.logger.info(
              { tenantId: installed.tenantId, portalId, rerouted },
              'HubSpot email capabilities relearned: resumed the email runs HubSpot had refused',
            );
        }
        if (job.payload['reconnected'] === true && runsService !== undefined) {
          const resumed = await resumeParkedRuns(runsService, job.tenantId);
          if (resumed > 0)
            ctx.logger.info({ tenantId: job.tenantId, portalId, resumed }, 'HubSpot reconnected: resumed the runs it had parked');
        }
      };

      const routes = Router();
      routes.use(
        oauthRoutes({
          db: ctx.db,
          work: ctx.work,
          logger: ctx.logger,
          publicUrl: config.publicUrl,
          clientId,
          clientSecret,
          requiredScopes: HUBSPOT_APP.requiredScopes,
          optionalScopes: HUBSPOT_APP.optionalScopes,
          redirectPath: HUBSPOT_APP.redirectPath,
          installations,
          api: getApi,
          clock: ctx.clock,
          ...(options.authorizeUrl === undefined ? {} : { authorizeBase: options.authorizeUrl }),
        }),
      );
      const webhookDeps = {
        db: ctx.db,
        work: ctx.work,
        metrics: ctx.metrics,
        publicUrl: config.publicUrl,
        clientSecret: secret,
        identity,
        modules: ctx.loadedModules,
        api: getApi,
      };
      const installs = installCache(ctx.db);
      const uninstallDeps = {
        db: ctx.db,
        work: ctx.work,
        logger: ctx.logger,
        installations: api === undefined ? undefined : installations,
        identity,
        graceMs: options.uninstallGraceMs ?? DEFAULT_UNINSTALL_GRACE_MS,
        purged: (portalId: string) => installs.invalidate(portalId),
      };
      let uninstallProbe: Periodic | undefined;
      routes.use(webhookRoutes(webhookDeps, installs));
      const workflowDeps = {
        db: ctx.db,
        work: ctx.work,
        logger: ctx.logger,
        publicUrl: config.publicUrl,
        clientSecret: secret,
        identity,
        decider: () => decider,
        runs: () => runsService,
        api: getApi,
        outcomes: () => outcomeService,
        cards: () => cardService,
        knownActions: HUBSPOT_APP.workflowActionUids,
      };
      routes.use(workflowActionRoutes(workflowDeps));
      routes.use(
        cardRoutes({
          db: ctx.db,
          publicUrl: config.publicUrl,
          clientSecret: secret,
          api: getApi,
          cards: () => cardService,
          identity,
          clock: ctx.clock,
        }),
      );
      routes.use(settingsRoutes({ db: ctx.db, publicUrl: config.publicUrl, clientSecret: secret, runs: () => runsService }));

      const apiRouter = Router();
      apiRouter.post('/hubspot/install-links', async (_req, res) => {
        if (clientId === undefined)
          throw new HttpError(
            404,
            'not_configured',
            'HubSpot is not configured on this server (set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET)',
            { vendor: 'hubspot' },
          );
        const state = await mintState({ db: ctx.db, clientSecret }, tenantOf(res));
        const deps = {
          clientId,
          publicUrl: config.publicUrl,
          redirectPath: HUBSPOT_APP.redirectPath,
          requiredScopes: HUBSPOT_APP.requiredScopes,
          optionalScopes: HUBSPOT_APP.optionalScopes,
        };
        res.status(201).json({ url: authorizeUrl(deps, state, options.authorizeUrl), expiresInSeconds: 600 });
      });
      apiRouter.get('/hubspot/connection', async (_req, res) => {
        const installs = await installationsOfTenant(ctx.db, tenantOf(res));
        res.json({
          connections: await Promise.all(
            installs.map(async (i) => ({
              portalId: i.portalId,
              status: i.status,
              reason: i.statusReason,
              scopes: i.scopes,
              email: await emailCapabilities.capabilities(i.tenantId, i.portalId),
            })),
          ),
          installUrl: `${config.publicUrl}/oauth/hubspot/install`,
        });
      });
      apiRouter.delete('/hubspot/connection', async (_req, res) => {
        const tenantId = tenantOf(res);
        const install = await activeInstallation(ctx.db, tenantId);
        let uninstalled = false;
        if (install !== undefined && api !== undefined) {
          try {
            await api.deleteExternalInstall(install.portalId);
            uninstalled = true;
          } catch (err) {
            const failure = classifyHubSpotError(err, 'external-install delete');
            if (failure.category !== 'auth')
              throw new HttpError(502, 'hubspot_unavailable', `HubSpot did not confirm the uninstall (${failure.message}); try again`);
          }
        }
        const purged = await purgeTenantHubSpotData(ctx.db, identity(), tenantId);
        for (const i of await installationsOfTenant(ctx.db, tenantId)) installs.invalidate(i.portalId);
        res.json({ disconnected: true, uninstalledInHubSpot: uninstalled, purged });
      });

      return {
        module: {
          name: 'hubspot',
          routes,
          api: apiRouter,
          handlers: {
            [HUBSPOT_INSTALL_JOB]: installHandler,
            [HUBSPOT_EMAIL_EVENTS_JOB]: emailEventsHandler(engagement),
            [HUBSPOT_WEBHOOK_JOB]: webhookBatchHandler(webhookDeps),
            [HUBSPOT_UNINSTALL_PURGE_JOB]: uninstallPurgeHandler(uninstallDeps),
            [HUBSPOT_MEETINGS_JOB]: meetingsHandler({
              db: ctx.db,
              work: ctx.work,
              logger: ctx.logger,
              metrics: ctx.metrics,
              api: getApi,
              identity,
            }),
            [HUBSPOT_INBOX_JOB]: inboxMessageHandler({
              db: ctx.db,
              work: ctx.work,
              logger: ctx.logger,
              metrics: ctx.metrics,
              api: getApi,
              identity,
            }),
            [HUBSPOT_ENRICH_JOB]: enrichHandler({ db: ctx.db, work: ctx.work, api: getApi, identity }),
            [HUBSPOT_WRITEBACK_JOB]: writebackHandler({ db: ctx.db, logger: ctx.logger, api: getApi, cards: () => cardService }),
            [HUBSPOT_WORKFLOW_COMPLETE_JOB]: workflowCompleteHandler(workflowDeps),
          },
          erase: (tx, tenantId, profileIds) => eraseHubSpotPersonData(tx, tenantId, profileIds),
          stages: [writebackStage({ db: ctx.db, work: ctx.work, cards: () => cardService, clock: ctx.clock })],
          async start() {
            // The uninstall probe (uninstall.ts): refused refresh tokens become scheduled purges.
            if (api !== undefined) {
              // Engagement polls for portals installed before polling existed (one job per slot, so restarts add none).
              for (const p of await activePortals(ctx.db)) await schedulePoll(engagement, p.tenantId, p.portalId);
            }
            if (api !== undefined)
              uninstallProbe = startPeriodic(
                () => probeUninstalls(uninstallDeps),
                options.uninstallProbeMs ?? DEFAULT_UNINSTALL_PROBE_MS,
                (err) => ctx.logger.warn({ err }, 'HubSpot uninstall probe failed; will try again'),
              );
          },
          async stop() {
            await uninstallProbe?.stop();
            await gate.close();
          },
        },
      };
    },
  });
}

export const hubspotModule: ModuleFactory = hubspotModuleWith();
