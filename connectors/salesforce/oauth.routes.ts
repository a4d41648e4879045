/**
 * OAuth install (product brief 4.3): `GET /oauth/salesforce/install` → 302 to Salesforce's authorize URL
 * with a single-use, 10-minute `state` and a PKCE S256 challenge (the verifier is sealed in
 * `salesforce_oauth_states` so any process can finish the flow); `GET /oauth/salesforce/callback` →
 * state consumed, code exchanged with the verifier, org and user read from the identity URL, tokens and
 * a fresh per-org signing secret sealed into `connections`, the secret handed to the package, and (new or
 * reconnected org) the Outbound Message endpoint URL with its per-org token answered once. A link
 * minted with `POST /api/v1/salesforce/install-links` binds the org to that tenant; an install without
 * one creates a tenant for the org (or reuses the tenant of an earlier install of it).
 */
import { Router } from 'express';
import { z } from 'zod';
import { systemClock, type Clock } from '../../app/shared/clock';
import { beginAuthorization, exchangeCode, type SalesforceApp } from './client';
import {
  createTenant,
  type Database,
  HttpError,
  type Logger,
  newToken,
  notConfigured as notConfiguredError,
  type SecretBox,
  tenantOf,
  validationError,
} from '../../server/platform';
import type { Installation, SalesforceInstallations } from './installations';
import { insertOAuthState, useOAuthState } from './oauth-states.repository';
import { hasOutboundToken, issueOutboundToken, outboundUrl } from './outbound-token.repository';

const STATE_TTL_MS = 10 * 60_000;
const stateAad = (id: string): string => `salesforce_oauth_states:${id}`;

export interface OAuthDeps {
  readonly db: Database;
  readonly secrets: SecretBox;
  readonly logger: Logger;
  readonly app: () => SalesforceApp | undefined;
  readonly installations: SalesforceInstallations;
  /** After an install: deliver the signing secret, start following the org's change events. */
  readonly onInstalled: (i: Installation, signingSecret: string) => Promise<void>;
  /** PUBLIC_URL: the Outbound Message endpoint URL shown at install is built on it. */
  readonly publicUrl: string;
  /** When install states expire from (default the system clock). */
  readonly clock?: Clock;
}

const notConfigured = (): HttpError =>
  notConfiguredError('salesforce', 'Salesforce is not configured on this server (set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET)');

/** Every public (non-API) path of the Salesforce module: OAuth, Outbound Messages, the package's Apex calls. */
const PUBLIC_PATHS = ['/oauth/salesforce', '/webhooks/salesforce', '/salesforce'];

async function mintInstall(deps: OAuthDeps, tenantId: string | null): Promise<string> {
  const app = deps.app();
  if (app === undefined) throw notConfigured();
  const pending = beginAuthorization(app);
  const id = newToken(18);
  const sealed = deps.secrets.seal(pending.codeVerifier, stateAad(id));
  await insertOAuthState(deps.db, { id, tenantId, verifier: sealed, expiresAt: (deps.clock ?? systemClock).now() + STATE_TTL_MS });
  // Our state id replaces the one beginAuthorization generated (it is what we stored).
  const url = new URL(pending.url);
  url.searchParams.set('state', id);
  return url.toString();
}

/** Consumes a state: the tenant it binds (null for a marketplace install) and the PKCE verifier. */
async function consumeState(deps: OAuthDeps, state: string): Promise<{ tenantId: string | null; verifier: string }> {
  const row = await useOAuthState(deps.db, state);
  if (row === undefined)
    throw new HttpError(
      400,
      'invalid_state',
      'this install link is unknown, expired (10 minutes) or already used; start the install again',
    );
  return { tenantId: row.tenantId, verifier: deps.secrets.open(row.verifier, stateAad(state)) };
}

const callbackSchema = z.object({ code: z.string().min(1).max(2000), state: z.string().min(1).max(200) });

/**
 * The module mounts this router first, so its guard answers 404 `not_configured` for every public
 * Salesforce path (also the Outbound Message and Apex endpoints mounted after it) while the app
 * credentials are not set, before any body, signature or query is looked at.
 */
export function oauthRoutes(deps: OAuthDeps): Router {
  const router = Router();
  router.use(PUBLIC_PATHS, (_req, _res, next) => {
    if (deps.app() === undefined) throw notConfigured();
    next();
  });
  router.get('/oauth/salesforce/install', async (_req, res) => {
    res.redirect(302, await mintInstall(deps, null));
  });

  router.get('/oauth/salesforce/callback', async (req, res) => {
    if (typeof req.query['error'] === 'string')
      throw new HttpError(
        400,
        'install_refused',
        `Salesforce did not grant access: ${String(req.query['error_description'] ?? req.query['error']).slice(0, 300)}`,
      );
    const app = deps.app();
    if (app === undefined) throw notConfigured();
    const parsed = callbackSchema.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error, 'callback query');
    const { tenantId: bound, verifier } = await consumeState(deps, parsed.data.state);
    let org;
    try {
      org = await exchangeCode(app, parsed.data.code, verifier);
    } catch (err) {
      deps.logger.info({ err }, 'Salesforce refused the authorization code');
      throw new HttpError(
        400,
        'code_refused',
        'Salesforce refused the authorization code (expired, already used or the PKCE check failed); start the install again',
      );
    }
    const existing = await deps.installations.byOrg(deps.db, org.orgId);
    if (existing !== undefined && bound !== null && existing.tenantId !== bound) {
      throw new HttpError(
        409,
        'org_taken',
        `Salesforce org ${org.orgId} is already connected to another Baton tenant; disconnect it there first`,
      );
    }
    const created = existing === undefined && bound === null ? await createTenant(deps.db, `Salesforce org ${org.orgId}`) : undefined;
    const tenantId = existing?.tenantId ?? bound ?? created?.tenantId ?? '';
    const { installation, signingSecret } = await deps.installations.save(tenantId, org);
    // A new or reconnected org gets its Outbound Message endpoint token, shown once below; a re-consent
    // of an org already active keeps the token its Outbound Messages use (rotate it with the API).
    const keepToken = existing?.status === 'active' && (await hasOutboundToken(deps.db, tenantId, installation.orgId));
    const outboundToken = keepToken ? undefined : await issueOutboundToken(deps.db, tenantId, installation.orgId);
    await deps.onInstalled(installation, signingSecret);
    deps.logger.info({ tenantId, orgId: org.orgId }, 'Salesforce org connected');
    res.status(200).json({
      connected: true,
      orgId: installation.orgId,
      tenantId: installation.tenantId,
      newTenant: created !== undefined,
      // Shown once, to the admin who installed: the key for Baton's API and console.
      ...(created === undefined ? {} : { apiKey: created.apiKey }),
      // Shown once: the endpoint URL to set on the org's Outbound Messages (only its token's hash is kept).
      ...(outboundToken === undefined ? {} : { outboundMessageUrl: outboundUrl(deps.publicUrl, outboundToken) }),
    });
  });
  return router;
}

/** `POST /api/v1/salesforce/install-links` and `GET /api/v1/salesforce/connection` (API-key auth). */
export function oauthApiRoutes(deps: OAuthDeps): Router {
  const router = Router();
  router.post('/salesforce/install-links', async (_req, res) => {
    res.status(201).json({ url: await mintInstall(deps, tenantOf(res)), expiresInSeconds: STATE_TTL_MS / 1000 });
  });
  router.get('/salesforce/connection', async (_req, res) => {
    const all = await deps.installations.ofTenant(tenantOf(res));
    const connections = [];
    for (const i of all) {
      // How the Baton package is installed in the org (null before the first check); problems are in statusReason.
      const pkg = await deps.installations.storedPackage(i);
      connections.push({
        connectionId: i.connectionId,
        orgId: i.orgId,
        status: i.status,
        statusReason: i.statusReason,
        instanceUrl: i.instanceUrl,
        installedAt: i.installedAt,
        packageConfigured: i.secretDelivered,
        package:
          pkg === undefined
            ? null
            : { namespace: pkg.namespace, fieldsReady: pkg.fieldsReady, apexReady: pkg.apexReady, checkedAt: pkg.checkedAt },
      });
    }
    res.json({ connections });
  });
  return router;
}
