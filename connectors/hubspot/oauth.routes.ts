/**
 * OAuth install (reference §5): `GET /oauth/hubspot/install` → 302 to HubSpot's authorize URL with a
 * signed, single-use, 10-minute `state`; `GET /oauth/hubspot/callback?code&state` → state checked and
 * consumed, code exchanged, portal read from the token metadata, tokens sealed into `connections`, and
 * the app's property group and properties created by a durable job. A state minted through the API
 * (`POST /api/v1/hubspot/install-links`) binds the portal to that tenant; a marketplace install without
 * one creates a tenant for the portal (or reuses the tenant of an earlier install of it) and shows the
 * new tenant's API key once on the success page (a browser gets HTML, an API client JSON).
 */
import { createHmac } from 'node:crypto';
import { safeEqual } from '../shared/safe-equal';
import { Router } from 'express';
import { z } from 'zod';
import { systemClock, type Clock } from '../../app/shared/clock';
import type { HubSpotApi } from './client/api';
import { HubSpotCallError } from './client/errors';
import {
  createTenant,
  type Database,
  HttpError,
  type Logger,
  newToken,
  notConfigured,
  validationError,
  type WorkQueue,
} from '../../server/platform';
import { installSuccessHtml } from './install-page';
import { insertOAuthState, useOAuthState } from './oauth-states.repository';
import { installationByPortal, type Installations } from './installations';

export const HUBSPOT_INSTALL_JOB = 'hubspot.install';
export const AUTHORIZE_URL = 'https://app.hubspot.com/oauth/authorize';
const STATE_TTL_MS = 10 * 60_000;

export interface OAuthDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly logger: Logger;
  readonly publicUrl: string;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly requiredScopes: readonly string[];
  readonly optionalScopes: readonly string[];
  readonly redirectPath: string;
  readonly installations: Installations;
  readonly api: () => HubSpotApi | undefined;
  /** HubSpot's authorize URL (the sandbox's in tests and the demo). */
  readonly authorizeBase?: string;
  /** When states expire from (default the system clock). */
  readonly clock?: Clock;
}

const stateKey = (secret: string): Buffer => createHmac('sha256', 'baton-hubspot-oauth-state').update(secret).digest();

function signState(secret: string, body: string): string {
  return createHmac('sha256', stateKey(secret)).update(body).digest('base64url');
}

/** Mints a state and stores it (single use). `tenantId` binds the install to an existing tenant. */
export async function mintState(
  deps: Pick<OAuthDeps, 'db' | 'clientSecret' | 'clock'>,
  tenantId: string | undefined,
  nowMs = (deps.clock ?? systemClock).now(),
): Promise<string> {
  if (deps.clientSecret === undefined)
    throw notConfigured('hubspot', 'HubSpot is not configured on this server (set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET)');
  const id = newToken(18);
  const exp = nowMs + STATE_TTL_MS;
  await insertOAuthState(deps.db, id, tenantId, exp);
  const body = `${id}.${exp}.${tenantId ?? '-'}`;
  return `${body}.${signState(deps.clientSecret, body)}`;
}

/** Verifies and consumes a state; returns the tenant it binds (null for a marketplace install). */
export async function consumeState(
  deps: Pick<OAuthDeps, 'db' | 'clientSecret' | 'clock'>,
  state: string,
  nowMs = (deps.clock ?? systemClock).now(),
): Promise<string | null> {
  const parts = state.split('.');
  if (parts.length !== 4 || deps.clientSecret === undefined)
    throw new HttpError(400, 'invalid_state', 'the install link is not valid; start the install again');
  const [id = '', exp = '', tenant = '', sig = ''] = parts;
  if (!safeEqual(signState(deps.clientSecret, `${id}.${exp}.${tenant}`), sig))
    throw new HttpError(400, 'invalid_state', 'the install link is not valid; start the install again');
  if (!(Number(exp) > nowMs)) throw new HttpError(400, 'expired_state', 'the install link expired (10 minutes); start the install again');
  const row = await useOAuthState(deps.db, id);
  if (row === undefined) throw new HttpError(400, 'used_state', 'this install link was already used; start the install again');
  return row.tenantId;
}

export function authorizeUrl(
  deps: Pick<OAuthDeps, 'clientId' | 'publicUrl' | 'redirectPath' | 'requiredScopes' | 'optionalScopes'>,
  state: string,
  authorizeBase = AUTHORIZE_URL,
): string {
  const u = new URL(authorizeBase);
  u.searchParams.set('client_id', deps.clientId ?? '');
  u.searchParams.set('redirect_uri', `${deps.publicUrl}${deps.redirectPath}`);
  u.searchParams.set('scope', deps.requiredScopes.join(' '));
  if (deps.optionalScopes.length > 0) u.searchParams.set('optional_scope', deps.optionalScopes.join(' '));
  u.searchParams.set('state', state);
  return u.toString();
}

const callbackSchema = z.object({ code: z.string().min(1).max(2000), state: z.string().min(1).max(500) });

export function oauthRoutes(deps: OAuthDeps): Router {
  const router = Router();
  router.get('/oauth/hubspot/install', async (_req, res) => {
    if (deps.clientId === undefined)
      throw notConfigured('hubspot', 'HubSpot is not configured on this server (set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET)');
    res.redirect(302, authorizeUrl(deps, await mintState(deps, undefined), deps.authorizeBase));
  });

  router.get('/oauth/hubspot/callback', async (req, res) => {
    const api = deps.api();
    if (api === undefined)
      throw notConfigured('hubspot', 'HubSpot is not configured on this server (set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET)');
    if (typeof req.query['error'] === 'string')
      throw new HttpError(
        400,
        'install_refused',
        `HubSpot did not grant access: ${String(req.query['error_description'] ?? req.query['error']).slice(0, 300)}`,
      );
    const parsed = callbackSchema.safeParse(req.query);
    if (!parsed.success) throw validationError(parsed.error, 'callback query');
    const boundTenant = await consumeState(deps, parsed.data.state);
    let tokens;
    let info;
    try {
      tokens = await api.exchangeCode(parsed.data.code, `${deps.publicUrl}${deps.redirectPath}`);
      // The 2026-03 token answer names the portal and scopes; introspect only when it does not.
      info =
        tokens.hubId !== undefined && tokens.scopes !== undefined
          ? { hubId: tokens.hubId, scopes: [...tokens.scopes] }
          : await api.tokenInfo(tokens.accessToken);
    } catch (err) {
      if (err instanceof HubSpotCallError && err.status < 500)
        throw new HttpError(
          400,
          'code_refused',
          'HubSpot refused the authorization code (expired or already used); start the install again',
        );
      throw err;
    }
    const existing = await installationByPortal(deps.db, info.hubId);
    if (existing !== undefined && boundTenant !== null && existing.tenantId !== boundTenant) {
      throw new HttpError(
        409,
        'portal_taken',
        `HubSpot portal ${info.hubId} is already connected to another Baton tenant; disconnect it there first`,
      );
    }
    const created =
      existing === undefined && boundTenant === null ? await createTenant(deps.db, `HubSpot portal ${info.hubId}`) : undefined;
    const tenantId = existing?.tenantId ?? boundTenant ?? created?.tenantId ?? '';
    const install = await deps.installations.save(tenantId, info.hubId, tokens, info.scopes);
    // A reinstall after HubSpot revoked the tokens (not after an admin's purge) also resumes the runs that parked on it.
    const reconnected = existing !== undefined && existing.status !== 'active' && !existing.purged;
    await deps.work.enqueue({
      tenantId,
      kind: HUBSPOT_INSTALL_JOB,
      payload: { portalId: info.hubId, reconnected },
      dedupeKey: `hubspot-install:${info.hubId}:${(deps.clock ?? systemClock).now()}`,
    });
    deps.logger.info({ tenantId, portalId: info.hubId, newTenant: created !== undefined }, 'HubSpot portal connected');
    // The new tenant's API key exists only in this answer (Baton stores its hash): never cache it.
    res.set({ 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' });
    const apiKey = created?.apiKey;
    if (req.accepts(['json', 'html']) === 'html') {
      res
        .status(200)
        .type('html')
        .send(
          installSuccessHtml({
            portalId: install.portalId,
            tenantId: install.tenantId,
            consoleUrl: `${deps.publicUrl}/console`,
            ...(apiKey === undefined ? {} : { apiKey }),
          }),
        );
      return;
    }
    res.status(200).json({
      connected: true,
      portalId: install.portalId,
      tenantId: install.tenantId,
      newTenant: created !== undefined,
      ...(apiKey === undefined ? {} : { apiKey }),
    });
  });
  return router;
}
