/**
 * HubSpot email on every tier (issue #20) against the local HubSpot sandbox, through the real service:
 * the route follows the portal's capabilities (transactional with the add-on, marketing single-send on
 * Enterprise, a sequence sent by the record owner, else a task for the owner with the drafted email);
 * a 403 for a route turns it off for the portal and the same step still reaches the person by the next
 * route; a send is logged on the contact and remembered for engagement; marketing email honours
 * hs_email_optout and the contact's subscription status.
 */
import { loadSnapshot } from '../../server/decisioning/profile-state.repository';
import { startHubSpotHarness, type HubSpotHarness } from '../sandboxes/hubspot/harness';
import { DEFAULT_EMAIL_SCOPES, emailPortal, grantEmailScopes } from '../sandboxes/hubspot/email';
import { modes } from '../support/runtime';
import { waitForRun, type RunJson } from '../support/runs-helpers';
import { describeWith, waitFor } from '../support/services';

jest.setTimeout(120_000);

interface Capability {
  available: boolean;
  reason: string;
}
type Capabilities = Record<'transactional' | 'marketing' | 'sequence' | 'task' | 'preferences' | 'events', Capability>;

for (const { mode, needs } of modes) {
  describeWith(needs, `HubSpot email by capability (${mode})`, () => {
    let h: HubSpotHarness;
    let n = 0;

    beforeAll(async () => {
      h = await startHubSpotHarness(mode);
    }, 90_000);
    afterAll(async () => h?.stop());

    const capabilities = async (): Promise<Capabilities> => {
      const r = await h.api.call<{ connections: { email: Capabilities }[] }>('GET', '/hubspot/connection');
      const c = r.body.connections[0]?.email;
      if (c === undefined) throw new Error('no connection');
      return c;
    };

    async function runEmail(profileId: string, params: Record<string, unknown>): Promise<RunJson> {
      const id = `hubspot-email-${mode.replace(/[^a-z]/g, '-')}-${++n}`;
      const playbook = {
        id,
        name: id,
        concurrency: 'unlimited',
        steps: [
          { id: 'mail', kind: 'action', action: { type: 'email', params } },
          { id: 'end', kind: 'exit', reason: 'done' },
        ],
      };
      const created = await h.api.call('POST', '/playbooks', playbook);
      expect(created.status).toBe(201);
      expect((await h.api.call('POST', `/playbooks/${id}/publish`, {})).status).toBe(200);
      const started = await h.api.call<{ id: string }>('POST', '/runs', { playbookId: id, profileId });
      expect(started.status).toBe(201);
      return waitForRun(h.api, started.body.id, (x) => ['completed', 'failed'].includes(x.status), 'the email run', 40_000);
    }
    const mailStep = (run: RunJson) =>
      run.steps.find((s) => s.stepId === 'mail') as unknown as {
        status: string;
        output: Record<string, unknown>;
        error: { code: string; category: string; message: string } | null;
      };

    it('learns the routes from the granted scopes at install: Enterprise without the transactional add-on', async () => {
      const caps = await waitFor(async () => (await capabilities().catch(() => undefined)) ?? undefined, 'capabilities');
      expect(caps.transactional).toMatchObject({ available: false, reason: expect.stringMatching(/transactional-email not granted/) });
      expect(caps.marketing.available).toBe(true);
      expect(caps.sequence.available).toBe(true);
      expect(caps.task.available).toBe(true);
    });

    it('with the add-on the email goes transactional; a 403 turns the route off and the same step goes out by marketing single-send', async () => {
      const portal = emailPortal(h.sandbox.state, h.portalId);
      // Reinstall granting transactional-email: the install job learns the route.
      grantEmailScopes(h.sandbox.state, [...DEFAULT_EMAIL_SCOPES, 'transactional-email']);
      const link = await h.api.call<{ url: string }>('POST', '/hubspot/install-links');
      expect((await fetch(h.local(await h.sandbox.consent(link.body.url, h.portalId)))).status).toBe(200);
      await waitFor(async () => (await capabilities()).transactional.available, 'the transactional route after reinstall');

      portal.transactionalAddOn = true;
      const a = await h.contactProfile(`tx-${mode}@mail.io`);
      const sent = await runEmail(a.profileId, { templateId: 111, subject: 'Your receipt', customProperties: { order: 'A-1' } });
      expect(sent.status).toBe('completed');
      const out = mailStep(sent).output;
      expect(out).toMatchObject({
        route: 'transactional',
        recipient: `tx-${mode}@mail.io`,
        logged: true,
        consentChecked: ['hs_email_optout', 'subscription_status'],
      });
      expect(portal.transactionalSends.get(String(out['sendId']))).toMatchObject({
        emailId: 111,
        message: { to: `tx-${mode}@mail.io` },
        customProperties: { order: 'A-1' },
      });
      // Logged on the contact's timeline (email → contact, type 198).
      const log = portal.loggedEmails.find((e) => e.id === out['emailLogId']);
      expect(log?.properties).toMatchObject({ hs_email_direction: 'EMAIL', hs_email_status: 'SENT', hs_email_subject: 'Your receipt' });
      expect(JSON.stringify(log?.associations)).toContain(`"id":"${a.contactId}"`);
      const rows = await h.svc.runtime.db.query<{ route: string; recipient: string }>(
        'SELECT route, recipient FROM hubspot_email_sends WHERE tenant_id = $1 AND profile_id = $2',
        [h.tenantId, a.profileId],
      );
      expect(rows.rows).toEqual([{ route: 'transactional', recipient: `tx-${mode}@mail.io` }]);

      // The add-on lapses: HubSpot answers 403 MISSING_SCOPES; the run does not fail, the email goes by the next route.
      portal.transactionalAddOn = false;
      const b = await h.contactProfile(`lapsed-${mode}@mail.io`);
      const rerouted = await runEmail(b.profileId, { templateId: 111 });
      expect(rerouted.status).toBe('completed');
      const second = mailStep(rerouted).output;
      expect(second).toMatchObject({
        route: 'marketing',
        routesTried: [{ route: 'transactional', refused: expect.stringMatching(/403 MISSING_SCOPES \(needs transactional-email\)/) }],
      });
      const marketingSend = h.sandbox.state.portal(h.portalId).singleSends.get(String(second['sendId']));
      expect(marketingSend).toMatchObject({ emailId: 111, message: { to: `lapsed-${mode}@mail.io` } });
      expect(await capabilities()).toMatchObject({ transactional: { available: false, reason: expect.stringMatching(/MISSING_SCOPES/) } });
      // The route taken is on the record card's run too.
      const card = await h.api.call<{ runs: { runId: string; steps: { stepId: string; route?: string }[] }[] }>(
        'GET',
        `/profiles/${b.profileId}/card`,
      );
      expect(card.body.runs.find((r) => r.runId === rerouted.id)?.steps.map((st) => st.route)).toContain('marketing');

      // The route stays off: the next email does not ask HubSpot again.
      const before = h.sandbox.state.count('POST', /^\/marketing\/v3\/transactional\/single-email\/send$/);
      const c = await h.contactProfile(`after-${mode}@mail.io`);
      const third = await runEmail(c.profileId, { templateId: 111 });
      expect(mailStep(third).output).toMatchObject({
        route: 'marketing',
        routesTried: [{ route: 'transactional', skipped: expect.stringMatching(/MISSING_SCOPES/) }],
      });
      expect(h.sandbox.state.count('POST', /^\/marketing\/v3\/transactional\/single-email\/send$/)).toBe(before);
    });

    it('a portal without Enterprise (403) reaches the person through a sequence sent by the record owner, else a task for the owner', async () => {
      const portal = emailPortal(h.sandbox.state, h.portalId);
      portal.marketingEnterprise = false;
      portal.owners.set('501', { id: '501', email: `owner-${mode}@seller.io`, userId: 7001, firstName: 'Olu', lastName: 'Owner' });
      const owned = await h.contactProfile(`owned-${mode}@mail.io`, { hubspot_owner_id: '501' });
      const seq = await runEmail(owned.profileId, { templateId: 222, sequenceId: '4242', subject: 'Checking in' });
      expect(seq.status).toBe('completed');
      expect(mailStep(seq).output).toMatchObject({
        route: 'sequence',
        sequenceId: '4242',
        senderEmail: `owner-${mode}@seller.io`,
        routesTried: [{ route: 'transactional' }, { route: 'marketing', refused: expect.stringMatching(/403 FORBIDDEN.*Enterprise/) }],
      });
      const enrollCall = h.sandbox.state.requests
        .filter((x) => x.method === 'POST' && x.path === '/automation/v4/sequences/enrollments')
        .at(-1);
      expect(enrollCall?.query).toBe('?userId=7001');
      expect(h.sandbox.state.portal(h.portalId).sequenceEnrollments).toContainEqual(
        expect.objectContaining({ contactId: owned.contactId, sequenceId: '4242', senderEmail: `owner-${mode}@seller.io` }),
      );
      expect((await capabilities()).marketing).toMatchObject({ available: false, reason: expect.stringMatching(/Enterprise/) });

      // No sequence on the step: a task for the owner with the drafted email.
      const drafted = await runEmail(owned.profileId, {
        templateId: 222,
        subject: 'Your trial ends Friday',
        body: 'Hi, your trial ends on Friday. Reply to extend it.',
      });
      expect(drafted.status).toBe('completed');
      const out = mailStep(drafted).output;
      expect(out).toMatchObject({
        route: 'task',
        ownerId: '501',
        routesTried: [{ route: 'transactional' }, { route: 'marketing' }, { route: 'sequence', skipped: 'the step names no sequenceId' }],
      });
      const task = h.sandbox.state.portal(h.portalId).objects.get('tasks')?.get(String(out['taskId']));
      expect(task?.properties).toMatchObject({
        hs_task_type: 'EMAIL',
        hubspot_owner_id: '501',
        hs_task_subject: 'Email: Your trial ends Friday',
      });
      expect(task?.properties['hs_task_body']).toContain(`To: owned-${mode}@mail.io`);
      expect(task?.properties['hs_task_body']).toContain('Reply to extend it.');
      portal.marketingEnterprise = true;
    });

    it('a run parked because HubSpot refused even the owner task is resumed by a reinstall and emails by the best route the portal now allows', async () => {
      const portal = emailPortal(h.sandbox.state, h.portalId);
      const { profileId } = await h.contactProfile(`parked-${mode}@mail.io`);
      // Single-send routes are off for this portal by now; the task is refused too (contacts write lost).
      expect((await capabilities()).marketing.available).toBe(false);
      h.sandbox.state.inject('POST', /^\/crm\/v3\/objects\/tasks$/, {
        status: 403,
        body: {
          status: 'error',
          message: 'This app has not been granted all required scopes to make this call.',
          category: 'MISSING_SCOPES',
          errors: [{ context: { requiredGranularScopes: ['crm.objects.contacts.write'] } }],
        },
      });
      const parked = await runEmail(profileId, { templateId: 555, subject: 'Welcome back' });
      expect(parked.status).toBe('failed');
      expect(parked.error).toMatchObject({ code: 'hubspot.http_403', message: expect.stringMatching(/^HubSpot email:/) });

      // The admin reinstalls with the add-on in place: capabilities are learned again and the run goes on.
      portal.transactionalAddOn = true;
      grantEmailScopes(h.sandbox.state, [...DEFAULT_EMAIL_SCOPES, 'transactional-email']);
      const link = await h.api.call<{ url: string }>('POST', '/hubspot/install-links');
      expect((await fetch(h.local(await h.sandbox.consent(link.body.url, h.portalId)))).status).toBe(200);
      const resumed = await waitForRun(h.api, parked.id, (x) => x.status === 'completed', 'the resumed email run', 40_000);
      expect(mailStep(resumed).output).toMatchObject({ route: 'transactional', recipient: `parked-${mode}@mail.io` });
      expect(
        [...portal.transactionalSends.values()].filter((b) => (b['message'] as { to: string }).to === `parked-${mode}@mail.io`),
      ).toHaveLength(1);
      portal.transactionalAddOn = false;
      grantEmailScopes(h.sandbox.state, DEFAULT_EMAIL_SCOPES);
    });

    it("the contact's hs_timezone becomes the profile's time zone, which quiet hours read before the tenant default", async () => {
      const { profileId } = await h.contactProfile(`tz-${mode}@mail.io`, { hs_timezone: 'america_slash_new_york' });
      const snapshotZone = async (): Promise<string | undefined> =>
        (await loadSnapshot(h.svc.runtime.db, h.tenantId, [profileId], Date.now())).snapshot.timeZone;
      expect(await waitFor(snapshotZone, 'the time zone trait')).toBe('America/New_York');
      const { profileId: other } = await h.contactProfile(`notz-${mode}@mail.io`, { hs_timezone: 'nowhere_slash_atlantis' });
      await waitFor(
        async () => (await loadSnapshot(h.svc.runtime.db, h.tenantId, [other], Date.now())).state !== null,
        'the second profile state',
      );
      expect((await loadSnapshot(h.svc.runtime.db, h.tenantId, [other], Date.now())).snapshot.timeZone).toBeUndefined();
    });

    it('marketing email honours hs_email_optout and the subscription status; a transactional email still goes', async () => {
      const portal = emailPortal(h.sandbox.state, h.portalId);
      const sendsBefore = h.sandbox.state.count('POST', /^\/marketing\/(v4\/email\/single-send|v3\/transactional\/single-email\/send)$/);
      const optedOut = await h.contactProfile(`optout-${mode}@mail.io`, { hs_email_optout: 'true' });
      const a = await runEmail(optedOut.profileId, { templateId: 333 });
      expect(mailStep(a)).toMatchObject({
        status: 'undeliverable',
        error: { category: 'undeliverable', code: 'hubspot.email_opted_out', message: expect.stringMatching(/hs_email_optout/) },
      });

      const unsubscribed = await h.contactProfile(`unsub-${mode}@mail.io`);
      portal.subscriptions.set(`unsub-${mode}@mail.io`, [
        { id: '1', name: 'Marketing Information', description: '', status: 'NOT_SUBSCRIBED', sourceOfStatus: 'PORTAL_WIDE_STATUS' },
      ]);
      const b = await runEmail(unsubscribed.profileId, { templateId: 333 });
      expect(mailStep(b)).toMatchObject({
        status: 'undeliverable',
        error: { code: 'hubspot.email_opted_out', message: expect.stringMatching(/portal-wide/) },
      });

      const oneType = await h.contactProfile(`onetype-${mode}@mail.io`);
      portal.subscriptions.set(`onetype-${mode}@mail.io`, [
        { id: '77', name: 'Newsletter', description: '', status: 'NOT_SUBSCRIBED', sourceOfStatus: 'SUBSCRIPTION_STATUS' },
      ]);
      const c = await runEmail(oneType.profileId, { templateId: 333, subscriptionId: '77' });
      expect(mailStep(c).error).toMatchObject({ code: 'hubspot.email_opted_out', message: expect.stringMatching(/Newsletter/) });
      expect(h.sandbox.state.count('POST', /^\/marketing\/(v4\/email\/single-send|v3\/transactional\/single-email\/send)$/)).toBe(
        sendsBefore,
      );

      // A service message (purpose transactional) is not marketing: the opt-out does not stop it (the
      // reinstall above relearned the routes; without the add-on it goes by marketing single-send).
      const d = await runEmail(optedOut.profileId, { templateId: 333, purpose: 'transactional' });
      expect(d.status).toBe('completed');
      expect(mailStep(d).output).toMatchObject({ route: 'marketing', recipient: `optout-${mode}@mail.io`, consentChecked: [] });
    });
  });
}
