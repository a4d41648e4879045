import { z } from 'zod';

/**
 * The canonical event every source is normalised to (product brief 4.3, `POST /api/v1/events`).
 * Identifier types follow the field names of the `baton resolve` mapping.
 */
export const IDENTIFIER_TYPES = [
  'email',
  'phone',
  'whatsappId',
  'hubspotContactId',
  'salesforceId',
  'zendeskUserId',
  'twilioAddress',
  'externalId',
  'nationalId',
] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

const traitValue = z.union([z.string().max(1000), z.number().finite(), z.boolean(), z.null()]);

export const identifierSchema = z.object({
  type: z.enum(IDENTIFIER_TYPES, { error: `must be one of ${IDENTIFIER_TYPES.join(', ')}` }),
  value: z.string().trim().min(1, 'must not be empty').max(320, 'must be at most 320 characters'),
  /** Scope for ids that are only unique inside an account: HubSpot portal, Salesforce org, Zendesk subdomain. */
  scope: z.string().trim().min(1).max(200).optional(),
});

export const canonicalEventSchema = z.strictObject({
  /** The sender's id for this event; resubmitting the same id stores the event once. */
  id: z.string().trim().min(1).max(200).optional(),
  source: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be a lower-case name such as hubspot, zendesk, twilio or api'),
  type: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, 'must be a dotted lower-case name such as contact.created or message.received')
    .max(100),
  occurredAt: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-11-23T10:00:00Z' }),
  subject: z.strictObject({
    identifiers: z.array(identifierSchema).min(1, 'must name at least one identifier of the person').max(50),
    traits: z.record(z.string().max(100), traitValue).default({}),
  }),
  text: z.string().max(20_000, 'must be at most 20,000 characters').optional(),
  properties: z.record(z.string().max(200), z.unknown()).optional(),
});

export type CanonicalEvent = z.infer<typeof canonicalEventSchema>;
export type Identifier = z.infer<typeof identifierSchema>;
