import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import type { ActionPort } from '../../app/orchestration';
import { decisioningModuleWith } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import type { ModuleFactory } from '../../server/module';
import { ACTION_REGISTRY, runsModule } from '../../server/runs';
import { createTenant } from '../../server/tenants/tenants.repository';
import { card, dayZone, ingest, type DecisionJson } from '../support/decisioning-helpers';
import { effectsOfRun, RecordingActionPort } from '../support/recording-action-port';
import { modes, startTestService, type TestService } from '../support/runtime';
import { apiClient, waitForRun, type ApiClient, type RunJson } from '../support/runs-helpers';
import { describeWith } from '../support/services';

jest.setTimeout(180_000);

/**
 * A stand-in CRM connected for every tenant: it carries out emails and tasks for the people it "holds"
 * (profile ids in `known`), like the HubSpot and Salesforce ports whose guards ask for a record of the
 * person. Nothing else is registered, and there is no catch-all: what it cannot take is undeliverable.
 */
const known = new Set<string>();
const fakeCrm: ModuleFactory = (ctx) => {
  const recorder: ActionPort = new RecordingActionPort(ctx.db);
  const registry = ctx.services.require(ACTION_REGISTRY);
  for (const kind of ['email', 'task'] as const) {
    registry.register(kind, recorder, { handles: async (r) => known.has(r.profileId), available: async () => true, name: 'FakeCRM' });
  }
  return { name: 'fake-crm' };
};

const catalog = {
  actions: [{ id: 'upsell-email', label: 'Upgrade offer', channel: 'email', value: 1000, params: { templateId: '90002' } }],
};
const policies = {
  holdout: { share: 0 },
  randomControlShare: 0,
  reach: { initial: 1 },
  frequencyCaps: [{ channel: 'email', period: 'day', max: 1 }],
};

interface ErrorJson {
  error: { code: string; message: string; details?: { stepId: string; kind: string; reason: string }[] };
}
interface PlaybookJson {
  id: string;
  status: string;
}
interface DeliveryJson {
  attempted: number;
  delivered: number;
  undeliverable: number;
  rate: number | null;
}

for (const { mode, needs } of modes) {
  describeWith(needs, `undeliverable actions (${mode})`, () => {
    let svc: TestService;
    let api: ApiClient;
    let tenantId: string;

    beforeAll(async () => {
      svc = await startTestService(mode, {
        modules: [
          identityModule,
          decisioningModuleWith({ expiryIntervalMs: 0 }),
          automationModule,
          cardsModule,
          runsModule({ engine: { leaseMs: 5_000 }, stuckSweepIntervalMs: 500, stuckGraceMs: 2_000 }),
          fakeCrm,
        ],
      });
      const t = await createTenant(svc.runtime.db, 'Undeliverable');
      tenantId = t.tenantId;
      api = apiClient(svc.url, t.apiKey);
      expect((await api.call('PUT', '/actions', catalog)).status).toBe(200);
      expect((await api.call('PUT', '/policies', policies)).status).toBe(200);
    });
    afterAll(async () => svc.stop());

    it('installs a sample as a draft when its steps cannot be carried out here, and publishes the one that can', async () => {
      const r = await api.call<{ playbooks: PlaybookJson[] }>('GET', '/playbooks');
      // new-lead-nurture: emails and tasks (FakeCRM); renewal-rescue also updates CRM fields, which nothing here can do.
      expect(r.body.playbooks.map((p) => [p.id, p.status])).toEqual([
        ['new-lead-nurture', 'published'],
        ['renewal-rescue', 'draft'],
      ]);
      const publish = await api.call<ErrorJson>('POST', '/playbooks/renewal-rescue/publish', {});
      expect(publish.status).toBe(400);
      expect(publish.body.error.code).toBe('undeliverable_steps');
      expect(publish.body.error.details?.map((d) => d.stepId)).toEqual(['flag-at-risk']);
    });

    it('refuses to publish a playbook with a step nothing connected can carry out, naming the step, unless it names a fallback', async () => {
      const ticket = {
        id: 'escalate',
        version: 1,
        name: 'Escalate',
        steps: [{ id: 'open-ticket', kind: 'action', action: { type: 'ticket', params: { subject: 'Help' } } }],
      };
      expect((await api.call('POST', '/playbooks', ticket)).status).toBe(201);
      const refused = await api.call<ErrorJson>('POST', '/playbooks/escalate/publish', {});
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'undeliverable_steps', details: [{ stepId: 'open-ticket', kind: 'ticket' }] });
      expect(refused.body.error.message).toContain('step "open-ticket"');
      expect(refused.body.error.message).toContain('fallback');
      const listed = await api.call<{ playbooks: PlaybookJson[] }>('GET', '/playbooks?id=escalate');
      expect(listed.body.playbooks.map((p) => p.status)).toEqual(['draft']);

      const withFallback = {
        ...ticket,
        version: 2,
        steps: [
          {
            id: 'open-ticket',
            kind: 'action',
            action: { type: 'ticket', params: { subject: 'Help' } },
            onUndeliverable: { fallback: 'owner-task' },
            next: 'done',
          },
          { id: 'done', kind: 'exit' },
          { id: 'owner-task', kind: 'action', action: { type: 'task', params: { subject: 'Call them' } } },
        ],
      };
      expect((await api.call('POST', '/playbooks', withFallback)).status).toBe(201);
      const published = await api.call<PlaybookJson>('POST', '/playbooks/escalate/publish', { version: 2 });
      expect([published.status, published.body.status]).toEqual([200, 'published']);

      // At run time the ticket is undeliverable (no help desk), the fallback task is delivered.
      const p = await ingest(api, 'escalate@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      known.add(p.profileId);
      const run = await api.call<RunJson>('POST', '/runs', { playbookId: 'escalate', profileId: p.profileId });
      const done = await waitForRun(api, run.body.id, (r) => r.status === 'completed', 'the escalation run');
      expect(done.steps.map((s) => [s.stepId, s.status])).toEqual([
        ['open-ticket', 'undeliverable'],
        ['owner-task', 'succeeded'],
      ]);
      expect(done.steps[0]?.error).toMatchObject({ category: 'undeliverable', code: 'no_connected_system' });
      expect((await effectsOfRun(svc.runtime.db, tenantId, done.id)).map((e) => e.stepId)).toEqual(['owner-task']);
    });

    it('a decided email for a person no CRM holds: nothing sent, the skip is on the run and the card, no cap used, and lift reports the delivery rate', async () => {
      await api.call('POST', '/playbooks', { id: 'nba', version: 1, name: 'Next best action', steps: [{ id: 'decide', kind: 'decide' }] });
      expect((await api.call('POST', '/playbooks/nba/publish', {})).status).toBe(200);

      const stranger = await ingest(api, 'stranger@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      const run = await api.call<RunJson>('POST', '/runs', { playbookId: 'nba', profileId: stranger.profileId });
      const done = await waitForRun(api, run.body.id, (r) => r.status === 'completed', 'the skipped run');
      const step = done.steps[0];
      expect(step).toMatchObject({
        stepId: 'decide',
        status: 'undeliverable',
        error: { category: 'undeliverable', code: 'no_record_for_person' },
        output: { executed: false, delivered: false, action: { id: 'upsell-email' }, undeliverable: { then: 'skipped' } },
      });
      expect(JSON.stringify(step?.error)).toContain('FakeCRM has no record of this person');
      expect(step?.attempts.map((a) => a.outcome)).toEqual(['undeliverable']);
      expect(await effectsOfRun(svc.runtime.db, tenantId, done.id)).toEqual([]);

      const view = await card(api, stranger.profileId);
      const cardStep = view.runs.find((r) => r.runId === done.id)?.steps.find((s) => s.stepId === 'decide');
      expect(cardStep).toMatchObject({ status: 'undeliverable', error: { code: 'no_record_for_person' } });

      // Not a contact: the email frequency cap (1 a day) still lets the upsell through.
      const again = await api.call<DecisionJson>('POST', '/decisions', { profileId: stranger.profileId });
      expect(again.body.action?.id).toBe('upsell-email');

      // A person the CRM holds gets it; now the cap counts that contact.
      const customer = await ingest(api, 'customer@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      known.add(customer.profileId);
      const sent = await api.call<RunJson>('POST', '/runs', { playbookId: 'nba', profileId: customer.profileId });
      const delivered = await waitForRun(api, sent.body.id, (r) => r.status === 'completed', 'the delivered run');
      expect(delivered.steps[0]).toMatchObject({ status: 'succeeded' });
      const capped = await api.call<DecisionJson>('POST', '/decisions', { profileId: customer.profileId });
      expect(capped.body.explanation.find((c) => c.actionId === 'upsell-email')).toMatchObject({
        fate: 'blocked',
        blockedBy: { policy: 'frequency_cap' },
      });

      const lift = await api.call<{ delivery: { overall: DeliveryJson; perAction: (DeliveryJson & { actionId: string })[] } }>(
        'GET',
        '/lift',
      );
      expect(lift.status).toBe(200);
      expect(lift.body.delivery.perAction).toEqual([{ actionId: 'upsell-email', attempted: 2, delivered: 1, undeliverable: 1, rate: 0.5 }]);
      expect(lift.body.delivery.overall).toEqual({ attempted: 2, delivered: 1, undeliverable: 1, rate: 0.5 });
    });

    it('onUndeliverable "fail" parks the run; once the CRM holds the person, resume delivers it', async () => {
      await api.call('POST', '/playbooks', {
        id: 'strict-mail',
        version: 1,
        name: 'Strict mail',
        steps: [{ id: 'mail', kind: 'action', action: { type: 'email', params: { templateId: '1' } }, onUndeliverable: 'fail' }],
      });
      expect((await api.call('POST', '/playbooks/strict-mail/publish', {})).status).toBe(200);
      const p = await ingest(api, 'later@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      const run = await api.call<RunJson>('POST', '/runs', { playbookId: 'strict-mail', profileId: p.profileId });
      const failed = await waitForRun(api, run.body.id, (r) => r.status === 'failed', 'the parked run');
      expect(failed.error).toMatchObject({ code: 'no_record_for_person', stepId: 'mail' });
      expect(failed.steps[0]).toMatchObject({ status: 'undeliverable', output: { undeliverable: { then: 'failed' } } });

      known.add(p.profileId);
      expect((await api.call('POST', `/runs/${run.body.id}/resume`, {})).status).toBe(200);
      const done = await waitForRun(api, run.body.id, (r) => r.status === 'completed', 'the resumed run');
      expect(done.steps[0]?.attempts.map((a) => a.outcome)).toEqual(['undeliverable', 'succeeded']);
      expect((await effectsOfRun(svc.runtime.db, tenantId, done.id)).map((e) => e.stepId)).toEqual(['mail']);
    });
  });
}
