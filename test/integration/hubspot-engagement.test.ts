/**
 * Engagement with the emails Baton sent through HubSpot (issue #20 item 4), against the local sandbox
 * through the real service: a decide step emails the person (the decision names the run), the durable
 * poll job reads the portal's email events with its stored cursor, and only events for Baton's own
 * sends come back: an open is engagement, a click settles the decision positive, a bounce marks the
 * address so the next email is undeliverable, an unsubscribe revokes email consent. Polling again adds
 * nothing (idempotent by HubSpot's event id).
 */
import { HUBSPOT_EMAIL_EVENTS_JOB } from '../../connectors/hubspot/engagement';
import { emailPortal } from '../sandboxes/hubspot/email';
import { startHubSpotHarness, type HubSpotHarness } from '../sandboxes/hubspot/harness';
import { dayZone } from '../support/decisioning-helpers';
import { modes } from '../support/runtime';
import { waitForRun, type RunJson } from '../support/runs-helpers';
import { describeWith, waitFor } from '../support/services';

jest.setTimeout(120_000);

const calmPolicies = { holdout: { share: 0 }, randomControlShare: 0, reach: { initial: 1 } };

for (const { mode, needs } of modes) {
  describeWith(needs, `HubSpot email engagement (${mode})`, () => {
    let h: HubSpotHarness;
    const slug = mode.replace(/[^a-z]/g, '-');

    beforeAll(async () => {
      h = await startHubSpotHarness(mode);
      expect(
        (
          await h.api.call('PUT', '/actions', {
            actions: [{ id: 'trial-email', label: 'Trial reminder', channel: 'email', value: 10, params: { templateId: 4444 } }],
          })
        ).status,
      ).toBe(200);
      expect((await h.api.call('PUT', '/policies', calmPolicies)).status).toBe(200);
      const playbook = {
        id: `engage-${slug}`,
        name: 'Decide and email',
        concurrency: 'unlimited',
        steps: [{ id: 'pick', kind: 'decide', context: { goal: 'engagement test' } }],
      };
      expect((await h.api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await h.api.call('POST', `/playbooks/engage-${slug}/publish`, {})).status).toBe(200);
    }, 90_000);
    afterAll(async () => h?.stop());

    async function decideAndEmail(email: string): Promise<{ profileId: string; contactId: string; run: RunJson; decisionId: string }> {
      const { profileId, contactId } = await h.contactProfile(email, { hs_timezone: dayZone() });
      const started = await h.api.call<{ id: string }>('POST', '/runs', { playbookId: `engage-${slug}`, profileId });
      expect(started.status).toBe(201);
      const run = await waitForRun(h.api, started.body.id, (x) => ['completed', 'failed'].includes(x.status), 'the decide run', 40_000);
      const out = run.steps.find((s) => s.stepId === 'pick')?.output as {
        decisionId: string;
        executed: boolean;
        result: { route: string };
      };
      expect(out).toMatchObject({ executed: true, result: { route: 'marketing' } });
      return { profileId, contactId, run, decisionId: out.decisionId };
    }

    const eventsOf = async (profileId: string): Promise<{ type: string; properties: Record<string, unknown> }[]> =>
      (
        await h.svc.runtime.db.query<{ type: string; properties: Record<string, unknown> }>(
          `SELECT type, properties FROM events WHERE tenant_id = $1 AND profile_id = $2 AND source = 'hubspot' AND type IN ('email.opened', 'email.clicked', 'email.bounced', 'consent.updated') ORDER BY occurred_at, type`,
          [h.tenantId, profileId],
        )
      ).rows;

    async function poll(): Promise<void> {
      const job = await h.svc.runtime.work.enqueue({
        tenantId: h.tenantId,
        kind: HUBSPOT_EMAIL_EVENTS_JOB,
        payload: { portalId: h.portalId },
        dedupeKey: `test-poll-${Date.now()}-${Math.random()}`,
      });
      const status = await waitFor(
        async () => {
          const r = await h.svc.runtime.db.query<{ status: string; last_error: string | null }>(
            'SELECT status, last_error FROM outbox WHERE tenant_id = $1 AND id = $2',
            [h.tenantId, job.id],
          );
          return r.rows[0] !== undefined && r.rows[0].status !== 'pending' ? r.rows[0] : undefined;
        },
        'the poll job',
        30_000,
      );
      expect(status).toEqual({ status: 'done', last_error: null });
    }

    it("brings back opens, clicks (positive outcome), bounces and unsubscribes of Baton's emails only, once", async () => {
      const clicker = await decideAndEmail(`clicker-${slug}@mail.io`);
      const bouncer = await decideAndEmail(`bouncer-${slug}@mail.io`);
      const leaver = await decideAndEmail(`leaver-${slug}@mail.io`);
      // The emails went out ten minutes ago (events are read up to a minute behind now).
      await h.svc.runtime.db.query(`UPDATE hubspot_email_sends SET sent_at = now() - interval '10 minutes' WHERE tenant_id = $1`, [
        h.tenantId,
      ]);
      const at = Date.now() - 5 * 60_000;
      const ev = emailPortal(h.sandbox.state, h.portalId).emailEvents;
      ev.push(
        { id: `s1-${slug}`, created: at, type: 'SENT', recipient: `clicker-${slug}@mail.io` },
        { id: `o1-${slug}`, created: at + 1_000, type: 'OPEN', recipient: `clicker-${slug}@mail.io` },
        { id: `c1-${slug}`, created: at + 2_000, type: 'CLICK', recipient: `clicker-${slug}@mail.io`, url: 'https://acme.io/extend' },
        {
          id: `b1-${slug}`,
          created: at + 3_000,
          type: 'BOUNCE',
          recipient: `bouncer-${slug}@mail.io`,
          category: 'UNKNOWN_USER',
          response: '550 5.1.1 user unknown',
        },
        {
          id: `u1-${slug}`,
          created: at + 4_000,
          type: 'STATUSCHANGE',
          recipient: `leaver-${slug}@mail.io`,
          portalSubscriptionStatus: 'UNSUBSCRIBED',
          subscriptions: [],
        },
        // Not Baton's: someone Baton never emailed clicks a newsletter.
        { id: `x1-${slug}`, created: at + 5_000, type: 'CLICK', recipient: `stranger-${slug}@mail.io`, url: 'https://acme.io/news' },
      );
      await poll();

      expect((await eventsOf(clicker.profileId)).map((e) => e.type)).toEqual(['email.opened', 'email.clicked']);
      const click = (await eventsOf(clicker.profileId))[1];
      expect(click?.properties).toMatchObject({
        url: 'https://acme.io/extend',
        route: 'marketing',
        runId: clicker.run.id,
        hubspotEventId: `c1-${slug}`,
      });
      const decision = await h.api.call<{ outcome: { outcome: string } | null }>('GET', `/decisions/${clicker.decisionId}`);
      expect(decision.body.outcome).toMatchObject({ outcome: 'positive' });

      expect(await eventsOf(bouncer.profileId)).toEqual([
        expect.objectContaining({
          type: 'email.bounced',
          properties: expect.objectContaining({ address: `bouncer-${slug}@mail.io`, category: 'UNKNOWN_USER' }),
        }),
      ]);
      expect(await eventsOf(leaver.profileId)).toEqual([
        expect.objectContaining({
          type: 'consent.updated',
          properties: expect.objectContaining({ channel: 'email', status: 'opted_out' }),
        }),
      ]);
      const consent = await waitFor(async () => {
        const r = await h.svc.runtime.db.query<{ status: string }>(
          `SELECT status FROM profile_consent WHERE tenant_id = $1 AND profile_id = $2 AND channel = 'email'`,
          [h.tenantId, leaver.profileId],
        );
        return r.rows[0]?.status;
      }, 'the email consent of the unsubscriber');
      expect(consent).toBe('opted_out');
      const strangers = await h.svc.runtime.db.query(`SELECT 1 FROM events WHERE tenant_id = $1 AND properties->>'hubspotEventId' = $2`, [
        h.tenantId,
        `x1-${slug}`,
      ]);
      expect(strangers.rows).toHaveLength(0);

      // The cursor moved past the window; polling again with the same events adds nothing.
      const cursor = await h.svc.runtime.db.query<{ start_ms: string; offset_token: string | null }>(
        'SELECT start_ms, offset_token FROM hubspot_email_event_cursors WHERE portal_id = $1',
        [h.portalId],
      );
      expect(Number(cursor.rows[0]?.start_ms)).toBeGreaterThan(at);
      expect(cursor.rows[0]?.offset_token).toBeNull();
      await h.svc.runtime.db.query('UPDATE hubspot_email_event_cursors SET start_ms = $2 WHERE portal_id = $1', [h.portalId, at - 60_000]);
      await poll();
      expect(await eventsOf(clicker.profileId)).toHaveLength(2);
      expect(await eventsOf(bouncer.profileId)).toHaveLength(1);

      // The bounced address is marked invalid: the next email to it is undeliverable and nothing is sent.
      const sendsBefore = h.sandbox.state.portal(h.portalId).singleSends.size;
      const started = await h.api.call<{ id: string }>('POST', '/runs', { playbookId: `engage-${slug}`, profileId: bouncer.profileId });
      const again = await waitForRun(
        h.api,
        started.body.id,
        (x) => ['completed', 'failed'].includes(x.status),
        'the run to the bounced address',
        40_000,
      );
      const pick = again.steps.find((s) => s.stepId === 'pick') as unknown as {
        status: string;
        error: { code: string; message: string } | null;
      };
      expect(pick).toMatchObject({
        status: 'undeliverable',
        error: { code: 'hubspot.email_bounced', message: expect.stringMatching(/UNKNOWN_USER/) },
      });
      expect(h.sandbox.state.portal(h.portalId).singleSends.size).toBe(sendsBefore);
    });

    it('the poll is a durable job: each pass schedules the next one', async () => {
      const r = await h.svc.runtime.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM outbox WHERE tenant_id = $1 AND kind = $2 AND status = 'pending' AND due_at > now()`,
        [h.tenantId, HUBSPOT_EMAIL_EVENTS_JOB],
      );
      expect(Number(r.rows[0]?.n)).toBeGreaterThan(0);
    });

    it('an admin disconnect purges the recipients Baton emailed, the cursor and the capabilities', async () => {
      const count = async (table: string): Promise<number> =>
        Number(
          (await h.svc.runtime.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`, [h.tenantId])).rows[0]?.n,
        );
      expect(await count('hubspot_email_sends')).toBeGreaterThan(0);
      expect((await h.api.call('DELETE', '/hubspot/connection')).status).toBe(200);
      for (const table of ['hubspot_email_sends', 'hubspot_email_event_cursors', 'hubspot_email_capabilities'])
        expect([table, await count(table)]).toEqual([table, 0]);
      // Showing the (disconnected) connection does not bring the capability record back.
      expect((await h.api.call('GET', '/hubspot/connection')).status).toBe(200);
      expect(await count('hubspot_email_capabilities')).toBe(0);
    });
  });
}
