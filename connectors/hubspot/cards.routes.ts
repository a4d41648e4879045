/**
 * Card API for the HubSpot record card (`hubspot.fetch`, signed v3 by HubSpot):
 * - `GET /hubspot/cards/record?objectTypeId&objectId` → CardView;
 * - `POST /hubspot/cards/actions` (a CardActionRequest) → `{ message, card }`.
 * The portal is the one HubSpot appends to the signed URL (`portalId`, exactly once: a card that adds
 * its own is refused), it must be an active installation, and the record must exist in that portal
 * (checked with the portal's own token, cached), so a signed request can never read another portal's
 * record. Records map to profiles through the identity graph (a company, deal or ticket without a
 * profile of its own shows its associated contact's); the card itself comes from CARD_SERVICE.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { cardActionRequestSchema, emptyCard } from '../../app/cards/card-view';
import type { HubSpotApi } from './client/api';
import { HubSpotCallError } from './client/errors';
import { type CardService, type Database, HttpError, type IdentityService, notConfigured, validationError } from '../../server/platform';
import { installationByPortal, type Installation } from './installations';
import { objectTypeName, profileOfRecord } from './records.repository';
import { jsonBody, rawBody, requireSignature } from './signed';
import { systemClock, type Clock } from '../../app/shared/clock';

export interface CardRoutesDeps {
  readonly db: Database;
  readonly publicUrl: string;
  readonly clientSecret: () => string | undefined;
  readonly api: () => HubSpotApi | undefined;
  readonly cards: () => CardService | undefined;
  readonly identity: () => IdentityService | undefined;
  /** Time of the record-check cache and of empty cards (default the system clock). */
  readonly clock?: Clock;
}

const recordQuery = z.object({
  objectTypeId: z.string().trim().min(1).max(40),
  objectId: z
    .string()
    .trim()
    .regex(/^\d{1,20}$/, 'must be a HubSpot record id'),
});

/**
 * The portal HubSpot put in the signed query; refused when absent, repeated or not installed, and
 * unless `allowInactive` (the settings page shows a revoked connection) when not active.
 */
export async function signedPortal(db: Database, req: Request, options: { allowInactive?: boolean } = {}): Promise<Installation> {
  const params = new URL(req.originalUrl, 'http://x').searchParams.getAll('portalId');
  if (params.length !== 1 || !/^\d{1,20}$/.test(params[0] ?? '')) {
    throw new HttpError(
      400,
      'invalid_portal',
      params.length > 1 ? 'portalId appears more than once; only HubSpot may add it' : 'the request carries no portalId from HubSpot',
    );
  }
  const install = await installationByPortal(db, params[0] ?? '');
  if (install === undefined) throw new HttpError(403, 'not_installed', `Baton is not installed in HubSpot portal ${params[0] ?? ''}`);
  if (install.purged)
    throw new HttpError(403, 'disconnected', `Baton was disconnected from this portal and its HubSpot data purged; reinstall the app`);
  if (install.status !== 'active' && options.allowInactive !== true)
    throw new HttpError(
      403,
      'disconnected',
      `Baton's connection to this portal is ${install.status}: ${install.statusReason ?? 'reinstall the app'}`,
    );
  return install;
}

export function cardRoutes(deps: CardRoutesDeps): Router {
  const clock = deps.clock ?? systemClock;
  const router = Router();
  const signed = requireSignature({ publicUrl: deps.publicUrl, clientSecret: deps.clientSecret });
  const seen = new Map<string, number>();
  const SEEN_MS = 10 * 60_000;

  async function assertRecordInPortal(install: Installation, objectType: string, objectId: string): Promise<void> {
    const key = `${install.portalId}:${objectType}:${objectId}`;
    const until = seen.get(key);
    if (until !== undefined && until > clock.now()) return;
    const api = deps.api();
    if (api === undefined)
      throw notConfigured('hubspot', 'HubSpot is not configured on this server (set HUBSPOT_CLIENT_ID and HUBSPOT_CLIENT_SECRET)');
    let found: readonly { id: string }[];
    try {
      found = await api.batchRead(install.portalId, objectType, [objectId], ['hs_object_id']);
    } catch (err) {
      if (err instanceof HubSpotCallError && err.status === 404) found = [];
      else throw err;
    }
    if (!found.some((o) => o.id === objectId))
      throw new HttpError(404, 'record_not_in_portal', `no ${objectType} ${objectId} in HubSpot portal ${install.portalId}`);
    if (seen.size > 50_000) seen.clear();
    seen.set(key, clock.now() + SEEN_MS);
  }

  /** A company, deal or ticket shows the person its events landed on: its (lowest) associated contact. */
  async function profileOfAssociatedContact(
    install: Installation,
    identity: IdentityService,
    objectType: string,
    objectId: string,
  ): Promise<string | undefined> {
    const api = deps.api();
    if (api === undefined) return undefined;
    const contactId = (await api.associatedContacts(install.portalId, objectType, [objectId])).get(objectId)?.[0];
    return contactId === undefined
      ? undefined
      : profileOfRecord(deps.db, identity, install.tenantId, install.portalId, 'contact', contactId);
  }

  function services(): { cards: CardService; identity: IdentityService } {
    const cards = deps.cards();
    const identity = deps.identity();
    if (cards === undefined || identity === undefined)
      throw new HttpError(503, 'cards_unavailable', 'the card service is not running on this server');
    return { cards, identity };
  }

  router.get('/hubspot/cards/record', signed, async (req, res) => {
    const q = recordQuery.safeParse(req.query);
    if (!q.success) throw validationError(q.error, 'query');
    const objectType = objectTypeName(q.data.objectTypeId);
    if (objectType === undefined)
      throw new HttpError(
        400,
        'unsupported_object',
        `Baton cards support contacts, companies, deals and tickets, not ${q.data.objectTypeId}`,
      );
    const install = await signedPortal(deps.db, req);
    const { cards, identity } = services();
    await assertRecordInPortal(install, objectType, q.data.objectId);
    const profileId =
      (await profileOfRecord(deps.db, identity, install.tenantId, install.portalId, objectType, q.data.objectId)) ??
      (objectType === 'contact' ? undefined : await profileOfAssociatedContact(install, identity, objectType, q.data.objectId));
    res.json(profileId === undefined ? emptyCard(new Date(clock.now())) : await cards.view(install.tenantId, profileId));
  });

  router.post('/hubspot/cards/actions', rawBody, signed, async (req, res) => {
    const install = await signedPortal(deps.db, req);
    const parsed = cardActionRequestSchema.safeParse(jsonBody(req));
    if (!parsed.success) throw validationError(parsed.error, 'card action');
    const { cards } = services();
    const userId = new URL(req.originalUrl, 'http://x').searchParams.get('userId') ?? undefined;
    // Tenant-scoped: a profile of another tenant is "not found" to act().
    const result = await cards.act(install.tenantId, parsed.data, {
      source: 'hubspot',
      ...(userId === null || userId === undefined ? {} : { userId }),
    });
    res.json(result);
  });
  return router;
}
