/**
 * The HubSpot sandbox's meetings scheduler (scheduler v3 meeting links, documented wire formats):
 * scheduling pages per organiser (`GET /scheduler/v3/meetings/meeting-links`, filter organizerUserId)
 * and booking (`POST /scheduler/v3/meetings/meeting-links/book`): the page must exist, the slot must be
 * free on it and the duration one it offers; the booking creates a CRM meeting (objectTypeId 0-47)
 * owned by the organiser and associated with the guest's contact (found by e-mail, else created), as
 * HubSpot does. Registered on the sandbox app after its bearer-token check.
 */
import type { Express, Response } from 'express';
import type { PortalState, SandboxState } from './index';

export interface SandboxMeetingLink {
  id: string;
  slug: string;
  link: string;
  name: string;
  type: 'PERSONAL_LINK' | 'GROUP_CALENDAR' | 'ROUND_ROBIN_CALENDAR';
  organizerUserId: string;
  defaultLink: boolean;
  /** Durations the page offers, ms. */
  durations: number[];
}

export interface SandboxScheduler {
  readonly links: SandboxMeetingLink[];
  /** Bodies of the book requests received, in order. */
  readonly bookings: Record<string, unknown>[];
}

/** HubSpot-defined association type id, meeting → contact. */
export const MEETING_TO_CONTACT = 200;

const schedulers = new WeakMap<PortalState, SandboxScheduler>();
let seq = 500;

export function schedulerOf(state: SandboxState, portalId: string): SandboxScheduler {
  const portal = state.portal(portalId);
  let s = schedulers.get(portal);
  if (s === undefined) {
    s = { links: [], bookings: [] };
    schedulers.set(portal, s);
  }
  return s;
}

export function addMeetingLink(
  state: SandboxState,
  portalId: string,
  over: Partial<SandboxMeetingLink> & { organizerUserId: string; slug: string },
): SandboxMeetingLink {
  const link: SandboxMeetingLink = {
    id: String(++seq),
    link: `https://meetings.hubspot.com/${over.slug}`,
    name: over.slug,
    type: 'PERSONAL_LINK',
    defaultLink: false,
    durations: [1_800_000, 3_600_000],
    ...over,
  };
  schedulerOf(state, portalId).links.push(link);
  return link;
}

export function registerScheduler(app: Express, state: SandboxState): void {
  const portalOf = (res: Response): PortalState => res.locals['portal'] as PortalState;
  const bad = (res: Response, message: string, status = 400): void =>
    void res.status(status).json({ status: 'error', message, category: 'VALIDATION_ERROR', correlationId: 'sandbox' });

  app.get('/scheduler/v3/meetings/meeting-links', (req, res) => {
    const s = schedulerOf(state, portalOf(res).portalId);
    const organizer = typeof req.query['organizerUserId'] === 'string' ? req.query['organizerUserId'] : undefined;
    const results = s.links
      .filter((l) => organizer === undefined || l.organizerUserId === organizer)
      .map(({ durations: _d, ...wire }) => ({
        ...wire,
        userIdsOfLinkMembers: [wire.organizerUserId],
        createdAt: '2026-01-01T00:00:00Z',
        updatedAt: '2026-01-01T00:00:00Z',
      }));
    res.json({ total: results.length, results });
  });

  app.post('/scheduler/v3/meetings/meeting-links/book', (req, res) => {
    const portal = portalOf(res);
    const s = schedulerOf(state, portal.portalId);
    const b = (req.body ?? {}) as Record<string, unknown>;
    s.bookings.push(b);
    const link = s.links.find((l) => l.slug === b['slug']);
    if (link === undefined) return bad(res, `no meeting link with slug ${String(b['slug'])}`, 404);
    if (typeof b['email'] !== 'string' || !b['email'].includes('@')) return bad(res, 'email is required');
    if (typeof b['firstName'] !== 'string' || typeof b['lastName'] !== 'string') return bad(res, 'firstName and lastName are required');
    if (typeof b['timezone'] !== 'string' || b['timezone'] === '') return bad(res, 'timezone is required');
    const start = typeof b['startTime'] === 'string' ? Date.parse(b['startTime']) : NaN;
    if (Number.isNaN(start)) return bad(res, 'startTime must be an ISO date-time');
    if (typeof b['duration'] !== 'number' || !link.durations.includes(b['duration']))
      return bad(res, `duration must be one of ${link.durations.join(', ')} (ms)`);
    const meetings = portal.objects.get('meetings');
    if (meetings === undefined) throw new Error('sandbox has no meetings store');
    const taken = [...meetings.values()].some(
      (m) =>
        m.properties['hubspot_owner_id'] === link.organizerUserId &&
        m.properties['hs_meeting_start_time'] === String(start) &&
        m.properties['hs_meeting_outcome'] !== 'CANCELED',
    );
    if (taken) return bad(res, 'the requested time is no longer available', 409);
    const contacts = portal.objects.get('contacts');
    const contact =
      [...(contacts?.values() ?? [])].find((c) => c.properties['email'] === b['email']) ??
      state.createObject(portal.portalId, 'contacts', { email: b['email'], firstname: b['firstName'], lastname: b['lastName'] });
    const end = start + b['duration'];
    const meeting = state.createObject(portal.portalId, 'meetings', {
      hs_meeting_title: `${link.name} with ${b['firstName']} ${b['lastName']}`.trim(),
      hs_meeting_start_time: String(start),
      hs_meeting_end_time: String(end),
      hs_timestamp: String(start),
      hs_meeting_outcome: 'SCHEDULED',
      hubspot_owner_id: link.organizerUserId,
    });
    state.associate(
      portal.portalId,
      { objectType: 'meetings', id: meeting.id },
      { objectType: 'contacts', id: contact.id },
      MEETING_TO_CONTACT,
    );
    res.json({
      bookingTimezone: b['timezone'],
      calendarEventId: `cal-${meeting.id}`,
      contactId: contact.id,
      duration: b['duration'],
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      subject: meeting.properties['hs_meeting_title'],
      guestEmails: [],
      isOffline: false,
      formFields: [],
      legalConsentResponses: [],
      locale: typeof b['locale'] === 'string' ? b['locale'] : 'en-us',
    });
  });
}
