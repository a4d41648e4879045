/**
 * The email side of the local HubSpot (issue #20), per portal: which email products the portal has
 * (the Transactional Email add-on, Marketing Hub Enterprise), the transactional single-send
 * (`POST /marketing/v3/transactional/single-email/send`, 403 MISSING_SCOPES without the add-on), a 403
 * in front of the marketing single-send for portals without Enterprise, contacts' subscription statuses
 * (`GET /communication-preferences/v3/status/email/{emailAddress}`), owners (`GET /crm/v3/owners/{id}`)
 * logged email engagements (`POST /crm/v3/objects/emails`) and the email events log
 * (`GET /email/public/v1/events`: startTimestamp/endTimestamp inclusive, oldest first, `offset` paging). Registered by index.ts after its
 * authentication middleware, which puts the caller's portal in `res.locals.portal`.
 */
import { randomBytes } from 'node:crypto';
import type { Express, Response } from 'express';
import type { PortalState, SandboxState } from './index';

export interface SubscriptionStatusView {
  id: string;
  name: string;
  description: string;
  status: 'SUBSCRIBED' | 'NOT_SUBSCRIBED';
  sourceOfStatus: 'PORTAL_WIDE_STATUS' | 'BRAND_WIDE_STATUS' | 'SUBSCRIPTION_STATUS';
}

export interface PortalEmailState {
  /** The Transactional Email add-on (default off). */
  transactionalAddOn: boolean;
  /** Marketing Hub Enterprise (default on: the marketing single-send works). */
  marketingEnterprise: boolean;
  readonly transactionalSends: Map<string, Record<string, unknown>>;
  /** Subscription statuses by lower-cased address; unknown addresses are subscribed to the default type. */
  readonly subscriptions: Map<string, SubscriptionStatusView[]>;
  readonly owners: Map<string, { id: string; email: string; userId: number | null; firstName: string; lastName: string }>;
  readonly loggedEmails: { id: string; properties: Record<string, string>; associations: unknown }[];
  /** The portal's email events (tests add OPEN/CLICK/BOUNCE/STATUSCHANGE… with `created` in ms). */
  readonly emailEvents: ({ id: string; created: number; type: string; recipient: string } & Record<string, unknown>)[];
}

/** Scopes every sandbox install grants on top of the CRM ones (an Enterprise portal without the add-on). */
export const DEFAULT_EMAIL_SCOPES = [
  'marketing-email',
  'communication_preferences.read',
  'content',
  'automation.sequences.enrollments.write',
  'crm.objects.owners.read',
];

const emailStates = new WeakMap<SandboxState, { portals: Map<string, PortalEmailState>; granted: string[] }>();

const stateOf = (state: SandboxState): { portals: Map<string, PortalEmailState>; granted: string[] } => {
  const s = emailStates.get(state);
  if (s === undefined) throw new Error('the email sandbox is not registered on this HubSpot sandbox');
  return s;
};

/** The email state of a portal in a running sandbox. */
export function emailPortal(state: SandboxState, portalId: string): PortalEmailState {
  const portals = stateOf(state).portals;
  let p = portals.get(portalId);
  if (p === undefined) {
    p = {
      transactionalAddOn: false,
      marketingEnterprise: true,
      transactionalSends: new Map(),
      subscriptions: new Map(),
      owners: new Map(),
      loggedEmails: [],
      emailEvents: [],
    };
    portals.set(portalId, p);
  }
  return p;
}

/** Sets the scopes the NEXT installs grant, beyond the CRM ones (a reinstall picks them up). */
export function grantEmailScopes(state: SandboxState, scopes: readonly string[]): void {
  const granted = stateOf(state).granted;
  for (const s of [...DEFAULT_EMAIL_SCOPES, 'transactional-email']) {
    const i = granted.indexOf(s);
    if (i >= 0) granted.splice(i, 1);
  }
  granted.push(...scopes);
}

const missingScopes = (res: Response, scope: string): void => {
  res.status(403).json({
    status: 'error',
    message:
      "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
    correlationId: 'sandbox',
    errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [scope] } }],
    links: { scopes: 'https://developers.hubspot.com/scopes' },
    category: 'MISSING_SCOPES',
  });
};

/** `grantedScopes` is the array the sandbox's token answers hand out; the email scopes are added to it. */
export function registerEmailSandbox(app: Express, state: SandboxState, grantedScopes: string[]): void {
  grantedScopes.push(...DEFAULT_EMAIL_SCOPES.filter((s) => !grantedScopes.includes(s)));
  emailStates.set(state, { portals: new Map(), granted: grantedScopes });
  const portalOf = (res: Response): PortalEmailState => emailPortal(state, (res.locals['portal'] as PortalState).portalId);

  app.post('/marketing/v3/transactional/single-email/send', (req, res) => {
    const p = portalOf(res);
    if (!p.transactionalAddOn) return missingScopes(res, 'transactional-email');
    const b = req.body as { emailId?: unknown; message?: { to?: unknown; sendId?: unknown } };
    if (typeof b.emailId !== 'number' || typeof b.message?.to !== 'string') {
      res.status(400).json({ status: 'error', message: 'emailId and message.to are required', category: 'VALIDATION_ERROR' });
      return;
    }
    const sendId = typeof b.message.sendId === 'string' ? b.message.sendId : randomBytes(6).toString('hex');
    const first = !p.transactionalSends.has(sendId);
    if (first) p.transactionalSends.set(sendId, b as Record<string, unknown>);
    res.json({
      status: 'PENDING',
      statusId: `tx-${sendId}`,
      requestedAt: new Date().toISOString(),
      sendResult: first ? 'SENT' : 'IDEMPOTENT_IGNORE',
    });
  });

  // Marketing single-send needs Marketing Hub Enterprise; the send itself is index.ts's handler.
  app.post('/marketing/v4/email/single-send', (_req, res, next) => {
    if (portalOf(res).marketingEnterprise) return next();
    res.status(403).json({
      status: 'error',
      message: 'The single send API requires a Marketing Hub Enterprise subscription.',
      correlationId: 'sandbox',
      category: 'FORBIDDEN',
    });
  });

  app.get('/communication-preferences/v3/status/email/:emailAddress', (req, res) => {
    const statuses = portalOf(res).subscriptions.get(req.params.emailAddress.toLowerCase()) ?? [
      {
        id: '1',
        name: 'Marketing Information',
        description: 'Marketing offers and updates.',
        status: 'SUBSCRIBED',
        sourceOfStatus: 'SUBSCRIPTION_STATUS',
      },
    ];
    res.json({ recipient: req.params.emailAddress, subscriptionStatuses: statuses });
  });

  app.get('/crm/v3/owners/:ownerId', (req, res) => {
    const o = portalOf(res).owners.get(req.params.ownerId);
    if (o === undefined) {
      res.status(404).json({ status: 'error', message: `owner ${req.params.ownerId} not found`, category: 'OBJECT_NOT_FOUND' });
      return;
    }
    res.json({ ...o, archived: false, createdAt: new Date(0).toISOString(), updatedAt: new Date(0).toISOString() });
  });

  app.get('/email/public/v1/events', (req, res) => {
    const start = Number(req.query['startTimestamp'] ?? 0);
    const end = Number(req.query['endTimestamp'] ?? Number.MAX_SAFE_INTEGER);
    const limit = Math.min(Number(req.query['limit'] ?? 100), 1000);
    const from = Number(req.query['offset'] ?? 0);
    if (!Number.isFinite(start) || !Number.isFinite(end) || !Number.isInteger(from) || from < 0) {
      res
        .status(400)
        .json({ status: 'error', message: 'startTimestamp, endTimestamp and offset must be numbers', category: 'VALIDATION_ERROR' });
      return;
    }
    const all = portalOf(res)
      .emailEvents.filter((e) => e.created >= start && e.created <= end)
      .sort((a, b) => a.created - b.created);
    const events = all
      .slice(from, from + limit)
      .map((e) => ({ portalId: Number((res.locals['portal'] as PortalState).portalId), appId: 0, appName: 'Batch', ...e }));
    const hasMore = from + limit < all.length;
    res.json({ events, hasMore, offset: String(from + events.length) });
  });

  app.post('/crm/v3/objects/emails', (req, res) => {
    const b = req.body as { properties?: Record<string, string>; associations?: unknown };
    if (typeof b.properties?.['hs_timestamp'] !== 'string') {
      res.status(400).json({ status: 'error', message: 'hs_timestamp is required', category: 'VALIDATION_ERROR' });
      return;
    }
    const id = String(900_000 + portalOf(res).loggedEmails.length + 1);
    portalOf(res).loggedEmails.push({ id, properties: b.properties, associations: b.associations });
    const now = new Date().toISOString();
    res.status(201).json({ id, properties: b.properties, createdAt: now, updatedAt: now, archived: false });
  });
}
