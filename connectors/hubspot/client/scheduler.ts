/**
 * HubSpot meetings: the scheduler meeting links API (scheduling pages per user, `GET
 * /scheduler/v3/meetings/meeting-links`, and direct booking, `POST
 * /scheduler/v3/meetings/meeting-links/book` with slug, the guest's name and e-mail, startTime,
 * duration in milliseconds and time zone), and the CRM meetings object (objectTypeId `0-47`) that a
 * booking or a rep creates, read with its contact associations (v4 batch read) so a meeting becomes a
 * `meeting.booked` outcome on the person.
 */
import { z } from 'zod';
import type { CanonicalEvent } from '../../../app/events/canonical-event';
import type { HubSpotApi } from './api';
import { HubSpotCallError } from './errors';
import { contactIdentifier } from './webhook';

/** The CRM meetings object type id (generic webhooks carry it as `objectTypeId`). */
export const MEETING_OBJECT_TYPE_ID = '0-47';
export const MEETING_PROPERTIES = [
  'hs_meeting_title',
  'hs_meeting_start_time',
  'hs_meeting_end_time',
  'hs_meeting_outcome',
  'hs_timestamp',
  'hubspot_owner_id',
];

const opt = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);
const idString = z.union([z.string(), z.number()]).transform(String);

export const meetingLinkSchema = z.looseObject({
  id: idString,
  slug: z.string().min(1),
  link: z.string().min(1),
  name: opt(z.string()),
  type: opt(z.string()),
  organizerUserId: opt(idString),
  defaultLink: opt(z.boolean()),
});
export type MeetingLink = z.infer<typeof meetingLinkSchema>;
const linksPage = z.looseObject({ results: z.array(z.unknown()).default([]) });

export const bookingSchema = z.looseObject({
  start: z.string(),
  end: opt(z.string()),
  duration: opt(z.number()),
  contactId: opt(idString),
  calendarEventId: opt(z.string()),
  subject: opt(z.string()),
  webConferenceUrl: opt(z.string()),
});
export type Booking = z.infer<typeof bookingSchema>;

const crmObject = z.looseObject({ id: idString, properties: z.record(z.string(), z.string().nullable()).default({}) });
const searchAnswer = z.looseObject({ results: z.array(crmObject).default([]) });
const associationAnswer = z.looseObject({
  results: z
    .array(z.looseObject({ from: z.looseObject({ id: idString }), to: z.array(z.looseObject({ toObjectId: idString })).default([]) }))
    .default([]),
});

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new HubSpotCallError(
      502,
      { message: `unexpected ${what} answer: ${r.error.issues[0]?.message ?? 'invalid'}` },
      {},
      `unexpected ${what} answer`,
    );
  return r.data;
}

/** The organiser's link to offer: their default scheduling page, else their first personal one, else their first. */
export function pickLink(links: readonly MeetingLink[], organizerUserId?: string): MeetingLink | undefined {
  const own = organizerUserId === undefined ? links : links.filter((l) => l.organizerUserId === organizerUserId);
  return own.find((l) => l.defaultLink === true) ?? own.find((l) => l.type === 'PERSONAL_LINK') ?? own[0];
}

export interface BookInput {
  readonly slug: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly startTime: string;
  readonly durationMs: number;
  readonly timezone: string;
  readonly locale?: string;
}

export class HubSpotScheduler {
  constructor(private readonly api: HubSpotApi) {}

  /** Scheduling pages, optionally of one organiser (HubSpot user id). */
  async meetingLinks(portalId: string, organizerUserId?: string): Promise<MeetingLink[]> {
    const page = parsed(
      linksPage,
      await this.api.request(portalId, {
        method: 'GET',
        path: '/scheduler/v3/meetings/meeting-links',
        qs: { limit: '100', ...(organizerUserId === undefined ? {} : { organizerUserId }) },
      }),
      'meeting links',
    );
    return page.results.flatMap((l) => {
      const r = meetingLinkSchema.safeParse(l);
      return r.success ? [r.data] : [];
    });
  }

  async book(portalId: string, input: BookInput): Promise<Booking> {
    const body = {
      slug: input.slug,
      email: input.email,
      firstName: input.firstName,
      lastName: input.lastName,
      startTime: input.startTime,
      duration: input.durationMs,
      timezone: input.timezone,
      ...(input.locale === undefined ? {} : { locale: input.locale }),
    };
    return parsed(
      bookingSchema,
      await this.api.request(portalId, { method: 'POST', path: '/scheduler/v3/meetings/meeting-links/book', body }),
      'booking',
    );
  }

  /** Meetings that start exactly at `startMs` (a booking retried after an ambiguous failure looks for its own). */
  async meetingsStartingAt(portalId: string, startMs: number): Promise<{ id: string; properties: Record<string, string | null> }[]> {
    const body = {
      filterGroups: [{ filters: [{ propertyName: 'hs_meeting_start_time', operator: 'EQ', value: String(startMs) }] }],
      properties: MEETING_PROPERTIES,
      limit: 10,
    };
    return parsed(
      searchAnswer,
      await this.api.request(portalId, { method: 'POST', path: '/crm/v3/objects/meetings/search', body }),
      'meeting search',
    ).results;
  }

  /** Meetings by id with their properties (≤ 100 per call). */
  async meetings(portalId: string, ids: readonly string[]): Promise<{ id: string; properties: Record<string, string | null> }[]> {
    if (ids.length === 0) return [];
    const r = parsed(
      searchAnswer,
      await this.api.request(portalId, {
        method: 'POST',
        path: '/crm/v3/objects/meetings/batch/read',
        body: { inputs: ids.slice(0, 100).map((id) => ({ id })), properties: MEETING_PROPERTIES, propertiesWithHistory: [] },
      }),
      'meeting read',
    );
    return r.results;
  }

  /** Contacts associated with each meeting (meeting id → contact ids, ascending). */
  async meetingContacts(portalId: string, ids: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (ids.length === 0) return out;
    const r = parsed(
      associationAnswer,
      await this.api.request(portalId, {
        method: 'POST',
        path: '/crm/v4/associations/meetings/contacts/batch/read',
        body: { inputs: ids.slice(0, 100).map((id) => ({ id })) },
      }),
      'meeting associations',
    );
    for (const row of r.results)
      out.set(
        row.from.id,
        row.to.map((t) => t.toObjectId).sort((a, b) => Number(a) - Number(b)),
      );
    return out;
  }
}

/** A CRM meeting with a contact as the `meeting.booked` outcome event on that contact (one per meeting and contact). */
export function meetingBookedEvent(
  portalId: string,
  meeting: { id: string; properties: Record<string, string | null> },
  contactId: string,
  occurredAtMs: number,
): CanonicalEvent {
  const p = meeting.properties;
  const start = p['hs_meeting_start_time'] ?? p['hs_timestamp'] ?? null;
  const startIso = start === null ? null : /^\d+$/.test(start) ? new Date(Number(start)).toISOString() : start;
  return {
    id: `hubspot:${portalId}:meeting.booked:${meeting.id}:${contactId}`,
    source: 'hubspot',
    type: 'meeting.booked',
    occurredAt: new Date(occurredAtMs).toISOString(),
    subject: { identifiers: [contactIdentifier(portalId, contactId)], traits: {} },
    properties: {
      portalId,
      objectType: 'meeting',
      objectId: meeting.id,
      meetingId: meeting.id,
      contactId,
      ...(startIso === null ? {} : { startTime: startIso }),
      ...(p['hs_meeting_title'] ? { title: p['hs_meeting_title'] } : {}),
      ...(p['hs_meeting_outcome'] ? { meetingOutcome: p['hs_meeting_outcome'] } : {}),
      ...(p['hubspot_owner_id'] ? { ownerId: p['hubspot_owner_id'] } : {}),
    },
  };
}
