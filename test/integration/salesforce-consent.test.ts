/**
 * Consent and recipient time end to end with Salesforce, on embedded storage and on PostgreSQL + Redis:
 * the sandbox org's Contacts and Leads reach Baton through Change Data Capture; their opt-out flags
 * become Baton consent (so decisioning blocks SMS after Do Not Call), playbook steps to people who
 * opted out end undeliverable with nothing sent (Email Opt Out, Do Not Call, a ContactPointTypeConsent
 * OptOut), and quiet hours follow the person's own time zone: the org's configured field first, then
 * the mailing country/state, then the tenant default. Install both ways, write-back, package status and
 * Outbound Message tokens are covered by salesforce/namespace.test.ts and outbound-token.test.ts.
 */
import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import { decisioningModuleWith } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import { runsModule } from '../../server/runs';
import { salesforceModuleWith } from '../../connectors/salesforce/salesforce.module';
import { startSalesforceSandbox, type SalesforceSandbox } from '../sandboxes/salesforce';
import { outboundMessageXml } from '../sandboxes/salesforce/outbound';
import type { DecisionJson } from '../support/decisioning-helpers';
import { modes, startTestService, type TestService } from '../support/runtime';
import { apiClient, waitForRun, type ApiClient } from '../support/runs-helpers';
import { describeWith, waitFor as waitForWithin } from '../support/services';
import { installOrg, sfEnv } from './salesforce/helpers';

jest.setTimeout(180_000);
const waitFor = <T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> =>
  waitForWithin(probe, what, timeoutMs);

const catalog = {
  actions: [
    { id: 'hello-email', label: 'Say hello', channel: 'email', value: 10, template: { name: 'hello', subject: 'Hello', body: 'Hi there' } },
    { id: 'hello-sms', label: 'Text hello', channel: 'sms', value: 10, params: { body: 'Hi there' } },
  ],
};

for (const { mode, needs } of modes) {
  describeWith(needs, `Salesforce consent and recipient time (${mode})`, () => {
    let sb: SalesforceSandbox;
    let svc: TestService;
    let api: ApiClient;
    let tenantId: string;
    let outboundUrl: string;
    let n = 0;

    const profileOf = (recordId: string): Promise<string> =>
      waitFor(async () => {
        const r = await svc.runtime.db.query<{ profile_id: string | null }>(
          `SELECT profile_id FROM events WHERE tenant_id = $1 AND source = 'salesforce' AND properties->>'recordId' = $2 AND profile_id IS NOT NULL AND processed_at IS NOT NULL`,
          [tenantId, recordId],
        );
        return r.rows[0]?.profile_id ?? undefined;
      }, `the processed event of ${recordId}`);
    const consentOf = async (profileId: string): Promise<Record<string, string>> => {
      const r = await svc.runtime.db.query<{ channel: string; status: string }>(
        'SELECT channel, status FROM profile_consent WHERE tenant_id = $1 AND profile_id = $2',
        [tenantId, profileId],
      );
      return Object.fromEntries(r.rows.map((row) => [row.channel, row.status]));
    };
    const traitsOf = async (profileId: string): Promise<Record<string, unknown>> => {
      const r = await svc.runtime.db.query<{ traits: Record<string, unknown> }>(
        'SELECT traits FROM journey_states WHERE tenant_id = $1 AND profile_id = $2',
        [tenantId, profileId],
      );
      return r.rows[0]?.traits ?? {};
    };
    /** Publishes a one-step playbook and runs it for the profile to its end. */
    async function runStep(profileId: string, action: { type: string; params: Record<string, unknown> }) {
      const id = `consent-${++n}`;
      const playbook = {
        id,
        name: id,
        concurrency: 'unlimited',
        defaults: { retry: { maxAttempts: 3, initialInterval: '50ms', maxInterval: '200ms' } },
        steps: [
          { id: 'act', kind: 'action', action, onUndeliverable: 'fail' },
          { id: 'done', kind: 'exit', reason: 'done' },
        ],
      };
      expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await api.call('POST', `/playbooks/${id}/publish`, {})).status).toBe(200);
      const run = await api.call<{ id: string }>('POST', '/runs', { playbookId: id, profileId });
      expect(run.status).toBe(201);
      return waitForRun(api, run.body.id, (r) => ['completed', 'failed', 'cancelled'].includes(r.status), 'the run to end', 60_000);
    }
    const emailsTo = (id: string) =>
      sb.state.actions
        .filter((a) => a.name === 'emailSimple')
        .flatMap((a) => a.inputs)
        .filter((i) => i['recipientId'] === id);
    const decide = async (profileId: string): Promise<DecisionJson> => {
      const d = await api.call<DecisionJson>('POST', '/decisions', { profileId });
      expect(d.status).toBe(200);
      return d.body;
    };

    beforeAll(async () => {
      sb = await startSalesforceSandbox({ connectHoldMs: 300 });
      sb.state.addCustomField('Contact', 'Time_Zone__c');
      svc = await startTestService(
        mode,
        {
          modules: [
            identityModule,
            decisioningModuleWith({ expiryIntervalMs: 0 }),
            automationModule,
            cardsModule,
            runsModule({ engine: { leaseMs: 5_000 }, stuckSweepIntervalMs: 500, stuckGraceMs: 2_000 }),
            salesforceModuleWith({ streamPollMs: 200, streamLeaseMs: 3_000, streamRestartMs: 200, rateLimitRetryMs: 100 }),
          ],
        },
        sfEnv(sb),
      );
      const installed = await installOrg(svc.url);
      expect(installed.status).toBe(200);
      tenantId = installed.body.tenantId;
      outboundUrl = (installed.body as { outboundMessageUrl?: string }).outboundMessageUrl ?? '';
      api = apiClient(svc.url, installed.body.apiKey ?? '');
      expect((await api.call('PUT', '/actions', catalog)).status).toBe(200);
      // Everyone treated, SMS allowed by default (so only an opt-out blocks it), quiet hours off until the time-zone test.
      const policies = await api.call('PUT', '/policies', {
        holdout: { share: 0 },
        randomControlShare: 0,
        consent: { sms: 'opt_out' },
        quietHours: { enabled: false },
      });
      expect([policies.status, policies.body]).toEqual([200, expect.anything()]);
    });
    afterAll(async () => {
      await svc?.stop();
      await sb?.close();
    });

    it("records a Contact's Email Opt Out as Baton consent, and an email step to them ends undeliverable with nothing sent", async () => {
      const c = sb.state.create('Contact', { LastName: 'Optout', Email: `optout-${mode}@example.com`, HasOptedOutOfEmail: true }, null);
      const profileId = await profileOf(c.Id);
      await waitFor(async () => (await consentOf(profileId))['email'] === 'opted_out', 'the email opt-out in Baton');
      const run = await runStep(profileId, { type: 'email', params: { templateId: 'hello', subject: 'Hello', body: 'Hi there' } });
      expect(run.status).toBe('failed');
      expect(run.steps[0]).toMatchObject({
        status: 'undeliverable',
        error: { category: 'undeliverable', code: 'salesforce.opted_out_email' },
      });
      expect(emailsTo(c.Id)).toEqual([]);
      // Decisioning blocks email for them too.
      const decision = await decide(profileId);
      expect(decision.explanation.find((e) => e.actionId === 'hello-email')?.blockedBy).toMatchObject({
        policy: 'consent',
        reason: 'opted out of email',
      });
    });

    it('lifts the opt-out to unknown when the flag is turned off in Salesforce, and the next email step is sent', async () => {
      const c = sb.state.create('Contact', { LastName: 'Returns', Email: `returns-${mode}@example.com`, HasOptedOutOfEmail: true }, null);
      const profileId = await profileOf(c.Id);
      await waitFor(async () => (await consentOf(profileId))['email'] === 'opted_out', 'the email opt-out in Baton');
      sb.state.update('Contact', c.Id, { HasOptedOutOfEmail: false }, null);
      await waitFor(async () => (await consentOf(profileId))['email'] === 'unknown', 'the opt-out lifted');
      const run = await runStep(profileId, {
        type: 'email',
        params: { templateId: 'welcome-back', subject: 'Welcome back', body: 'Hi again' },
      });
      expect(run.status).toBe('completed');
      expect(emailsTo(c.Id)).toHaveLength(1);
    });

    it("turns a Lead's Do Not Call into SMS and WhatsApp opt-outs that decisioning honours, and refuses a call task", async () => {
      const lead = sb.state.create(
        'Lead',
        { LastName: 'Quiet', Company: 'Hush Inc', Email: `dnc-${mode}@example.com`, Phone: '+14155550123', DoNotCall: true },
        null,
      );
      const profileId = await profileOf(lead.Id);
      await waitFor(async () => {
        const c = await consentOf(profileId);
        return c['sms'] === 'opted_out' && c['whatsapp'] === 'opted_out';
      }, 'the sms and whatsapp opt-outs in Baton');
      const decision = await decide(profileId);
      expect(decision.explanation.find((e) => e.actionId === 'hello-sms')?.blockedBy).toMatchObject({
        policy: 'consent',
        reason: 'opted out of sms',
      });
      expect(decision.action?.id).not.toBe('hello-sms');
      const run = await runStep(profileId, { type: 'task', params: { subject: 'Call about the renewal', type: 'call' } });
      expect(run.steps[0]).toMatchObject({ status: 'undeliverable', error: { code: 'salesforce.do_not_call' } });
      expect(sb.state.tasks().filter((t) => t['WhoId'] === lead.Id)).toEqual([]);
    });

    it('reads the same facts from an Outbound Message (checkboxes as text, flat address fields)', async () => {
      const lead = sb.state.create('Lead', { LastName: 'Outbound', Company: 'Soap Ltd' }, null);
      const xml = outboundMessageXml({
        orgId: sb.state.orgId,
        notifications: [
          {
            id: '04l5e00000Cn001AAJ',
            sobjectType: 'Lead',
            fields: { Id: lead.Id, Email: `om-${mode}@example.com`, HasOptedOutOfEmail: 'true', DoNotCall: 'false', Country: 'Japan' },
          },
        ],
      });
      const res = await fetch(new URL(new URL(outboundUrl).pathname, svc.url), {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8' },
        body: xml,
      });
      expect(res.status).toBe(200);
      const profileId = await profileOf(lead.Id);
      await waitFor(async () => (await consentOf(profileId))['email'] === 'opted_out', 'the email opt-out from the Outbound Message');
      expect(await consentOf(profileId)).toEqual({ email: 'opted_out' });
      expect(await traitsOf(profileId)).toMatchObject({ timeZone: 'Asia/Tokyo', timeZoneSource: 'salesforce:Lead.Country' });
    });

    it("refuses an email step when the Individual's consent record in force says OptOut", async () => {
      const c = sb.state.create('Contact', { LastName: 'Private', Email: `private-${mode}@example.com` }, null);
      const profileId = await profileOf(c.Id);
      sb.state.recordConsent(c.Id, 'Email', 'OptOut', { from: '2026-01-01T00:00:00Z' });
      const run = await runStep(profileId, { type: 'email', params: { templateId: 'hello', subject: 'Hello', body: 'Hi there' } });
      expect(run.steps[0]).toMatchObject({ status: 'undeliverable', error: { code: 'salesforce.consent_opt_out_email' } });
      expect(emailsTo(c.Id)).toEqual([]);
    });

    it('validates the time-zone field setting against the org and keeps it', async () => {
      expect((await api.call('PUT', '/salesforce/settings', { timeZoneField: 'not a field!' })).status).toBe(400);
      expect((await api.call('PUT', '/salesforce/settings', { timeZoneField: 'Time_Zone__c', extra: 1 })).status).toBe(400);
      const missing = await api.call<{ error: { code: string; message: string } }>('PUT', '/salesforce/settings', {
        timeZoneField: 'Timezone_Typo__c',
      });
      expect(missing.status).toBe(422);
      expect(missing.body.error).toMatchObject({ code: 'field_not_found' });
      expect(missing.body.error.message).toContain('Timezone_Typo__c');
      const saved = await api.call('PUT', '/salesforce/settings', { timeZoneField: 'Time_Zone__c' });
      expect([saved.status, saved.body]).toEqual([200, expect.objectContaining({ timeZoneField: 'Time_Zone__c', foundOn: ['Contact'] })]);
      expect((await api.call('GET', '/salesforce/settings')).body).toMatchObject({ timeZoneField: 'Time_Zone__c' });
    });

    it("makes quiet hours follow the person's zone: the configured field, then the mailing country/state, then the tenant default", async () => {
      // A window that covers the whole day but its last minute, so every decision is deferred and says in
      // which zone. These zones are whole hours from UTC: their last local minute is UTC minute 59.
      while (new Date().getUTCMinutes() >= 58) await new Promise((r) => setTimeout(r, 5_000));
      const put = await api.call('PUT', '/policies', {
        holdout: { share: 0 },
        randomControlShare: 0,
        consent: { sms: 'opt_out' },
        quietHours: { enabled: true, start: '00:00', end: '23:59', defaultTimeZone: 'Europe/Lisbon' },
      });
      expect(put.status).toBe(200);
      const people = [
        {
          fields: { Time_Zone__c: 'America/Denver', MailingCountry: 'Japan' },
          zone: 'America/Denver',
          source: 'salesforce:Contact.Time_Zone__c',
        },
        { fields: { MailingCountry: 'Japan' }, zone: 'Asia/Tokyo', source: 'salesforce:Contact.MailingCountry' },
        {
          fields: { MailingCountry: 'United States', MailingState: 'TX' },
          zone: 'America/Chicago',
          source: 'salesforce:Contact.MailingState',
        },
        { fields: { MailingCountry: 'United States' }, zone: 'Europe/Lisbon', source: undefined },
      ];
      for (const [i, p] of people.entries()) {
        const c = sb.state.create('Contact', { LastName: `Zone${i}`, Email: `zone${i}-${mode}@example.com`, ...p.fields }, null);
        const profileId = await profileOf(c.Id);
        expect((await traitsOf(profileId))['timeZoneSource']).toBe(p.source);
        const email = (await decide(profileId)).explanation.find((e) => e.actionId === 'hello-email');
        expect(email?.deferReason).toContain(`quiet hours 00:00–23:59 in ${p.zone}`);
      }
      // A later move (a change event naming the new address) moves the person's clock.
      const mover = sb.state.create('Contact', { LastName: 'Mover', Email: `mover-${mode}@example.com`, MailingCountry: 'Japan' }, null);
      const moverProfile = await profileOf(mover.Id);
      sb.state.update('Contact', mover.Id, { MailingCountry: 'Australia', MailingState: 'Western Australia' }, null);
      await waitFor(async () => (await traitsOf(moverProfile))['timeZone'] === 'Australia/Perth', 'the new zone from the new address');
      expect((await decide(moverProfile)).explanation.find((e) => e.actionId === 'hello-email')?.deferReason).toContain(
        'in Australia/Perth',
      );
    });
  });
}
