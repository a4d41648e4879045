/**
 * HubSpot connector flows against the local HubSpot sandbox (real @hubspot/api-client, real service on
 * PostgreSQL + Redis): the date-versioned OAuth token endpoint, the marketplace install's one-time API
 * key, call deadlines, company/deal/ticket events landing on the associated contact, the run steps
 * email / sequence / workflow enrollment / callback completion, "Record outcome" settling decisions,
 * the action guard for tenants with several CRMs, and the disconnect purge of identity data.
 */
import type { ActionKind, ActionPort, ActionRequest, ActionResult } from '../../app/orchestration';
import { HubSpotActionPort } from '../../connectors/hubspot/client/action.port';
import { HubSpotApi } from '../../connectors/hubspot/client/api';
import { classifyHubSpotError, HubSpotTimeoutError } from '../../connectors/hubspot/client/errors';
import { Installations } from '../../connectors/hubspot/installations';
import { SqlEffectLedger } from '../../server/effects/effect-ledger.repository';
import type { ModuleFactory } from '../../server/module';
import { modules as defaultModules } from '../../server/modules';
import { ACTION_REGISTRY } from '../../server/runs/runs.module';
import { startHubSpotHarness, type HubSpotHarness } from '../sandboxes/hubspot/harness';
import { modes } from '../support/runtime';
import { apiClient, waitForRun, type RunJson } from '../support/runs-helpers';
import { describeWith, waitFor } from '../support/services';

jest.setTimeout(120_000);

/** Stands for another CRM registered after HubSpot that takes whatever HubSpot declines. */
const otherCrmCalls: ActionRequest[] = [];
const otherCrm: ModuleFactory = (ctx) => {
  const port: ActionPort = {
    async execute(request): Promise<ActionResult> {
      otherCrmCalls.push(request);
      return { ok: true, output: { by: 'other-crm' } };
    },
  };
  ctx.services.require(ACTION_REGISTRY).register('task', port, { handles: async () => true, name: 'other-crm' });
  return { name: 'other-crm' };
};

for (const { mode, needs } of modes) {
  describeWith(needs, `HubSpot connector flows (${mode})`, () => {
    let h: HubSpotHarness;

    beforeAll(async () => {
      h = await startHubSpotHarness(mode, { modules: [...defaultModules, otherCrm] });
    }, 90_000);
    afterAll(async () => h?.stop());

    /** A direct adapter + port on the service's database (a second "process"). */
    function adapter(timeoutMs?: number): { api: HubSpotApi; port: HubSpotActionPort } {
      const installs = new Installations({ db: h.svc.runtime.db, secrets: h.svc.runtime.secrets, logger: h.svc.runtime.logger });
      const api = new HubSpotApi({
        basePath: h.sandbox.url,
        clientId: h.sandbox.state.clientId,
        clientSecret: h.sandbox.state.clientSecret,
        tokens: installs,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      installs.api = api;
      return {
        api,
        port: new HubSpotActionPort({
          api,
          ledger: new SqlEffectLedger(h.svc.runtime.db),
          target: async (r) => ({ portalId: h.portalId, objectType: 'contact', objectId: String(r.params['contactId']) }),
        }),
      };
    }

    async function publish(playbook: Record<string, unknown>): Promise<void> {
      expect((await h.api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await h.api.call('POST', `/playbooks/${String(playbook['id'])}/publish`, {})).status).toBe(200);
    }

    it('exchanges the code and refreshes at /oauth/2026-03/token with a form body, never the v1 endpoint', async () => {
      const exchange = h.sandbox.state.tokenRequests.find((t) => t.form['grant_type'] === 'authorization_code');
      expect(exchange).toEqual({
        path: '/oauth/2026-03/token',
        form: expect.objectContaining({
          grant_type: 'authorization_code',
          client_id: h.sandbox.state.clientId,
          redirect_uri: 'https://baton.example.test/oauth/hubspot/callback',
        }),
      });
      await h.svc.runtime.db.query(
        `UPDATE connections SET config = config || '{"accessExpiresAt": 0}'::jsonb WHERE tenant_id = $1 AND type = 'hubspot'`,
        [h.tenantId],
      );
      const before = h.sandbox.state.refreshCount;
      const { api } = adapter();
      const contacts = await api.batchRead(h.portalId, 'contact', ['1'], ['email']);
      expect(contacts).toEqual([]);
      expect(h.sandbox.state.refreshCount - before).toBe(1);
      expect(h.sandbox.state.tokenRequests.at(-1)).toEqual({
        path: '/oauth/2026-03/token',
        form: expect.objectContaining({ grant_type: 'refresh_token', refresh_token: expect.stringMatching(/^rt-/) }),
      });
      expect(h.sandbox.state.tokenRequests.map((t) => t.path)).not.toContain('/oauth/v1/token');
      // The 2026-03 answer carried the portal and scopes: no metadata lookup was needed at install.
      const status = await h.api.call<{ connections: { portalId: string; scopes: string[] }[] }>('GET', '/hubspot/connection');
      expect(status.body.connections[0]).toMatchObject({ portalId: h.portalId, scopes: expect.arrayContaining(['oauth']) });
    });

    it('a marketplace install that creates a tenant shows its API key once, and the key works', async () => {
      const start = await fetch(`${h.svc.url}/oauth/hubspot/install`, { redirect: 'manual' });
      const callback = await h.sandbox.consent(start.headers.get('location') ?? '', '880001');
      const page = await fetch(h.local(callback), { headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.headers.get('cache-control')).toBe('no-store');
      const html = await page.text();
      expect(html).toMatch(/shown only this once/);
      const apiKey = /value="(bk_[^"]+)"/.exec(html)?.[1];
      expect(apiKey).toBeDefined();
      const own = apiClient(h.svc.url, apiKey ?? '');
      const status = await own.call<{ connections: { portalId: string; status: string }[] }>('GET', '/hubspot/connection');
      expect(status.status).toBe(200);
      expect(status.body.connections).toEqual([expect.objectContaining({ portalId: '880001', status: 'active' })]);
      // Reloading the page cannot show the key again (single-use state).
      const reload = await fetch(h.local(callback), { headers: { accept: 'text/html' } });
      expect(reload.status).toBe(400);
      expect(await reload.text()).not.toContain(apiKey ?? 'bk_');

      // An API client gets JSON with the key; a reinstall of a known portal gets none.
      const json = await fetch(
        h.local(
          await h.sandbox.consent(
            (await fetch(`${h.svc.url}/oauth/hubspot/install`, { redirect: 'manual' })).headers.get('location') ?? '',
            '880002',
          ),
        ),
      );
      const body = (await json.json()) as { newTenant: boolean; apiKey?: string; tenantId: string };
      expect(body).toMatchObject({ newTenant: true, apiKey: expect.stringMatching(/^bk_/) });
      const again = await fetch(
        h.local(
          await h.sandbox.consent(
            (await fetch(`${h.svc.url}/oauth/hubspot/install`, { redirect: 'manual' })).headers.get('location') ?? '',
            '880002',
          ),
        ),
      );
      const second = (await again.json()) as { newTenant: boolean; apiKey?: string; tenantId: string };
      expect(second).toEqual({ connected: true, portalId: '880002', tenantId: body.tenantId, newTenant: false });
    });

    it('gives up on a stalled HubSpot after the deadline and classifies it retryable', async () => {
      const { api, port } = adapter(300);
      h.sandbox.state.inject('POST', /^\/crm\/v3\/objects\/contacts\/batch\/read$/, {
        status: 200,
        body: { status: 'COMPLETE', results: [] },
        delayMs: 5_000,
      });
      const err = await api.batchRead(h.portalId, 'contact', ['1'], ['email']).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(HubSpotTimeoutError);
      expect(classifyHubSpotError(err, 'batch read')).toMatchObject({ category: 'transient', code: 'hubspot.timeout' });
      // Through the port: a stalled property write is a transient (retryable) step failure.
      h.sandbox.state.inject('PATCH', /^\/crm\/v3\/objects\/contacts\//, { status: 200, body: {}, delayMs: 5_000 });
      const r = await port.execute({
        tenantId: h.tenantId,
        runId: 'r-timeout',
        stepId: 's',
        profileId: 'p',
        kind: 'crm_update',
        params: { properties: { jobtitle: 'x' }, contactId: '1' },
        idempotencyKey: 'k-timeout',
        attempt: 1,
      });
      expect(r).toMatchObject({ ok: false, error: { category: 'transient', code: 'hubspot.timeout' } });
      // The next call is not held up by the stalled ones.
      expect(await api.batchRead(h.portalId, 'contact', ['1'], ['email'])).toEqual([]);
    });

    it("puts company, deal and ticket events on the associated contact's profile, read with the v4 associations API", async () => {
      const { contactId, profileId } = await h.contactProfile('ines@assoc.io');
      const deal = h.sandbox.state.createObject(h.portalId, 'deals', { dealname: 'Ines renewal', dealstage: 'appointmentscheduled' });
      h.sandbox.state.associate(h.portalId, { objectType: 'deals', id: deal.id }, { objectType: 'contacts', id: contactId }, 3);
      const ticket = h.sandbox.state.createObject(h.portalId, 'tickets', { subject: 'Login broken' });
      h.sandbox.state.associate(h.portalId, { objectType: 'tickets', id: ticket.id }, { objectType: 'contacts', id: contactId }, 16);
      const lonely = h.sandbox.state.createObject(h.portalId, 'deals', { dealname: 'No contact yet' });
      // A company with two contacts: the one HubSpot marks primary (type 2) wins over the lower id.
      const primary = await h.contactProfile('oli@assoc.io');
      const company = h.sandbox.state.createObject(h.portalId, 'companies', { name: 'Assoc Ltd' });
      h.sandbox.state.associate(h.portalId, { objectType: 'companies', id: company.id }, { objectType: 'contacts', id: contactId }, 280);
      h.sandbox.state.associate(
        h.portalId,
        { objectType: 'companies', id: company.id },
        { objectType: 'contacts', id: primary.contactId },
        2,
      );
      const reads = h.sandbox.state.count('POST', /^\/crm\/v4\/associations\/(deals|tickets|companies)\/contacts\/batch\/read$/);
      const r = await h.webhook([
        h.event({
          subscriptionType: 'deal.propertyChange',
          objectId: Number(deal.id),
          propertyName: 'dealstage',
          propertyValue: 'closedwon',
        }),
        h.event({ subscriptionType: 'object.creation', objectTypeId: '0-5', objectId: Number(ticket.id) }),
        h.event({ subscriptionType: 'deal.creation', objectId: Number(lonely.id) }),
        h.event({
          subscriptionType: 'company.propertyChange',
          objectId: Number(company.id),
          propertyName: 'lifecyclestage',
          propertyValue: 'customer',
        }),
      ]);
      expect(JSON.parse(r.body)).toMatchObject({ accepted: 4 });
      const companyEvent = await waitFor(
        async () =>
          (
            await h.svc.runtime.db.query<{ profile_id: string }>(
              `SELECT profile_id FROM events WHERE tenant_id = $1 AND type = 'company.updated' AND properties->>'objectId' = $2`,
              [h.tenantId, company.id],
            )
          ).rows[0],
        'the company event',
      );
      expect(companyEvent.profile_id).toBe(primary.profileId);
      const rows = await waitFor(async () => {
        const q = await h.svc.runtime.db.query<{ type: string; profile_id: string | null; properties: Record<string, unknown> }>(
          `SELECT type, profile_id, properties FROM events WHERE tenant_id = $1 AND source = 'hubspot' AND type IN ('deal.updated', 'ticket.created', 'deal.created') AND properties->>'objectId' = ANY($2::text[])`,
          [h.tenantId, [deal.id, ticket.id, lonely.id]],
        );
        return q.rows.length === 3 ? q.rows : undefined;
      }, 'the three record events');
      const of = (type: string) => rows.find((x) => x.type === type);
      expect(of('deal.updated')).toMatchObject({
        profile_id: profileId,
        properties: expect.objectContaining({
          objectType: 'deal',
          objectId: deal.id,
          associatedContactId: contactId,
          propertyName: 'dealstage',
        }),
      });
      expect(of('ticket.created')).toMatchObject({
        profile_id: profileId,
        properties: expect.objectContaining({ objectType: 'ticket', associatedContactId: contactId }),
      });
      expect(of('deal.created')?.profile_id).not.toBe(profileId);
      expect(of('deal.created')?.properties['associatedContactId']).toBeUndefined();
      // One association read per object type in the batch.
      expect(h.sandbox.state.count('POST', /^\/crm\/v4\/associations\/(deals|tickets|companies)\/contacts\/batch\/read$/) - reads).toBe(3);
      // A rate-limited association read retries the batch job later; the event still lands on the person.
      const late = h.sandbox.state.createObject(h.portalId, 'deals', { dealname: 'Ines upsell' });
      h.sandbox.state.associate(h.portalId, { objectType: 'deals', id: late.id }, { objectType: 'contacts', id: contactId }, 3);
      h.sandbox.state.inject('POST', /^\/crm\/v4\/associations\/deals\/contacts\/batch\/read$/, {
        status: 429,
        headers: { 'Retry-After': '1' },
        body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', policyName: 'TEN_SECONDLY_ROLLING' },
      });
      await h.webhook([h.event({ subscriptionType: 'deal.creation', objectId: Number(late.id) })]);
      const lateRow = await waitFor(
        async () =>
          (
            await h.svc.runtime.db.query<{ profile_id: string }>(
              `SELECT profile_id FROM events WHERE tenant_id = $1 AND type = 'deal.created' AND properties->>'objectId' = $2`,
              [h.tenantId, late.id],
            )
          ).rows[0],
        'the rate-limited deal event',
      );
      expect(lateRow.profile_id).toBe(profileId);
      // The deal's card shows the person.
      const card = await h.signedFetch('GET', `/hubspot/cards/record?objectTypeId=0-3&objectId=${deal.id}&portalId=${h.portalId}`);
      expect(card.status).toBe(200);
      expect(card.body['profileId']).toBe(profileId);
    });

    it('runs email, sequence enrollment, workflow enrollment and callback completion steps against HubSpot, once each', async () => {
      const { contactId, profileId } = await h.contactProfile('jo@steps.io', { firstname: 'Jo' });
      await publish({
        id: 'hubspot-steps',
        name: 'HubSpot steps',
        concurrency: 'unlimited',
        defaults: { retry: { maxAttempts: 4, initialInterval: '100ms', maxInterval: '500ms' } },
        steps: [
          {
            id: 'mail',
            kind: 'action',
            action: { type: 'email', params: { templateId: 987654, customProperties: { offer: 'onboarding' } } },
          },
          {
            id: 'seq',
            kind: 'action',
            action: { type: 'sequence_enrollment', params: { sequenceId: '4242', userId: '77', senderEmail: 'rep@acme.io' } },
          },
          { id: 'flow', kind: 'action', action: { type: 'workflow_enrollment', params: { workflowId: '555' } } },
          {
            id: 'cb',
            kind: 'action',
            action: { type: 'callback_completion', params: { callbackId: 'ap-steps-1', outputFields: { verdict: 'done' } } },
          },
          { id: 'end', kind: 'exit', reason: 'done' },
        ],
      });
      // A rate limit and an outage on the way: retried, still one effect each.
      h.sandbox.state.inject('POST', /^\/automation\/v4\/sequences\/enrollments$/, {
        status: 429,
        headers: { 'Retry-After': '1' },
        body: { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', policyName: 'TEN_SECONDLY_ROLLING' },
      });
      h.sandbox.state.inject('POST', /^\/automation\/v4\/actions\/callbacks\/ap-steps-1\/complete$/, {
        status: 503,
        body: { status: 'error', message: 'try again' },
      });
      const started = await h.api.call<{ id: string }>('POST', '/runs', { playbookId: 'hubspot-steps', profileId });
      expect(started.status).toBe(201);
      const run = await waitForRun(
        h.api,
        started.body.id,
        (x) => x.status === 'completed' || x.status === 'failed',
        'the steps run',
        40_000,
      );
      expect(run.status).toBe('completed');
      const portal = h.sandbox.state.portal(h.portalId);

      const mail = run.steps.find((s) => s.stepId === 'mail')?.output as { sendId: string };
      const sends = [...portal.singleSends.entries()].filter(([, b]) => (b['message'] as { to: string }).to === 'jo@steps.io');
      expect(sends).toHaveLength(1);
      expect(sends[0]?.[0]).toBe(mail.sendId);
      expect(sends[0]?.[1]).toMatchObject({
        emailId: 987654,
        message: { to: 'jo@steps.io', sendId: mail.sendId },
        customProperties: { offer: 'onboarding' },
      });

      const enrollments = portal.sequenceEnrollments.filter((e) => e['contactId'] === contactId);
      expect(enrollments).toEqual([expect.objectContaining({ sequenceId: '4242', senderEmail: 'rep@acme.io' })]);
      const enrollCalls = h.sandbox.state.requests.filter((x) => x.method === 'POST' && x.path === '/automation/v4/sequences/enrollments');
      expect(enrollCalls.at(-1)?.query).toBe('?userId=77');
      const trigger = portal.objects.get('contacts')?.get(contactId)?.properties['baton_enroll_trigger'];
      expect(trigger).toMatch(/^555:[A-Za-z0-9_-]{16}$/);
      expect(portal.callbacks.get('ap-steps-1')).toEqual({ verdict: 'done', hs_execution_state: 'SUCCESS' });
      expect(h.sandbox.state.count('POST', /^\/automation\/v4\/actions\/callbacks\/ap-steps-1\/complete$/)).toBe(2);

      // Replaying each step with its key (a crash after the effect) changes nothing in HubSpot.
      const { port } = adapter();
      const steps: Record<string, { kind: ActionKind; params: Record<string, unknown> }> = {
        mail: { kind: 'email', params: { templateId: 987654 } },
        seq: { kind: 'sequence_enrollment', params: { sequenceId: '4242', userId: '77', senderEmail: 'rep@acme.io' } },
        flow: { kind: 'workflow_enrollment', params: { workflowId: '555' } },
        cb: { kind: 'callback_completion', params: { callbackId: 'ap-steps-1', outputFields: { verdict: 'done' } } },
      };
      for (const [stepId, { kind, params }] of Object.entries(steps)) {
        const key = (run.steps.find((s) => s.stepId === stepId) as unknown as { idempotencyKey: string }).idempotencyKey;
        const again = await port.execute({
          tenantId: h.tenantId,
          runId: run.id,
          stepId,
          profileId,
          kind,
          params: { ...params, contactId },
          idempotencyKey: key,
          attempt: 9,
        });
        expect(again.ok).toBe(true);
      }
      expect(portal.objects.get('contacts')?.get(contactId)?.properties['baton_enroll_trigger']).toBe(trigger);
      expect([...portal.singleSends.values()].filter((b) => (b['message'] as { to: string }).to === 'jo@steps.io')).toHaveLength(1);
      expect(portal.sequenceEnrollments.filter((e) => e['contactId'] === contactId)).toHaveLength(1);
    });

    it('a step HubSpot refuses fails the run with a permanent, explained error', async () => {
      const { profileId } = await h.contactProfile('kim@steps.io');
      await publish({
        id: 'hubspot-bad-email',
        name: 'Bad email',
        concurrency: 'unlimited',
        steps: [
          { id: 'mail', kind: 'action', action: { type: 'email', params: { templateId: 1 } } },
          { id: 'end', kind: 'exit', reason: 'done' },
        ],
      });
      h.sandbox.state.inject('POST', /^\/marketing\/v4\/email\/single-send$/, {
        status: 400,
        body: { status: 'error', message: 'Email 1 is not published', category: 'VALIDATION_ERROR' },
      });
      const started = await h.api.call<{ id: string }>('POST', '/runs', { playbookId: 'hubspot-bad-email', profileId });
      const run: RunJson = await waitForRun(
        h.api,
        started.body.id,
        (x) => x.status === 'completed' || x.status === 'failed',
        'the refused run',
        30_000,
      );
      expect(run.status).toBe('failed');
      expect(run.steps.find((s) => s.stepId === 'mail')?.error).toMatchObject({
        category: 'permanent',
        code: 'hubspot.http_400',
        message: expect.stringMatching(/not published/),
      });
      expect(h.sandbox.state.count('POST', /^\/marketing\/v4\/email\/single-send$/)).toBeGreaterThan(0);
    });

    it('acts in HubSpot only for people who have a record there; others go to the next CRM', async () => {
      await publish({
        id: 'crm-task',
        name: 'CRM task',
        concurrency: 'unlimited',
        steps: [
          { id: 'todo', kind: 'action', action: { type: 'task', params: { subject: 'Follow up' } } },
          { id: 'end', kind: 'exit', reason: 'done' },
        ],
      });
      const ingested = await h.api.call<{ profileId: string }>('POST', '/events', {
        source: 'api',
        type: 'contact.updated',
        occurredAt: new Date().toISOString(),
        subject: { identifiers: [{ type: 'email', value: 'nohub@elsewhere.io' }] },
      });
      expect(ingested.status).toBeLessThan(300);
      const outsider = await waitFor(() => h.profileOfEmail('nohub@elsewhere.io'), 'the API-only profile');
      const before = otherCrmCalls.length;
      const r1 = await h.api.call<{ id: string }>('POST', '/runs', { playbookId: 'crm-task', profileId: outsider });
      expect(
        (await waitForRun(h.api, r1.body.id, (x) => x.status === 'completed' || x.status === 'failed', 'the outsider run')).status,
      ).toBe('completed');
      expect(otherCrmCalls.slice(before).map((c) => c.profileId)).toEqual([outsider]);

      const { contactId, profileId } = await h.contactProfile('lee@hub.io');
      const r2 = await h.api.call<{ id: string }>('POST', '/runs', { playbookId: 'crm-task', profileId });
      const run = await waitForRun(h.api, r2.body.id, (x) => x.status === 'completed' || x.status === 'failed', 'the HubSpot run');
      expect(run.status).toBe('completed');
      expect(otherCrmCalls.slice(before)).toHaveLength(1);
      const tasks = [...(h.sandbox.state.portal(h.portalId).objects.get('tasks')?.values() ?? [])].filter(
        (t) => t.properties['hs_task_subject'] === 'Follow up',
      );
      expect(tasks).toEqual([
        expect.objectContaining({ associations: [expect.objectContaining({ toId: contactId, associationTypeId: 204 })] }),
      ]);
    });

    it('"Record outcome" settles the decision through decisioning, idempotent on callbackId', async () => {
      expect(
        (
          await h.api.call('PUT', '/actions', {
            actions: [{ id: 'upsell-email', label: 'Upgrade offer', channel: 'email', value: 1000, template: 'upgrade-offer' }],
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
      const { contactId, profileId } = await h.contactProfile('mo@outcome.io');
      const decision = await h.api.call<{ decisionId: string; action: { id: string } | null }>('POST', '/decisions', { profileId });
      expect(decision.body.action?.id).toBe('upsell-email');
      const call = (callbackId: string, inputFields: Record<string, unknown>) =>
        h.signedFetch('POST', '/hubspot/workflow-actions/baton_record_outcome', {
          callbackId,
          origin: { portalId: Number(h.portalId), actionDefinitionId: 1, actionDefinitionVersion: 1 },
          object: { objectId: Number(contactId), objectType: 'CONTACT' },
          inputFields,
        });
      const first = await call('ap-out-1', { outcome: 'positive', value: '250', decisionId: decision.body.decisionId });
      expect(first.body).toEqual({
        outputFields: { recorded: 'true', decisionId: decision.body.decisionId, learned: 'true', hs_execution_state: 'SUCCESS' },
      });
      const detail = await h.api.call<{ outcome: { outcome: string; value: number } | null }>(
        'GET',
        `/decisions/${decision.body.decisionId}`,
      );
      expect(detail.body.outcome).toMatchObject({ outcome: 'positive', value: 250 });
      // A redelivery of the same call gets the stored answer; a second call finds it settled.
      expect(await call('ap-out-1', { outcome: 'positive', decisionId: decision.body.decisionId })).toEqual(first);
      const second = await call('ap-out-2', { outcome: 'negative', decisionId: decision.body.decisionId });
      expect(second.body['outputFields']).toMatchObject({ recorded: 'false', reason: 'already_settled', hs_execution_state: 'SUCCESS' });
      expect(
        (await h.api.call<{ outcome: { outcome: string } }>('GET', `/decisions/${decision.body.decisionId}`)).body.outcome.outcome,
      ).toBe('positive');
      // Without a decisionId the record's current decision is settled.
      const next = await h.api.call<{ decisionId: string }>('POST', '/decisions', { profileId });
      const implicit = await call('ap-out-3', { outcome: 'negative' });
      expect(implicit.body['outputFields']).toMatchObject({
        recorded: 'true',
        decisionId: next.body.decisionId,
        hs_execution_state: 'SUCCESS',
      });
      const unknown = await call('ap-out-4', { outcome: 'positive', decisionId: 'dec_nope' });
      expect(unknown.body['outputFields']).toMatchObject({
        recorded: 'false',
        hs_execution_state: 'FAIL_CONTINUE',
        error: 'no decision dec_nope in Baton',
      });
      const bad = await call('ap-out-5', { outcome: 'maybe' });
      expect(bad.body['outputFields']).toMatchObject({
        recorded: 'false',
        hs_execution_state: 'FAIL_CONTINUE',
        error: 'outcome must be positive or negative',
      });
    });

    it("disconnect removes the portal's contact ids from the identity graph and keeps what other sources gave", async () => {
      const { contactId, profileId } = await h.contactProfile('nia@purge.io');
      // Another source knows the same person by email and phone, and names the HubSpot contact too.
      const other = await h.api.call('POST', '/events', {
        source: 'api',
        type: 'contact.updated',
        occurredAt: new Date().toISOString(),
        subject: {
          identifiers: [
            { type: 'email', value: 'nia@purge.io' },
            { type: 'phone', value: '+447911123456' },
            { type: 'hubspotContactId', value: contactId, scope: h.portalId },
          ],
        },
      });
      expect(other.status).toBeLessThan(300);
      await waitFor(
        async () =>
          (
            await h.svc.runtime.db.query(
              `SELECT 1 FROM identity_nodes WHERE tenant_id = $1 AND key LIKE 'phone:%' AND profile_id IS NOT NULL`,
              [h.tenantId],
            )
          ).rows.length > 0,
        'the phone linked',
      );
      const nodes = async (like: string) =>
        (
          await h.svc.runtime.db.query<{ key: string }>(`SELECT key FROM identity_nodes WHERE tenant_id = $1 AND key LIKE $2`, [
            h.tenantId,
            like,
          ])
        ).rows.map((r) => r.key);
      expect(await nodes(`hubspotContactId:${h.portalId}:%`)).toContain(`hubspotContactId:${h.portalId}:${contactId}`);

      const r = await h.api.call<{ purged: { events: number; records: number; identifiers: number } }>('DELETE', '/hubspot/connection');
      expect(r.status).toBe(200);
      expect(r.body.purged.records).toBeGreaterThan(0);
      expect(r.body.purged.identifiers).toBeGreaterThan(0);
      expect(await nodes(`hubspotContactId:${h.portalId}:%`)).toEqual([]);
      expect(await nodes(`rec:hubspot:%`)).toEqual([]);
      expect(await nodes('email:%:nia@purge.io')).toHaveLength(1);
      expect((await nodes('phone:%')).length).toBeGreaterThan(0);
      const still = await h.profileOfEmail('nia@purge.io');
      expect(still).toBeDefined();
      const profile = await h.api.call<Record<string, unknown>>('GET', `/profiles/${still ?? profileId}`);
      expect(JSON.stringify(profile.body)).not.toContain('hubspotContactId');
    });
  });
}
