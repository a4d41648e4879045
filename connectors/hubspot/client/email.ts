/**
 * HubSpot email routes (issue #20): Baton sends by the best route the portal allows, in this order —
 * 1. `transactional`: `POST /marketing/v3/transactional/single-email/send` (scope `transactional-email`,
 *    the Transactional Email add-on);
 * 2. `marketing`: `POST /marketing/v4/email/single-send` (scope `marketing-email`, Marketing Hub
 *    Enterprise; turns the recipient into a marketing contact);
 * 3. `sequence`: `POST /automation/v4/sequences/enrollments?userId=` for the record owner (scope
 *    `automation.sequences.enrollments.write`, a Sales/Service seat);
 * 4. `task`: a task for the record owner carrying the drafted email (always possible).
 * Both single-sends take `{ emailId, message: { to, sendId }, contactProperties, customProperties }`;
 * `sendId` is the idempotency key (HubSpot sends at most one email per sendId). A send Baton made itself
 * is logged on the record as an email engagement (`POST /crm/v3/objects/emails`, association 198).
 */
import { z } from 'zod';
import type { HubSpotApi } from './api';
import { HubSpotCallError } from './errors';

export const EMAIL_ROUTES = ['transactional', 'marketing', 'sequence', 'task'] as const;
export type EmailRoute = (typeof EMAIL_ROUTES)[number];
/** Capabilities that are not routes but change how an email is sent. */
export const EMAIL_FEATURES = ['preferences', 'events'] as const;
export type EmailFeature = (typeof EMAIL_FEATURES)[number];
export type EmailCapability = EmailRoute | EmailFeature;

export interface CapabilityState {
  readonly available: boolean;
  /** Why (e.g. "scope transactional-email not granted", or the 403 HubSpot gave). */
  readonly reason: string;
  /** When this was learned (ISO). */
  readonly at: string;
}
export type EmailCapabilities = Readonly<Record<EmailCapability, CapabilityState>>;

/** HubSpot-defined association type id: email → contact (SDK AssociationTypes.emailToContact). */
export const EMAIL_TO_CONTACT = 198;

export interface SingleSendBody {
  readonly emailId: number;
  readonly message: { readonly to: string; readonly sendId: string };
  readonly contactProperties?: Readonly<Record<string, string>>;
  readonly customProperties?: Readonly<Record<string, string>>;
}

const sendAnswer = z
  .looseObject({ statusId: z.string().optional(), status: z.string().optional(), sendResult: z.string().optional() })
  .optional();
export interface SendStatus {
  readonly statusId: string | null;
  readonly status: string | null;
  readonly sendResult: string | null;
}
const statusOf = (answer: unknown): SendStatus => {
  const parsed = sendAnswer.safeParse(answer);
  const a = parsed.success ? parsed.data : undefined;
  return { statusId: a?.statusId ?? null, status: a?.status ?? null, sendResult: a?.sendResult ?? null };
};

export async function transactionalSend(api: HubSpotApi, portalId: string, body: SingleSendBody): Promise<SendStatus> {
  return statusOf(await api.raw(portalId, { method: 'POST', path: '/marketing/v3/transactional/single-email/send', body }));
}

export async function marketingSend(api: HubSpotApi, portalId: string, body: SingleSendBody): Promise<SendStatus> {
  return statusOf(await api.singleSend(portalId, { ...body, message: { ...body.message } } as Parameters<HubSpotApi['singleSend']>[1]));
}

/** Logs an email Baton sent on the contact's timeline; returns the engagement id. */
export async function logEmail(
  api: HubSpotApi,
  portalId: string,
  contactId: string,
  email: { subject: string; text: string; to: string; at: Date },
): Promise<string> {
  const answer = (await api.raw(portalId, {
    method: 'POST',
    path: '/crm/v3/objects/emails',
    body: {
      properties: {
        hs_timestamp: email.at.toISOString(),
        hs_email_direction: 'EMAIL',
        hs_email_status: 'SENT',
        hs_email_subject: email.subject,
        hs_email_text: email.text,
        hs_email_headers: JSON.stringify({ to: [{ email: email.to }] }),
      },
      associations: [{ to: { id: contactId }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: EMAIL_TO_CONTACT }] }],
    },
  })) as { id?: unknown } | undefined;
  return String(answer?.id ?? '');
}

/**
 * A 403 that says this route is not available to the portal (missing scope, tier or add-on), with a
 * reason a person can act on; undefined for any other error.
 */
export function routeRefusal(err: unknown): string | undefined {
  if (!(err instanceof HubSpotCallError) || err.status !== 403) return undefined;
  const body = (typeof err.body === 'object' && err.body !== null ? err.body : {}) as {
    category?: unknown;
    message?: unknown;
    errors?: { context?: { requiredGranularScopes?: unknown } }[];
  };
  const scopes = (body.errors ?? []).flatMap((e) =>
    Array.isArray(e.context?.requiredGranularScopes) ? (e.context.requiredGranularScopes as unknown[]).map(String) : [],
  );
  const category = typeof body.category === 'string' ? body.category : 'FORBIDDEN';
  const message = typeof body.message === 'string' ? body.message.slice(0, 300) : 'forbidden';
  return `HubSpot answered 403 ${category}${scopes.length > 0 ? ` (needs ${scopes.join(', ')})` : ''}: ${message}`;
}
