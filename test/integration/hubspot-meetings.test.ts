/**
 * HubSpot meetings end to end against the local HubSpot sandbox (real service): a `book_meeting` step
 * without a time sends the contact owner's scheduling link in the person's inbox thread; with a time
 * it books on the owner's page for the contact (their e-mail and name, the duration in ms), once per
 * idempotency key through a failed first attempt; the meetings object's creation webhook
 * (object.creation, objectTypeId 0-47) becomes a `meeting.booked` event on the associated contact's
 * profile that settles their open decision as positive; a cancelled meeting is no booking.
 */
import { HubSpotActionPort } from '../../connectors/hubspot/client/action.port';
import { HubSpotApi } from '../../connectors/hubspot/client/api';
import { Installations } from '../../connectors/hubspot/installations';
import { SqlEffectLedger } from '../../server/effects/effect-ledger.repository';
import { addMessage, createThread, inboxOf } from '../sandboxes/hubspot/conversations';
import { startHubSpotHarness, type HubSpotHarness } from '../sandboxes/hubspot/harness';
import { addMeetingLink, MEETING_TO_CONTACT, schedulerOf } from '../sandboxes/hubspot/scheduler';
import { modes } from '../support/runtime';
import { waitForRun, type RunJson } from '../support/runs-helpers';
import { describeWith, waitFor } from '../support/services';

jest.setTimeout(120_000);

for (const { mode, needs } of modes) {
  describeWith(needs, `HubSpot meetings (${mode})`, () => {
    let h: HubSpotHarness;

    beforeAll(async () => {
      h = await startHubSpotHarness(mode);
      addMeetingLink(h.sandbox.state, h.portalId, {
        organizerUserId: '77',
        slug: 'owner-seventy-seven',
        defaultLink: true,
        name: 'Intro call',
      });
      addMeetingLink(h.sandbox.state, h.portalId, { organizerUserId: '88', slug: 'someone-else', defaultLink: true });
    }, 90_000);
    afterAll(async () => h?.stop());

    async function run(id: string, params: Record<string, unknown>, profileId: string): Promise<RunJson> {
      expect(
        (
          await h.api.call('POST', '/playbooks', {
            id,
            name: id,
            concurrency: 'unlimited',
            defaults: { retry: { maxAttempts: 3, initialInterval: '100ms', maxInterval: '300ms' } },
            steps: [
              { id: 'meet', kind: 'action', action: { type: 'book_meeting', params } },
              { id: 'end', kind: 'exit', reason: 'done' },
            ],
          })
        ).status,
      ).toBe(201);
      expect((await h.api.call('POST', `/playbooks/${id}/publish`, {})).status).toBe(200);
      const started = await h.api.call<{ id: string }>('POST', '/runs', { playbookId: id, profileId });
      expect(started.status).toBe(201);
      return waitForRun(h.api, started.body.id, (x) => x.status === 'completed' || x.status === 'failed', `the ${id} run`, 40_000);
    }

    const meetingEvent = (meetingId: string) =>
      h.event({ subscriptionType: 'object.creation', objectTypeId: '0-47', objectId: Number(meetingId), changeFlag: 'CREATED' });

    it("without a time, sends the contact owner's scheduling link in the person's inbox thread", async () => {
      const { contactId, profileId } = await h.contactProfile('lia@meet.io', { hubspot_owner_id: '77', firstname: 'Lia' });
      const thread = createThread(h.sandbox.state, h.portalId, { associatedContactId: contactId, assignedTo: 'A-77' });
      const asked = addMessage(h.sandbox.state, h.portalId, thread.id, {
        from: { actorId: 'V-301', deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'lia@meet.io' } },
        text: 'Could we have a call about the rollout?',
      });
      await h.webhook([
        h.event({ subscriptionType: 'conversation.newMessage', objectId: Number(thread.id), messageId: asked.id, messageType: 'MESSAGE' }),
      ]);
      await waitFor(
        async () =>
          (
            await h.svc.runtime.db.query(
              `SELECT 1 FROM events WHERE tenant_id = $1 AND type = 'conversation.message_received' AND properties->>'threadId' = $2`,
              [h.tenantId, thread.id],
            )
          ).rows.length > 0,
        'the stored inbox message',
      );

      const done = await run('meet-link', { body: 'Happy to talk, pick a slot here: {link}' }, profileId);
      expect(done.status).toBe('completed');
      expect(done.steps.find((s) => s.stepId === 'meet')?.output).toMatchObject({
        mode: 'link',
        slug: 'owner-seventy-seven',
        link: 'https://meetings.hubspot.com/owner-seventy-seven',
        sentTo: 'inbox',
      });
      const sent = inboxOf(h.sandbox.state, h.portalId).sent.filter((s) => s.threadId === thread.id);
      expect(sent.map((s) => s.body['text'])).toEqual([
        'Happy to talk, pick a slot here: https://meetings.hubspot.com/owner-seventy-seven',
      ]);
      expect(schedulerOf(h.sandbox.state, h.portalId).bookings).toHaveLength(0);

      // deliver: none only resolves the link for a later step; nothing is sent.
      const resolved = await run('meet-link-only', { deliver: 'none' }, profileId);
      expect(resolved.steps.find((s) => s.stepId === 'meet')?.output).toMatchObject({
        mode: 'link',
        link: 'https://meetings.hubspot.com/owner-seventy-seven',
        sentTo: null,
      });
      expect(inboxOf(h.sandbox.state, h.portalId).sent.filter((s) => s.threadId === thread.id)).toHaveLength(1);
    });

    it('with a time, books on the owner page once; the meeting webhook settles the open decision as meeting_booked', async () => {
      expect(
        (
          await h.api.call('PUT', '/actions', {
            actions: [{ id: 'demo-offer', label: 'Offer a demo', channel: 'email', value: 500, template: 'demo' }],
          })
        ).status,
      ).toBe(200);
      expect(
        (
          await h.api.call('PUT', '/policies', {
            holdout: { share: 0 },
            randomControlShare: 0,
            reach: { initial: 1 },
            quietHours: { enabled: false },
          })
        ).status,
      ).toBe(200);
      const { contactId, profileId } = await h.contactProfile('max@meet.io', {
        hubspot_owner_id: '77',
        firstname: 'Max',
        lastname: 'Muster',
      });
      const decision = await h.api.call<{ decisionId: string; action: { id: string } | null }>('POST', '/decisions', { profileId });
      expect(decision.body.action?.id).toBe('demo-offer');

      const startTime = '2027-01-12T15:00:00.000Z';
      h.sandbox.state.inject('POST', /^\/scheduler\/v3\/meetings\/meeting-links\/book$/, {
        status: 503,
        body: { status: 'error', message: 'try again' },
      });
      const done = await run('meet-book', { startTime, durationMinutes: 30, timezone: 'Europe/Berlin' }, profileId);
      expect(done.status).toBe('completed');
      const scheduler = schedulerOf(h.sandbox.state, h.portalId);
      expect(scheduler.bookings).toEqual([
        {
          slug: 'owner-seventy-seven',
          email: 'max@meet.io',
          firstName: 'Max',
          lastName: 'Muster',
          startTime,
          duration: 1_800_000,
          timezone: 'Europe/Berlin',
        },
      ]);
      expect(done.steps.find((s) => s.stepId === 'meet')?.output).toMatchObject({
        mode: 'booked',
        contactId,
        start: startTime,
        end: '2027-01-12T15:30:00.000Z',
      });
      const meetings = [...(h.sandbox.state.portal(h.portalId).objects.get('meetings')?.values() ?? [])];
      expect(meetings).toHaveLength(1);
      const meeting = meetings[0];
      if (meeting === undefined) throw new Error('no meeting');
      expect(meeting.associations).toEqual([{ toObjectType: 'contacts', toId: contactId, associationTypeId: MEETING_TO_CONTACT }]);

      // HubSpot announces the new meeting; Baton stores meeting.booked on the contact and settles the decision.
      expect((await h.webhook([meetingEvent(meeting.id)])).status).toBe(200);
      const settled = await waitFor(async () => {
        const d = await h.api.call<{ outcome: { outcome: string } | null }>('GET', `/decisions/${decision.body.decisionId}`);
        return d.body.outcome ?? undefined;
      }, 'the decision to be settled by the meeting');
      expect(settled.outcome).toBe('positive');
      const booked = await h.svc.runtime.db.query<{ profile_id: string; properties: Record<string, unknown> }>(
        `SELECT profile_id, properties FROM events WHERE tenant_id = $1 AND type = 'meeting.booked'`,
        [h.tenantId],
      );
      expect(booked.rows).toHaveLength(1);
      expect(booked.rows[0]?.profile_id).toBe(profileId);
      expect(booked.rows[0]?.properties).toMatchObject({ meetingId: meeting.id, contactId, startTime, ownerId: '77' });
    });

    it('a cancelled meeting is no booking; a meeting of a contact without a scheduling page owner still counts', async () => {
      const { contactId, profileId } = await h.contactProfile('noa@meet.io');
      const cancelled = h.sandbox.state.createObject(h.portalId, 'meetings', {
        hs_meeting_title: 'Call',
        hs_meeting_start_time: String(Date.parse('2027-02-01T10:00:00Z')),
        hs_meeting_outcome: 'CANCELED',
      });
      const logged = h.sandbox.state.createObject(h.portalId, 'meetings', {
        hs_meeting_title: 'Logged by a rep',
        hs_meeting_start_time: String(Date.parse('2027-02-02T10:00:00Z')),
        hs_meeting_outcome: 'SCHEDULED',
      });
      for (const m of [cancelled, logged])
        h.sandbox.state.associate(
          h.portalId,
          { objectType: 'meetings', id: m.id },
          { objectType: 'contacts', id: contactId },
          MEETING_TO_CONTACT,
        );
      expect((await h.webhook([meetingEvent(cancelled.id), meetingEvent(logged.id)])).status).toBe(200);
      const rows = await waitFor(async () => {
        const r = await h.svc.runtime.db.query<{ properties: { meetingId: string } }>(
          `SELECT properties FROM events WHERE tenant_id = $1 AND type = 'meeting.booked' AND profile_id = $2`,
          [h.tenantId, profileId],
        );
        return r.rows.length > 0 && r.rows;
      }, 'the logged meeting');
      expect(rows.map((r) => r.properties.meetingId)).toEqual([logged.id]);
    });

    it('a booking retried after an attempt that reached HubSpot adopts the meeting instead of booking again', async () => {
      const { contactId } = await h.contactProfile('kai@meet.io', { hubspot_owner_id: '77', firstname: 'Kai', lastname: 'Lee' });
      const installs = new Installations({ db: h.svc.runtime.db, secrets: h.svc.runtime.secrets, logger: h.svc.runtime.logger });
      const api = new HubSpotApi({
        basePath: h.sandbox.url,
        clientId: h.sandbox.state.clientId,
        clientSecret: h.sandbox.state.clientSecret,
        tokens: installs,
      });
      installs.api = api;
      const ledger = new SqlEffectLedger(h.svc.runtime.db);
      const port = new HubSpotActionPort({
        api,
        ledger,
        target: async () => ({ portalId: h.portalId, objectType: 'contact', objectId: contactId }),
      });
      const startTime = '2027-03-03T09:00:00.000Z';
      // The earlier attempt began and HubSpot booked the meeting, then the answer was lost.
      const key = `k-book-crash-${Date.now()}`;
      expect(
        await ledger.reserve(
          { tenantId: h.tenantId, idempotencyKey: key, vendor: 'hubspot', kind: 'book_meeting', accountId: h.portalId },
          { onConflict: 'count' },
        ),
      ).toEqual({ fresh: true });
      const landed = h.sandbox.state.createObject(h.portalId, 'meetings', {
        hs_meeting_start_time: String(Date.parse(startTime)),
        hs_meeting_outcome: 'SCHEDULED',
        hubspot_owner_id: '77',
      });
      h.sandbox.state.associate(
        h.portalId,
        { objectType: 'meetings', id: landed.id },
        { objectType: 'contacts', id: contactId },
        MEETING_TO_CONTACT,
      );
      const bookingsBefore = schedulerOf(h.sandbox.state, h.portalId).bookings.length;
      const r = await port.execute({
        tenantId: h.tenantId,
        runId: 'r-book-crash',
        stepId: 'meet',
        profileId: 'p',
        kind: 'book_meeting',
        params: { startTime, durationMinutes: 30, timezone: 'UTC' },
        idempotencyKey: key,
        attempt: 2,
      });
      expect(r).toEqual({
        ok: true,
        output: {
          portalId: h.portalId,
          mode: 'booked',
          slug: 'owner-seventy-seven',
          contactId,
          meetingId: landed.id,
          start: startTime,
          recovered: true,
        },
      });
      expect(schedulerOf(h.sandbox.state, h.portalId).bookings.length).toBe(bookingsBefore);
    });
  });
}
