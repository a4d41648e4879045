/**
 * HubSpot webhook batches (reference §2.2): validation of the delivery payload and normalisation of
 * each event to a canonical event. Classic (`contact.creation`) and generic (`object.creation` +
 * `objectTypeId`) forms map to the same canonical types.
 */
import { z } from 'zod';
import type { CanonicalEvent, Identifier } from '../../../app/events/canonical-event';

const id = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).transform((v) => String(v));

export const webhookEventSchema = z.looseObject({
  eventId: id,
  subscriptionId: id.optional(),
  portalId: id,
  appId: id.optional(),
  occurredAt: z.number().int().nonnegative(),
  subscriptionType: z.string().min(3).max(100),
  attemptNumber: z.number().int().nonnegative().optional(),
  objectId: id,
  objectTypeId: z.string().max(20).optional(),
  propertyName: z.string().max(200).optional(),
  propertyValue: z.unknown().optional(),
  changeSource: z.string().max(100).optional(),
  sourceId: z.string().max(200).optional(),
  changeFlag: z.string().max(50).optional(),
  primaryObjectId: id.optional(),
  mergedObjectIds: z.array(id).max(100).optional(),
  newObjectId: id.optional(),
  messageId: z.string().max(200).optional(),
  messageType: z.string().max(50).optional(),
});
export type HubSpotWebhookEvent = z.infer<typeof webhookEventSchema>;

/** HubSpot delivers up to 100 events per request. */
export const webhookBatchSchema = z.array(webhookEventSchema).min(1, 'an empty batch').max(100, 'more than 100 events in one batch');

const OBJECT_TYPE_IDS: Readonly<Record<string, string>> = { '0-1': 'contact', '0-2': 'company', '0-3': 'deal', '0-5': 'ticket' };
const KNOWN_OBJECTS = new Set(['contact', 'company', 'deal', 'ticket', 'conversation']);
const ACTIONS: Readonly<Record<string, string>> = {
  creation: 'created',
  propertyChange: 'updated',
  merge: 'merged',
  deletion: 'deleted',
  restore: 'restored',
  associationChange: 'association_changed',
  privacyDeletion: 'privacy_deleted',
  newMessage: 'message_received',
};

export type NormalizedWebhook =
  | { readonly kind: 'event'; readonly event: CanonicalEvent; readonly objectType: string; readonly objectId: string }
  | { readonly kind: 'privacy_deletion'; readonly portalId: string; readonly contactId: string }
  | { readonly kind: 'unsupported'; readonly reason: string };

/** The composite key HubSpot recommends for duplicates (eventId alone is not unique). */
export function dedupeKeyOf(e: HubSpotWebhookEvent): string {
  return ['hubspot', e.portalId, e.subscriptionType, e.objectId, e.propertyName ?? '', e.occurredAt, e.eventId].join(':');
}

/** `hubspotContactId` scoped by portal: contact ids are only unique inside one HubSpot account. */
export const contactIdentifier = (portalId: string, contactId: string): Identifier => ({
  type: 'hubspotContactId',
  value: contactId,
  scope: portalId,
});

/** A non-contact record (company, deal, ticket, thread) as its own external id inside the portal. */
export const recordIdentifier = (portalId: string, objectType: string, objectId: string): Identifier => ({
  type: 'externalId',
  value: `${objectType}-${objectId}`,
  scope: `hubspot-${portalId}`,
});

function objectTypeOf(e: HubSpotWebhookEvent): { objectType: string; action: string } | undefined {
  const dot = e.subscriptionType.indexOf('.');
  if (dot <= 0) return undefined;
  const family = e.subscriptionType.slice(0, dot);
  const action = e.subscriptionType.slice(dot + 1);
  const objectType = family === 'object' ? (e.objectTypeId === undefined ? undefined : OBJECT_TYPE_IDS[e.objectTypeId]) : family;
  if (objectType === undefined || !KNOWN_OBJECTS.has(objectType)) return undefined;
  return { objectType, action };
}

const PERSON_PROPERTIES: Readonly<Record<string, 'email' | 'phone'>> = { email: 'email', phone: 'phone', mobilephone: 'phone' };

/** One HubSpot webhook event → the canonical event Baton stores (or why it is not one). */
export function normalizeWebhookEvent(e: HubSpotWebhookEvent): NormalizedWebhook {
  const kind = objectTypeOf(e);
  if (kind === undefined) return { kind: 'unsupported', reason: `subscription type ${e.subscriptionType}` };
  const canonicalAction = ACTIONS[kind.action];
  if (canonicalAction === undefined) return { kind: 'unsupported', reason: `subscription type ${e.subscriptionType}` };
  if (kind.objectType === 'contact' && kind.action === 'privacyDeletion')
    return { kind: 'privacy_deletion', portalId: e.portalId, contactId: e.objectId };

  const isContact = kind.objectType === 'contact';
  const subjectId = kind.action === 'merge' ? (e.primaryObjectId ?? e.newObjectId ?? e.objectId) : e.objectId;
  const identifiers: Identifier[] = [
    isContact ? contactIdentifier(e.portalId, subjectId) : recordIdentifier(e.portalId, kind.objectType, subjectId),
  ];
  const properties: Record<string, unknown> = {
    portalId: e.portalId,
    objectType: kind.objectType,
    objectId: subjectId,
    subscriptionType: e.subscriptionType,
    hubspotEventId: e.eventId,
    ...(e.changeSource === undefined ? {} : { changeSource: e.changeSource }),
  };
  if (kind.action === 'propertyChange' && e.propertyName !== undefined) {
    properties['propertyName'] = e.propertyName;
    properties['propertyValue'] = typeof e.propertyValue === 'string' || typeof e.propertyValue === 'number' ? e.propertyValue : null;
    const personField = isContact ? PERSON_PROPERTIES[e.propertyName] : undefined;
    if (
      personField !== undefined &&
      typeof e.propertyValue === 'string' &&
      e.propertyValue.trim() !== '' &&
      e.propertyValue !== 'REDACTED'
    ) {
      identifiers.push({ type: personField, value: e.propertyValue.trim().slice(0, 320) });
    }
  }
  if (kind.action === 'merge') {
    const merged = (e.mergedObjectIds ?? []).filter((m) => m !== subjectId);
    properties['mergedFrom'] = merged.map((m) =>
      isContact ? contactIdentifier(e.portalId, m) : recordIdentifier(e.portalId, kind.objectType, m),
    );
  }
  if (e.messageId !== undefined) properties['messageId'] = e.messageId;
  if (e.messageType !== undefined) properties['messageType'] = e.messageType;
  const event: CanonicalEvent = {
    id: dedupeKeyOf(e),
    source: 'hubspot',
    type: `${kind.objectType}.${canonicalAction}`,
    occurredAt: new Date(e.occurredAt).toISOString(),
    subject: { identifiers, traits: {} },
    properties,
  };
  return { kind: 'event', event, objectType: kind.objectType, objectId: subjectId };
}

/** Actions of a company, deal or ticket whose events count for the person associated with the record. */
const ATTACHABLE_ACTIONS = new Set(['created', 'updated', 'restored', 'association_changed']);

/** Whether a normalised event is about a company, deal or ticket that could land on a contact. */
export function needsAssociatedContact(n: NormalizedWebhook): n is Extract<NormalizedWebhook, { kind: 'event' }> {
  if (n.kind !== 'event' || n.objectType === 'contact' || n.objectType === 'conversation') return false;
  return ATTACHABLE_ACTIONS.has(n.event.type.slice(n.event.type.indexOf('.') + 1));
}

/**
 * A company/deal/ticket event re-addressed to the contact associated with the record (read with the
 * v4 associations API), so it lands on that person's profile. The record's own identifier is NOT put
 * beside the contact's: one event naming two identifiers is evidence they are the same person, and a
 * record associated with several contacts over time would merge them all. The record stays in the
 * properties (`objectType`, `objectId`) for everything downstream.
 */
export function attachToContact(
  n: Extract<NormalizedWebhook, { kind: 'event' }>,
  contactId: string,
): Extract<NormalizedWebhook, { kind: 'event' }> {
  const portalId = String(n.event.properties?.['portalId'] ?? '');
  return {
    ...n,
    event: {
      ...n.event,
      subject: { identifiers: [contactIdentifier(portalId, contactId)], traits: {} },
      properties: { ...n.event.properties, associatedContactId: contactId },
    },
  };
}
