import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import { decisioningModuleWith } from '../../server/decisioning/decisioning.module';
import { getEvent } from '../../server/events/events.repository';
import type { EventStage } from '../../server/events/event-processor';
import { identityModule } from '../../server/identity/identity.module';
import { runsModule } from '../../server/runs';
import { effectsOfRun, RecordingActionPort } from '../support/recording-action-port';
import { createTenant } from '../../server/tenants/tenants.repository';
import { dayZone, ingest, nightZone, type DecisionJson } from '../support/decisioning-helpers';
import { describeWith, waitFor } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';
import { apiClient, waitForRun, type ApiClient, type RunJson } from '../support/runs-helpers';

jest.setTimeout(180_000);

const catalog = {
  actions: [
    {
      id: 'upsell-email',
      label: 'Upgrade offer',
      channel: 'email',
      value: 1000,
      template: { name: 'upgrade-offer', subject: 'Time to upgrade', body: 'Hi, here is an offer.' },
      params: { templateId: '90002' },
    },
    {
      id: 'flag-hot',
      label: 'Flag as hot',
      channel: 'crm_update',
      value: 1,
      params: { properties: { baton_hot: true, lifecycle_note: 'hot lead' } },
    },
  ],
};
const calm = { holdout: { share: 0 }, randomControlShare: 0, reach: { initial: 1 } };

interface RunRow {
  id: string;
  playbook_id: string;
  status: string;
  context: Record<string, unknown>;
}

for (const { mode, needs } of modes) {
  describeWith(needs, `event → decision → run pipeline (${mode})`, () => {
    let svc: TestService;

    beforeAll(async () => {
      svc = await startTestService(mode, {
        modules: [
          identityModule,
          decisioningModuleWith({ expiryIntervalMs: 0 }),
          automationModule,
          cardsModule,
          runsModule({
            catchAll: (db) => new RecordingActionPort(db),
            engine: { leaseMs: 5_000 },
            stuckSweepIntervalMs: 500,
            stuckGraceMs: 2_000,
          }),
        ],
      });
    });
    afterAll(async () => svc.stop());

    async function tenant(name: string, policies: Record<string, unknown>): Promise<{ api: ApiClient; tenantId: string }> {
      const t = await createTenant(svc.runtime.db, name);
      const api = apiClient(svc.url, t.apiKey);
      expect((await api.call('PUT', '/actions', catalog)).status).toBe(200);
      const put = await api.call('PUT', '/policies', policies);
      expect([put.status, put.body]).toEqual([200, expect.anything()]);
      return { api, tenantId: t.tenantId };
    }
    const runsOf = async (profileId: string): Promise<RunRow[]> =>
      (
        await svc.runtime.db.query<RunRow>('SELECT id, playbook_id, status, context FROM runs WHERE profile_id = $1 ORDER BY created_at', [
          profileId,
        ])
      ).rows;
    /** Runs the decisioning stage again for an event, as a redelivery would. */
    async function redeliver(tenantId: string, eventId: string, profileId: string): Promise<void> {
      const stage = svc.runtime.modules.find((m) => m.name === 'decisioning')?.stages?.[0] as EventStage;
      const event = await getEvent(svc.runtime.db, tenantId, eventId);
      if (event === undefined) throw new Error('event missing');
      await stage.run({ tenantId, event, profileId });
    }

    it('runs the decision of an automated event type once, records the run on the decision, and passes the catalog params to the port', async () => {
      const { api, tenantId } = await tenant('Auto', { ...calm, automation: { events: ['message.*'] } });
      const p = await ingest(api, 'auto@acme.io', 'message.received', {
        text: 'I want to buy the enterprise plan, can you send me a quote?',
        traits: { timeZone: dayZone() },
      });
      const [run] = await waitFor(
        async () => ((await runsOf(p.profileId)).length > 0 ? runsOf(p.profileId) : undefined),
        'the automated run',
      );
      expect(run).toMatchObject({ playbook_id: 'baton-accepted-action' });
      const decisionId = String(run?.context['acceptedDecisionId']);
      expect(run?.context['trigger']).toMatchObject({ eventId: p.eventId, eventType: 'message.received', decisionId });
      const done = await waitForRun(api, run?.id ?? '', (r) => r.status === 'completed', 'the automated run');
      expect(done.steps[0]?.output).toMatchObject({ decisionId, action: { id: 'upsell-email' }, executed: true });
      const logged = await api.call<{ status: string; runId: string; origin: string }>('GET', `/decisions/${decisionId}`);
      expect(logged.body).toMatchObject({ status: 'accepted', runId: run?.id, origin: 'pipeline' });
      // The email's params come from the catalog: template id, the template's subject and body.
      const effects = await effectsOfRun(svc.runtime.db, tenantId, run?.id ?? '');
      expect(effects.map((e) => [e.kind, e.params])).toEqual([
        [
          'email',
          expect.objectContaining({
            templateId: '90002',
            subject: 'Time to upgrade',
            body: 'Hi, here is an offer.',
            actionId: 'upsell-email',
            decisionId,
          }),
        ],
      ]);

      // Redelivery of the event: the same decision, no second run.
      await redeliver(tenantId, p.eventId, p.profileId);
      expect((await runsOf(p.profileId)).map((r) => r.id)).toEqual([run?.id]);
      // An event type outside the policy decides but does not run.
      await ingest(api, 'auto@acme.io', 'ticket.created', { properties: { ticketId: 'T-9', priority: 'low' } });
      expect((await runsOf(p.profileId)).length).toBe(1);
    });

    it("evaluates a trigger's condition on the person's state as this very event left it (traits, stage, hotness)", async () => {
      const { api, tenantId } = await tenant('Trigger state', calm);
      const playbook = {
        id: 'hot-pro',
        version: 1,
        name: 'Hot pro',
        concurrency: 'unlimited',
        trigger: {
          events: ['message.received'],
          when: {
            and: [
              { '==': [{ var: 'profile.traits.plan' }, 'pro'] },
              { '>': [{ var: 'profile.hotness' }, 0] },
              { '!!': [{ var: 'profile.stage' }] },
            ],
          },
        },
        steps: [{ id: 'note', kind: 'action', action: { type: 'note', params: { body: 'hot pro {{context.trigger.eventId}}' } } }],
      };
      expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await api.call('POST', '/playbooks/hot-pro/publish', {})).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2_100));
      const text = 'How much does the pro plan cost for 20 seats? We want to buy this week.';
      // The traits, the hotness and the state row itself come from this first event of each person.
      const pro = await ingest(api, 'hot-pro@acme.io', 'message.received', { text, traits: { plan: 'pro', timeZone: dayZone() } });
      const free = await ingest(api, 'hot-free@acme.io', 'message.received', { text, traits: { plan: 'free', timeZone: dayZone() } });
      const runs = await waitFor(async () => ((await runsOf(pro.profileId)).length > 0 ? runsOf(pro.profileId) : undefined), 'the run');
      expect(runs.map((r) => r.playbook_id)).toEqual(['hot-pro']);
      expect(await runsOf(free.profileId)).toEqual([]);
      const stored = await svc.runtime.db.query<{ stage: string; hotness_score: number }>(
        'SELECT stage, hotness_score FROM journey_states WHERE tenant_id = $1 AND profile_id = $2',
        [tenantId, pro.profileId],
      );
      expect(stored.rows[0]?.hotness_score).toBeGreaterThan(0);
      expect(runs[0]?.context['profile']).toMatchObject({ id: pro.profileId, stage: stored.rows[0]?.stage, timeZone: dayZone() });
    });

    it('starts a triggered playbook when the event type and condition match, once per event, with the crm_update properties of the catalog', async () => {
      const { api, tenantId } = await tenant('Triggers', calm);
      const playbook = {
        id: 'urgent-ticket',
        version: 1,
        name: 'Urgent ticket follow-up',
        concurrency: 'unlimited',
        trigger: { events: ['ticket.*'], when: { '==': [{ var: 'event.properties.priority' }, 'urgent'] } },
        steps: [{ id: 'note', kind: 'action', action: { type: 'note', params: { body: 'Urgent ticket {{context.trigger.eventId}}' } } }],
      };
      expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await api.call('POST', '/playbooks/urgent-ticket/publish', {})).status).toBe(200);
      const bad = await api.call<{ error: { message: string } }>('POST', '/playbooks', {
        ...playbook,
        id: 'bad-trigger',
        trigger: { events: ['ticket created'] },
      });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toMatch(/trigger\.events/);
      // Publishing is seen by the pipeline within its 2 s cache.
      await new Promise((r) => setTimeout(r, 2_100));

      const low = await ingest(api, 'trig@acme.io', 'ticket.created', {
        traits: { timeZone: dayZone() },
        properties: { ticketId: 'T-1', priority: 'low' },
      });
      expect(await runsOf(low.profileId)).toEqual([]);
      const urgent = await ingest(api, 'trig@acme.io', 'ticket.updated', { properties: { ticketId: 'T-1', priority: 'urgent' } });
      const runs = await waitFor(
        async () => ((await runsOf(urgent.profileId)).length > 0 ? runsOf(urgent.profileId) : undefined),
        'the triggered run',
      );
      expect(runs.map((r) => r.playbook_id)).toEqual(['urgent-ticket']);
      expect(runs[0]?.context['trigger']).toMatchObject({ eventId: urgent.eventId, eventType: 'ticket.updated' });
      await waitForRun(api, runs[0]?.id ?? '', (r) => r.status === 'completed', 'the triggered run');
      await redeliver(tenantId, urgent.eventId, urgent.profileId);
      await redeliver(tenantId, urgent.eventId, urgent.profileId);
      expect((await runsOf(urgent.profileId)).length).toBe(1);

      // A decide step in a triggered-by-policy run: crm_update carries the catalog's properties.
      const flagOnly = await api.call('PUT', '/actions', { actions: [catalog.actions[1]] });
      expect(flagOnly.status).toBe(200);
      await api.call('POST', '/playbooks', { id: 'ask', version: 1, name: 'Ask', steps: [{ id: 'pick', kind: 'decide', context: {} }] });
      await api.call('POST', '/playbooks/ask/publish', {});
      const started = await api.call<RunJson>('POST', '/runs', { playbookId: 'ask', profileId: urgent.profileId });
      await waitForRun(api, started.body.id, (r) => r.status === 'completed', 'the decide run');
      const effects = await effectsOfRun(svc.runtime.db, tenantId, started.body.id);
      expect(effects.map((e) => [e.kind, e.params])).toEqual([
        ['crm_update', expect.objectContaining({ properties: { baton_hot: true, lifecycle_note: 'hot lead' } })],
      ]);
      const noProps = await api.call<{ error: { details: { path: string }[] } }>('PUT', '/actions', {
        actions: [{ id: 'x', label: 'X', channel: 'sms', value: 1, params: { properties: { a: 1 } } }],
      });
      expect(noProps.status).toBe(400);
      expect(noProps.body.error.details.map((d) => d.path)).toContain('actions.0.params.properties');
    });

    it('does not start a second run when an event is redelivered after the run it joined has ended', async () => {
      const { api, tenantId } = await tenant('Joined', calm);
      await api.call('POST', '/playbooks', {
        id: 'nurture-once',
        version: 1,
        name: 'One at a time',
        concurrency: 'one_per_profile',
        trigger: { events: ['form.submitted'] },
        steps: [
          { id: 'hold', kind: 'wait', wait: { type: 'event', match: { '==': [{ var: 'event.type' }, 'form.done'] }, timeout: '1d' } },
        ],
      });
      await api.call('POST', '/playbooks/nurture-once/publish', {});
      await new Promise((r) => setTimeout(r, 2_100));
      const first = await ingest(api, 'joined@acme.io', 'form.submitted', { traits: { timeZone: dayZone() } });
      const second = await ingest(api, 'joined@acme.io', 'form.submitted');
      const [run] = await runsOf(first.profileId);
      expect((await runsOf(first.profileId)).length).toBe(1); // the second event joined the active run
      await api.call('POST', `/runs/${run?.id ?? ''}/cancel`, {});
      await waitForRun(api, run?.id ?? '', (r) => r.status === 'cancelled', 'the cancelled run');
      await redeliver(tenantId, second.eventId, second.profileId);
      await redeliver(tenantId, first.eventId, first.profileId);
      expect((await runsOf(first.profileId)).map((r) => r.id)).toEqual([run?.id]);
    });

    it('never starts an automated run for a holdout profile', async () => {
      const { api } = await tenant('Holdout', { ...calm, holdout: { share: 1 }, automation: { events: ['*'] } });
      await api.call('POST', '/playbooks', {
        id: 'every-reply',
        version: 1,
        name: 'Every reply',
        trigger: { events: ['email.replied'] },
        steps: [{ id: 'n', kind: 'action', action: { type: 'note', params: { body: 'x' } } }],
      });
      await api.call('POST', '/playbooks/every-reply/publish', {});
      await new Promise((r) => setTimeout(r, 2_100));
      const p = await ingest(api, 'held@acme.io', 'email.replied', {
        text: 'Sounds great, I want to buy it',
        traits: { timeZone: dayZone() },
      });
      const decision = await api.call<{ decision: DecisionJson | null }>('GET', `/profiles/${p.profileId}`);
      expect(decision.body.decision).toMatchObject({ holdout: true, action: null });
      expect(await runsOf(p.profileId)).toEqual([]);
    });

    it('counts emails sent by plain playbook steps toward frequency caps', async () => {
      const { api } = await tenant('Caps', { ...calm, frequencyCaps: [{ channel: 'email', period: 'day', max: 1 }] });
      const p = await ingest(api, 'capped@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      await api.call('POST', '/playbooks', {
        id: 'mailer',
        version: 1,
        name: 'Mailer',
        steps: [{ id: 'mail', kind: 'action', action: { type: 'email', params: { templateId: '1' } } }],
      });
      await api.call('POST', '/playbooks/mailer/publish', {});
      const before = await api.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId });
      expect(before.body.action?.id).toBe('upsell-email');
      const run = await api.call<RunJson>('POST', '/runs', { playbookId: 'mailer', profileId: p.profileId });
      await waitForRun(api, run.body.id, (r) => r.status === 'completed', 'the mailer run');
      const after = await api.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId });
      expect(after.body.explanation.find((c) => c.actionId === 'upsell-email')).toMatchObject({
        fate: 'blocked',
        blockedBy: { policy: 'frequency_cap' },
      });
    });

    it('settles a decision made before an identity merge from an outcome event on the merged person, and reads ticket satisfaction', async () => {
      const { api } = await tenant('Merges', calm);
      const a = await ingest(api, 'first@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      const b = await ingest(api, 'second@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      const before = await api.call<DecisionJson>('POST', '/decisions', { profileId: a.profileId });
      expect(before.body.action).not.toBeNull();
      const merged = await api.call<{ profileId: string; merged: string[] }>('POST', '/profiles/merge', {
        profileIds: [a.profileId, b.profileId],
      });
      expect(merged.status).toBe(200);
      // The outcome arrives about the other identifier; the live profile may be either id.
      await ingest(api, 'second@acme.io', 'meeting.booked');
      const settled = await api.call<{ outcome: { outcome: string } | null }>('GET', `/decisions/${before.body.decisionId}`);
      expect(settled.body.outcome).toMatchObject({ outcome: 'positive' });

      // Ticket solved: 'bad' satisfaction is a negative outcome; unrated settles nothing.
      const c = await ingest(api, 'rated@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      const outcomes = async (): Promise<string[]> =>
        (
          await svc.runtime.db.query<{ outcome: string }>(
            'SELECT o.outcome FROM decision_outcomes o JOIN decisions d ON d.tenant_id = o.tenant_id AND d.id = o.decision_id WHERE d.profile_id = $1',
            [c.profileId],
          )
        ).rows.map((r) => r.outcome);
      expect((await api.call<DecisionJson>('POST', '/decisions', { profileId: c.profileId })).body.action).not.toBeNull();
      await ingest(api, 'rated@acme.io', 'ticket.solved', { properties: { ticketId: 'Z-1' } });
      expect(await outcomes()).toEqual([]);
      await ingest(api, 'rated@acme.io', 'ticket.solved', { properties: { ticketId: 'Z-2', satisfaction: 'bad' } });
      expect(await outcomes()).toEqual(['negative']);
    });

    it("makes an automated run wait for the end of the recipient's quiet hours instead of sending", async () => {
      const { api, tenantId } = await tenant('Quiet', { ...calm, automation: { events: ['contact.updated'] } });
      // contact.updated alone changes nothing relevant; the automation policy makes the pipeline decide on it.
      const p = await ingest(api, 'sleeper@acme.io', 'contact.updated', { traits: { timeZone: nightZone() } });
      const [run] = await waitFor(
        async () => ((await runsOf(p.profileId)).length > 0 ? runsOf(p.profileId) : undefined),
        'the automated run',
      );
      const waiting = await waitForRun(api, run?.id ?? '', (r) => r.status === 'waiting', 'the deferred run');
      expect(waiting.waitingFor).toBe('time_window');
      expect(Date.parse(waiting.wakeAt ?? '')).toBeGreaterThan(Date.now());
      expect(waiting.steps[0]).toMatchObject({ status: 'retrying' });
      expect(await effectsOfRun(svc.runtime.db, tenantId, run?.id ?? '')).toEqual([]);
    });
  });
}
