/**
 * A local HubSpot: the endpoints Baton calls, in HubSpot's documented wire formats (reference
 * /work/shared/reference/hubspot.md §2, §4.4, §5, §6, §7): OAuth authorize, the date-versioned token
 * and introspection endpoints (`/oauth/2026-03/token[/introspect]`, plus the legacy v1 ones), CRM v3
 * objects (get, batch read/update, update, search), v4 association batch reads, properties and groups,
 * tasks and notes with associations, workflow-action callbacks, marketing single-send, sequence
 * enrollment, external-install delete, rate-limit headers with 429s, 5xx and stalls on demand, and
 * signed webhook delivery to Baton. Driven by the real `@hubspot/api-client` with `basePath` pointed here.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { signedHeaders } from '../../../connectors/hubspot/client/signature';
import { registerEmailSandbox } from './email';
import { registerConversations } from './conversations';
import { registerScheduler } from './scheduler';

export interface SandboxObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  associations?: { toObjectType: string; toId: string; associationTypeId: number }[];
}

export interface PortalState {
  readonly portalId: string;
  /** contacts, companies, deals, tickets, tasks, notes */
  readonly objects: Map<string, Map<string, SandboxObject>>;
  readonly propertyGroups: Map<string, Map<string, { name: string; label: string }>>;
  readonly properties: Map<string, Map<string, Record<string, unknown>>>;
  readonly callbacks: Map<string, Record<string, unknown>>;
  readonly singleSends: Map<string, Record<string, unknown>>;
  readonly sequenceEnrollments: Record<string, unknown>[];
  uninstalled: boolean;
}

export interface InjectedResponse {
  status: number;
  /** Waits this long before answering (a stalled HubSpot). */
  delayMs?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Serves this response only to a request whose parsed JSON body matches (e.g. a task for one contact). */
  when?: (body: unknown) => boolean;
}

/** Matches a create request (task, note) associated with the contact `contactId`. */
export const associatedWith =
  (contactId: string) =>
  (body: unknown): boolean =>
    ((body as { associations?: { to?: { id?: unknown } }[] } | null)?.associations ?? []).some((a) => String(a.to?.id) === contactId);

export interface SandboxState {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly portals: Map<string, PortalState>;
  /** Every API request received (method, path without query, the query string, portal of its token). */
  readonly requests: { method: string; path: string; query: string; portalId: string | undefined }[];
  /** Number of refresh_token grants served. */
  refreshCount: number;
  /** Token lifetime handed out, seconds (HubSpot: 1800). */
  accessTokenTtlSeconds: number;
  /** Delay before answering a refresh (to widen race windows in tests). */
  refreshDelayMs: number;
  /** The portal the next authorize consent installs into. */
  nextInstallPortal: string;
  portal(portalId: string): PortalState;
  /** Queues responses for the next matching requests (method + path regex), served before the real handler. */
  inject(method: string, path: RegExp, ...responses: InjectedResponse[]): void;
  /** Makes every refresh token of the portal invalid (uninstall / revoke). */
  revokeRefreshTokens(portalId: string): void;
  /** Expires every access token of the portal now. */
  expireAccessTokens(portalId: string): void;
  createObject(portalId: string, objectType: string, properties: Record<string, string>): SandboxObject;
  /** Requests whose path matches. */
  count(method: string, path: RegExp): number;
  /** Associates two records (HubSpot-defined type id), both directions, as the CRM UI does. */
  associate(
    portalId: string,
    from: { objectType: string; id: string },
    to: { objectType: string; id: string },
    associationTypeId: number,
  ): void;
  /** Bodies of the OAuth token requests received (form fields, client secret removed), in order. */
  readonly tokenRequests: { path: string; form: Record<string, string> }[];
}

export interface WebhookOptions {
  /** Where to deliver when `targetUrl` (the signed, public URL) is not reachable from here, e.g. the service's loopback URL. */
  deliverTo?: string;
  /** Rewrites the signed headers (tests: tamper, age or drop the signature). */
  signatureOf?: (headers: Record<string, string>) => Record<string, string>;
  /** Sends this raw text instead of JSON.stringify(events). */
  rawBody?: string;
}

export interface HubSpotSandbox {
  readonly url: string;
  readonly state: SandboxState;
  /** Signs (v3) and POSTs a webhook batch to `targetUrl`, as HubSpot does; returns the status. */
  sendWebhooks(
    targetUrl: string,
    events: readonly Record<string, unknown>[],
    options?: WebhookOptions,
  ): Promise<{ status: number; body: string }>;
  /** Simulates a user consenting: follows the authorize URL and returns Baton's callback URL with code and state. */
  consent(authorizeUrl: string, portalId?: string): Promise<string>;
  close(): Promise<void>;
}

const OBJECT_TYPES = new Set(['contacts', 'companies', 'deals', 'tickets', 'tasks', 'notes', 'meetings']);
const ALIASES: Record<string, string> = {
  '0-1': 'contacts',
  '0-2': 'companies',
  '0-3': 'deals',
  '0-5': 'tickets',
  contact: 'contacts',
  company: 'companies',
  deal: 'deals',
  ticket: 'tickets',
  task: 'tasks',
  note: 'notes',
  meeting: 'meetings',
  '0-47': 'meetings',
};
const objectPath = (t: string): string => ALIASES[t] ?? t;
const RATE_HEADERS = { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000', 'X-HubSpot-RateLimit-Max': '110' };

export function tenSecondly429(): InjectedResponse {
  return {
    status: 429,
    headers: { ...RATE_HEADERS, 'X-HubSpot-RateLimit-Remaining': '0' },
    body: {
      status: 'error',
      message: 'You have reached your ten_secondly_rolling limit.',
      errorType: 'RATE_LIMIT',
      correlationId: 'c93e06a4-sandbox',
      policyName: 'TEN_SECONDLY_ROLLING',
      groupName: 'publicapi:sandbox',
    },
  };
}

export async function startHubSpotSandbox(
  options: { port?: number; clientId?: string; clientSecret?: string } = {},
): Promise<HubSpotSandbox> {
  const clientId = options.clientId ?? 'sandbox-client-id';
  const clientSecret = options.clientSecret ?? 'sandbox-client-secret';
  const portals = new Map<string, PortalState>();
  const accessTokens = new Map<string, { portalId: string; expiresAt: number; scopes: string[] }>();
  const refreshTokens = new Map<string, string>();
  const codes = new Map<string, { portalId: string; redirectUri: string }>();
  const injected: { method: string; path: RegExp; response: InjectedResponse }[] = [];
  const requests: SandboxState['requests'] = [];
  const tokenRequests: SandboxState['tokenRequests'] = [];
  let seq = 1000;
  const nextId = (): string => String(++seq);

  const portal = (portalId: string): PortalState => {
    let p = portals.get(portalId);
    if (p === undefined) {
      p = {
        portalId,
        objects: new Map([...OBJECT_TYPES].map((t) => [t, new Map()])),
        propertyGroups: new Map(),
        properties: new Map(),
        callbacks: new Map(),
        singleSends: new Map(),
        sequenceEnrollments: [],
        uninstalled: false,
      };
      portals.set(portalId, p);
    }
    return p;
  };

  const createObject = (portalId: string, objectType: string, properties: Record<string, string>): SandboxObject => {
    const now = new Date().toISOString();
    const o: SandboxObject = {
      id: nextId(),
      properties: { ...properties, hs_object_id: null, createdate: now },
      createdAt: now,
      updatedAt: now,
      archived: false,
    };
    o.properties['hs_object_id'] = o.id;
    const store = portal(portalId).objects.get(objectPath(objectType));
    if (store === undefined) throw new Error(`sandbox has no object type ${objectType}`);
    store.set(o.id, o);
    return o;
  };

  const state: SandboxState = {
    clientId,
    clientSecret,
    portals,
    requests,
    refreshCount: 0,
    accessTokenTtlSeconds: 1800,
    refreshDelayMs: 0,
    nextInstallPortal: '62515',
    portal,
    inject(method, path, ...responses) {
      for (const response of responses) injected.push({ method: method.toUpperCase(), path, response });
    },
    revokeRefreshTokens(portalId) {
      for (const [t, p] of refreshTokens) if (p === portalId) refreshTokens.delete(t);
    },
    expireAccessTokens(portalId) {
      for (const [, v] of accessTokens) if (v.portalId === portalId) v.expiresAt = 0;
    },
    createObject,
    count(method, path) {
      return requests.filter((r) => r.method === method.toUpperCase() && path.test(r.path)).length;
    },
    associate(portalId, from, to, associationTypeId) {
      const a = portal(portalId).objects.get(objectPath(from.objectType))?.get(from.id);
      const b = portal(portalId).objects.get(objectPath(to.objectType))?.get(to.id);
      if (a === undefined || b === undefined)
        throw new Error(`sandbox: no ${from.objectType} ${from.id} or ${to.objectType} ${to.id} in portal ${portalId}`);
      (a.associations ??= []).push({ toObjectType: objectPath(to.objectType), toId: to.id, associationTypeId });
      (b.associations ??= []).push({ toObjectType: objectPath(from.objectType), toId: from.id, associationTypeId });
    },
    tokenRequests,
  };

  const GRANTED_SCOPES = ['oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write'];
  /** The 2026-03 answer (v1 callers ignore the extra fields). */
  const issueTokens = (
    portalId: string,
  ): {
    access_token: string;
    refresh_token: string;
    expires_in: number;
    token_type: string;
    hub_id: number;
    user_id: number;
    scopes: string[];
    token_use: string;
  } => {
    const access = `at-${portalId}-${randomBytes(8).toString('hex')}`;
    const refresh = `rt-${portalId}-${randomBytes(8).toString('hex')}`;
    accessTokens.set(access, { portalId, expiresAt: Date.now() + state.accessTokenTtlSeconds * 1000, scopes: GRANTED_SCOPES });
    refreshTokens.set(refresh, portalId);
    return {
      access_token: access,
      refresh_token: refresh,
      expires_in: state.accessTokenTtlSeconds,
      token_type: 'bearer',
      hub_id: Number(portalId),
      user_id: 123,
      scopes: GRANTED_SCOPES,
      token_use: 'access_token',
    };
  };

  const app = express();
  app.use(express.json({ limit: '5mb' }));
  app.use(express.urlencoded({ extended: false }));

  // Authorize: auto-consent into `nextInstallPortal` and redirect with a code.
  app.get('/oauth/authorize', (req, res) => {
    const redirectUri = String(req.query['redirect_uri'] ?? '');
    if (req.query['client_id'] !== clientId || redirectUri === '') {
      res.status(400).send('invalid client_id or redirect_uri');
      return;
    }
    const code = `code-${randomBytes(8).toString('hex')}`;
    const target = String(req.query['portal'] ?? state.nextInstallPortal);
    codes.set(code, { portalId: target, redirectUri });
    portal(target).uninstalled = false;
    const url = new URL(redirectUri);
    url.searchParams.set('code', code);
    if (typeof req.query['state'] === 'string') url.searchParams.set('state', req.query['state']);
    res.redirect(302, url.toString());
  });

  const oauthError = (res: Response, status: number, error: string, description: string, legacy: string): void => {
    res.status(status).json({ error, error_description: description, status: legacy, message: description });
  };

  const tokenHandler = async (req: Request, res: Response): Promise<void> => {
    const body = (req.body ?? {}) as Record<string, string>;
    const { client_secret: _secret, ...form } = body;
    tokenRequests.push({ path: req.path, form });
    if (!req.is('application/x-www-form-urlencoded')) {
      oauthError(res, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded', 'BAD_REQUEST');
      return;
    }
    if (body['client_id'] !== clientId || body['client_secret'] !== clientSecret) {
      oauthError(res, 400, 'invalid_client', 'client_id or client_secret is wrong', 'BAD_CLIENT_ID');
      return;
    }
    if (body['grant_type'] === 'authorization_code') {
      const grant = codes.get(body['code'] ?? '');
      codes.delete(body['code'] ?? '');
      if (grant === undefined || grant.redirectUri !== body['redirect_uri']) {
        oauthError(res, 400, 'invalid_grant', 'missing or unknown auth code', 'BAD_AUTH_CODE');
        return;
      }
      res.json(issueTokens(grant.portalId));
      return;
    }
    if (body['grant_type'] === 'refresh_token') {
      state.refreshCount++;
      if (state.refreshDelayMs > 0) await new Promise((r) => setTimeout(r, state.refreshDelayMs));
      const portalId = refreshTokens.get(body['refresh_token'] ?? '');
      if (portalId === undefined) {
        oauthError(res, 400, 'invalid_grant', 'refresh token is invalid, expired or revoked', 'BAD_REFRESH_TOKEN');
        return;
      }
      const tokens = issueTokens(portalId);
      // HubSpot keeps the refresh token; hand the same one back.
      refreshTokens.delete(tokens.refresh_token);
      res.json({ ...tokens, refresh_token: body['refresh_token'] });
      return;
    }
    oauthError(res, 400, 'unsupported_grant_type', 'unsupported grant_type', 'BAD_GRANT_TYPE');
  };
  app.post('/oauth/v1/token', tokenHandler);
  app.post('/oauth/v3/token', tokenHandler);
  app.post('/oauth/2026-03/token', tokenHandler);

  app.post('/oauth/2026-03/token/introspect', (req, res) => {
    const body = (req.body ?? {}) as Record<string, string>;
    if (body['client_id'] !== clientId || body['client_secret'] !== clientSecret) {
      oauthError(res, 400, 'invalid_client', 'client_id or client_secret is wrong', 'BAD_CLIENT_ID');
      return;
    }
    const t = accessTokens.get(body['token'] ?? '');
    if (t === undefined || t.expiresAt < Date.now()) {
      res.json({ active: false });
      return;
    }
    res.json({
      active: true,
      hub_id: Number(t.portalId),
      app_id: 54321,
      user_id: 123,
      user: 'installer@example.com',
      hub_domain: `portal-${t.portalId}.hubspot.com`,
      scopes: t.scopes,
      expires_in: Math.round((t.expiresAt - Date.now()) / 1000),
      token_type: 'access_token',
      is_private_distribution: false,
    });
  });

  app.get('/oauth/v1/access-tokens/:token', (req, res) => {
    const t = accessTokens.get(req.params.token);
    if (t === undefined || t.expiresAt < Date.now()) {
      res.status(404).json({ status: 'error', message: 'access token not found or expired' });
      return;
    }
    res.json({
      token: req.params.token,
      user: 'installer@example.com',
      hub_domain: `portal-${t.portalId}.hubspot.com`,
      scopes: t.scopes,
      hub_id: Number(t.portalId),
      app_id: 54321,
      expires_in: Math.round((t.expiresAt - Date.now()) / 1000),
      user_id: 123,
      token_type: 'access',
    });
  });

  // Everything below is an authenticated API call: bearer token, injected failures, rate-limit headers.
  app.use((req, res, next) => {
    const auth = req.get('authorization') ?? '';
    const token = /^Bearer (.+)$/.exec(auth)?.[1];
    const t = token === undefined ? undefined : accessTokens.get(token);
    requests.push({ method: req.method, path: req.path, query: new URL(req.originalUrl, 'http://sandbox').search, portalId: t?.portalId });
    const i = injected.findIndex(
      (x) => x.method === req.method && x.path.test(req.path) && (x.response.when === undefined || x.response.when(req.body)),
    );
    if (i >= 0) {
      const [hit] = injected.splice(i, 1);
      if (hit !== undefined) {
        const answer = (): void => {
          if (res.writableEnded || res.destroyed) return;
          res.status(hit.response.status).set(hit.response.headers ?? {});
          if (hit.response.body === undefined) res.end();
          else res.json(hit.response.body);
        };
        if (hit.response.delayMs === undefined) answer();
        else setTimeout(answer, hit.response.delayMs).unref();
        return;
      }
    }
    if (t === undefined || t.expiresAt < Date.now() || portal(t.portalId).uninstalled) {
      res.status(401).json({
        status: 'error',
        message: 'Authentication credentials not found or expired.',
        category: 'EXPIRED_AUTHENTICATION',
        correlationId: 'sandbox',
      });
      return;
    }
    res.locals['portal'] = portal(t.portalId);
    res.set({ ...RATE_HEADERS, 'X-HubSpot-RateLimit-Remaining': '100' });
    next();
  });
  const P = (res: Response): PortalState => res.locals['portal'] as PortalState;
  const store = (res: Response, type: string): Map<string, SandboxObject> | undefined => P(res).objects.get(objectPath(type));
  const view = (o: SandboxObject, props?: readonly string[]): Record<string, unknown> => {
    const properties: Record<string, string | null> = {};
    for (const [k, v] of Object.entries(o.properties))
      if (props === undefined || props.length === 0 || props.includes(k) || k === 'hs_object_id') properties[k] = v;
    return { id: o.id, properties, createdAt: o.createdAt, updatedAt: o.updatedAt, archived: o.archived };
  };
  const notFound = (res: Response, what: string): void => {
    res.status(404).json({ status: 'error', message: `${what} not found`, correlationId: 'sandbox', category: 'OBJECT_NOT_FOUND' });
  };

  registerEmailSandbox(app, state, GRANTED_SCOPES);
  // Properties and groups.
  app.post('/crm/v3/properties/:objectType/groups', (req, res) => {
    const groups = P(res).propertyGroups.get(objectPath(req.params.objectType)) ?? new Map();
    P(res).propertyGroups.set(objectPath(req.params.objectType), groups);
    const b = req.body as { name?: string; label?: string };
    if (typeof b.name !== 'string' || typeof b.label !== 'string') {
      res.status(400).json({ status: 'error', message: 'name and label are required', category: 'VALIDATION_ERROR' });
      return;
    }
    if (groups.has(b.name)) {
      res.status(409).json({ status: 'error', message: `A property group named '${b.name}' already exists.`, category: 'CONFLICT' });
      return;
    }
    groups.set(b.name, { name: b.name, label: b.label });
    res.status(201).json({ name: b.name, label: b.label, displayOrder: -1, archived: false });
  });
  app.post('/crm/v3/properties/:objectType', (req, res) => {
    const type = objectPath(req.params.objectType);
    const props = P(res).properties.get(type) ?? new Map();
    P(res).properties.set(type, props);
    const b = req.body as Record<string, unknown>;
    for (const field of ['name', 'label', 'type', 'fieldType', 'groupName']) {
      if (typeof b[field] !== 'string') {
        res.status(400).json({ status: 'error', message: `${field} is required`, category: 'VALIDATION_ERROR' });
        return;
      }
    }
    if (!P(res).propertyGroups.get(type)?.has(String(b['groupName']))) {
      res.status(400).json({ status: 'error', message: `group ${String(b['groupName'])} does not exist`, category: 'VALIDATION_ERROR' });
      return;
    }
    if (props.has(String(b['name']))) {
      res.status(409).json({ status: 'error', message: `Property ${String(b['name'])} already exists`, category: 'OBJECT_ALREADY_EXISTS' });
      return;
    }
    props.set(String(b['name']), b);
    const now = new Date().toISOString();
    res.status(201).json({
      ...b,
      options: b['options'] ?? [],
      createdAt: now,
      updatedAt: now,
      archived: false,
      hidden: b['hidden'] ?? false,
      formField: false,
      calculated: false,
      externalOptions: false,
      hasUniqueValue: false,
      modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
    });
  });

  const unknownProperties = (res: Response, type: string, properties: Record<string, unknown>): string[] => {
    const custom = P(res).properties.get(objectPath(type));
    return Object.keys(properties).filter((k) => k.startsWith('baton_') && custom?.has(k) !== true);
  };

  // CRM objects: search, batch read/update, single get/update, create (tasks/notes).
  app.post('/crm/v3/objects/:objectType/search', (req, res) => {
    const s = store(res, req.params.objectType);
    if (s === undefined) return notFound(res, `object type ${req.params.objectType}`);
    const b = req.body as {
      filterGroups?: { filters?: { propertyName: string; operator: string; value?: string }[] }[];
      properties?: string[];
      limit?: number;
    };
    const groups = b.filterGroups ?? [];
    const results = [...s.values()].filter(
      (o) =>
        groups.length === 0 ||
        groups.some((g) => (g.filters ?? []).every((f) => f.operator === 'EQ' && o.properties[f.propertyName] === f.value)),
    );
    res.json({ total: results.length, results: results.slice(0, b.limit ?? 10).map((o) => view(o, b.properties)) });
  });
  app.post('/crm/v3/objects/:objectType/batch/read', (req, res) => {
    const s = store(res, req.params.objectType);
    if (s === undefined) return notFound(res, `object type ${req.params.objectType}`);
    const b = req.body as { inputs?: { id: string }[]; properties?: string[] };
    const inputs = b.inputs ?? [];
    if (inputs.length > 100) {
      res.status(400).json({ status: 'error', message: 'Batch operations are limited to 100 records', category: 'VALIDATION_ERROR' });
      return;
    }
    const now = new Date().toISOString();
    const found = inputs.map((i) => s.get(i.id)).filter((o): o is SandboxObject => o !== undefined);
    const missing = inputs.filter((i) => !s.has(i.id));
    const body = {
      status: 'COMPLETE',
      results: found.map((o) => view(o, b.properties)),
      startedAt: now,
      completedAt: now,
      ...(missing.length > 0
        ? {
            numErrors: missing.length,
            errors: [
              {
                status: 'error',
                category: 'OBJECT_NOT_FOUND',
                message: 'Could not get some objects',
                context: { ids: missing.map((m) => m.id) },
              },
            ],
          }
        : {}),
    };
    res.status(missing.length > 0 ? 207 : 200).json(body);
  });
  app.post('/crm/v3/objects/:objectType/batch/update', (req, res) => {
    const s = store(res, req.params.objectType);
    if (s === undefined) return notFound(res, `object type ${req.params.objectType}`);
    const inputs = (req.body as { inputs?: { id: string; properties: Record<string, string> }[] }).inputs ?? [];
    if (inputs.length === 0 || inputs.length > 100) {
      res.status(400).json({ status: 'error', message: 'inputs must hold 1 to 100 records', category: 'VALIDATION_ERROR' });
      return;
    }
    const bad = inputs.flatMap((i) => unknownProperties(res, req.params.objectType, i.properties));
    if (bad.length > 0) {
      res.status(400).json({
        status: 'error',
        message: `Property values were not valid: ${bad.join(', ')} does not exist`,
        category: 'VALIDATION_ERROR',
      });
      return;
    }
    const now = new Date().toISOString();
    const results: Record<string, unknown>[] = [];
    for (const i of inputs) {
      const o = s.get(i.id);
      if (o === undefined) continue;
      Object.assign(o.properties, i.properties);
      o.updatedAt = now;
      results.push(view(o));
    }
    res.status(results.length < inputs.length ? 207 : 200).json({ status: 'COMPLETE', results, startedAt: now, completedAt: now });
  });
  app.get('/crm/v3/objects/:objectType/:id', (req, res) => {
    const o = store(res, req.params.objectType)?.get(req.params.id);
    if (o === undefined) return notFound(res, `object ${req.params.id}`);
    const props = typeof req.query['properties'] === 'string' ? req.query['properties'].split(',') : undefined;
    res.json(view(o, props));
  });
  app.patch('/crm/v3/objects/:objectType/:id', (req, res) => {
    const o = store(res, req.params.objectType)?.get(req.params.id);
    if (o === undefined) return notFound(res, `object ${req.params.id}`);
    const properties = (req.body as { properties?: Record<string, string> }).properties ?? {};
    const bad = unknownProperties(res, req.params.objectType, properties);
    if (bad.length > 0) {
      res.status(400).json({
        status: 'error',
        message: `Property values were not valid: ${bad.join(', ')} does not exist`,
        category: 'VALIDATION_ERROR',
      });
      return;
    }
    Object.assign(o.properties, properties);
    o.updatedAt = new Date().toISOString();
    res.json(view(o));
  });
  app.post('/crm/v3/objects/:objectType', (req, res) => {
    const type = objectPath(req.params.objectType);
    if (!OBJECT_TYPES.has(type)) return notFound(res, `object type ${req.params.objectType}`);
    const b = req.body as {
      properties?: Record<string, string>;
      associations?: { to: { id: string }; types: { associationCategory: string; associationTypeId: number }[] }[];
    };
    const o = createObject(P(res).portalId, type, b.properties ?? {});
    o.associations = (b.associations ?? []).flatMap((a) =>
      a.types.map((t) => ({ toObjectType: 'unknown', toId: a.to.id, associationTypeId: t.associationTypeId })),
    );
    res.status(201).json(view(o));
  });

  // v4 associations, batch read: { inputs: [{ id }] } → { status, results: [{ from: { id }, to: [{ toObjectId, associationTypes }] }] }.
  app.post('/crm/v4/associations/:fromObjectType/:toObjectType/batch/read', (req, res) => {
    const from = store(res, req.params.fromObjectType);
    const toType = objectPath(req.params.toObjectType);
    if (from === undefined || !OBJECT_TYPES.has(toType))
      return notFound(res, `object type ${req.params.fromObjectType} or ${req.params.toObjectType}`);
    const inputs = (req.body as { inputs?: { id: string }[] }).inputs ?? [];
    if (inputs.length === 0 || inputs.length > 1000) {
      res.status(400).json({ status: 'error', message: 'inputs must hold 1 to 1000 ids', category: 'VALIDATION_ERROR' });
      return;
    }
    const now = new Date().toISOString();
    const results = inputs.flatMap((i) => {
      const o = from.get(String(i.id));
      if (o === undefined) return [];
      const to = (o.associations ?? [])
        .filter((a) => a.toObjectType === toType)
        .map((a) => ({
          toObjectId: Number(a.toId),
          associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: a.associationTypeId, label: null }],
        }));
      return to.length === 0 ? [] : [{ from: { id: o.id }, to }];
    });
    res.json({ status: 'COMPLETE', results, startedAt: now, completedAt: now });
  });

  // Workflow-action callbacks (single and batch).
  app.post('/automation/v4/actions/callbacks/complete', (req, res) => {
    for (const input of (req.body as { inputs?: { callbackId: string; outputFields: Record<string, unknown> }[] }).inputs ?? [])
      P(res).callbacks.set(input.callbackId, input.outputFields);
    res.status(204).end();
  });
  app.post('/automation/v4/actions/callbacks/:callbackId/complete', (req, res) => {
    const b = req.body as { outputFields?: Record<string, unknown> };
    if (b.outputFields === undefined) {
      res.status(400).json({ status: 'error', message: 'outputFields is required', category: 'VALIDATION_ERROR' });
      return;
    }
    P(res).callbacks.set(req.params.callbackId, b.outputFields);
    res.status(204).end();
  });

  // Marketing single-send: at most one email per sendId.
  app.post('/marketing/v4/email/single-send', (req, res) => {
    const b = req.body as { emailId?: number; message?: { to?: string; sendId?: string } };
    if (typeof b.emailId !== 'number' || typeof b.message?.to !== 'string') {
      res.status(400).json({ status: 'error', message: 'emailId and message.to are required', category: 'VALIDATION_ERROR' });
      return;
    }
    const sendId = b.message.sendId ?? randomBytes(6).toString('hex');
    const existing = P(res).singleSends.get(sendId);
    if (existing === undefined) P(res).singleSends.set(sendId, b as Record<string, unknown>);
    res.json({
      status: 'PENDING',
      statusId: `status-${sendId}`,
      requestedAt: new Date().toISOString(),
      sendResult: existing === undefined ? 'SENT' : 'IDEMPOTENCY_FAIL',
    });
  });

  app.post('/automation/v4/sequences/enrollments', (req, res) => {
    const b = req.body as { contactId?: string; sequenceId?: string; senderEmail?: string };
    if (typeof req.query['userId'] !== 'string' || b.contactId === undefined || b.sequenceId === undefined || b.senderEmail === undefined) {
      res
        .status(400)
        .json({ status: 'error', message: 'userId, contactId, sequenceId and senderEmail are required', category: 'VALIDATION_ERROR' });
      return;
    }
    if (P(res).sequenceEnrollments.some((e) => e['contactId'] === b.contactId && e['sequenceId'] === b.sequenceId)) {
      res.status(409).json({ status: 'error', message: 'contact is already enrolled in this sequence', category: 'CONFLICT' });
      return;
    }
    const enrollment = { id: nextId(), toEmail: 'contact@example.com', enrolledAt: new Date().toISOString(), ...b };
    P(res).sequenceEnrollments.push(enrollment);
    res.json(enrollment);
  });

  app.delete('/appinstalls/v3/external-install', (_req, res) => {
    P(res).uninstalled = true;
    state.revokeRefreshTokens(P(res).portalId);
    res.status(204).end();
  });

  registerConversations(app);
  registerScheduler(app, state);
  app.use((req, res) => notFound(res, `${req.method} ${req.path}`));

  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, '127.0.0.1', (err?: Error) => (err === undefined ? resolve(s) : reject(err)));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    state,
    async sendWebhooks(targetUrl, events, opts = {}) {
      const body = opts.rawBody ?? JSON.stringify(events);
      let headers: Record<string, string> = {
        'content-type': 'application/json',
        ...signedHeaders({ clientSecret, method: 'POST', uri: targetUrl, body, timestampMs: Date.now() }),
      };
      if (opts.signatureOf !== undefined) headers = { 'content-type': 'application/json', ...opts.signatureOf(headers) };
      return deliver(opts.deliverTo ?? targetUrl, body, headers);
    },
    async consent(authorizeUrl, portalId) {
      const u = new URL(authorizeUrl);
      const local = new URL(`${url}/oauth/authorize${u.search}`);
      if (portalId !== undefined) local.searchParams.set('portal', portalId);
      const r = await fetch(local, { redirect: 'manual' });
      const location = r.headers.get('location');
      if (r.status !== 302 || location === null) throw new Error(`authorize answered ${r.status}`);
      return location;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** POSTs a body as-is (HubSpot signs the exact bytes) to a URL that may be PUBLIC_URL-based. */
async function deliver(targetUrl: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  const r = await fetch(targetUrl, { method: 'POST', headers, body });
  return { status: r.status, body: await r.text() };
}
