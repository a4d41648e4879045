import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import { RecordingActionPort } from '../support/recording-action-port';
import type { CardView } from '../../app/cards/card-view';
import { decisioningModuleWith } from '../../server/decisioning/decisioning.module';
import { identityModule } from '../../server/identity/identity.module';
import { runsModule } from '../../server/runs';
import { getEvent } from '../../server/events/events.repository';
import type { EventStage } from '../../server/events/event-processor';
import { createTenant } from '../../server/tenants/tenants.repository';
import { card, dayZone, ingest, nightZone, type DecisionJson } from '../support/decisioning-helpers';
import { describeWith, waitFor } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';
import { apiClient, waitForRun, type ApiClient, type RunJson } from '../support/runs-helpers';

// The machine running the suite may be shared; starting PGlite and migrating can take a while.
jest.setTimeout(180_000);

const catalog = {
  actions: [
    { id: 'upsell-email', label: 'Upgrade offer', channel: 'email', value: 1000, template: 'upgrade-offer' },
    { id: 'call-task', label: 'Call them', channel: 'task', value: 1 },
  ],
};
// Arbitration the assertions can rely on: no holdout, no random control, no reach cap for new actions,
// and values so far apart (1000 vs 1) that a Thompson draw practically never prefers the task.
const calmPolicies = { holdout: { share: 0 }, randomControlShare: 0, reach: { initial: 1 } };

interface ProfileJson {
  id: string;
  journey: { stage: string; timeInStageMs: number; history: { from: string | null; to: string; reason: string }[] } | null;
  hotness: { score: number; trend: string } | null;
  signals: { intent: string; sentiment: number; urgency: string; sentimentLabel: string }[];
  decision: (DecisionJson & { mode: string }) | null;
  runs?: { id: string }[];
}

for (const { mode, needs } of modes) {
  describeWith(needs, `decisioning API (${mode})`, () => {
    let svc: TestService;
    let api: ApiClient;
    let other: ApiClient;

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
      const a = await createTenant(svc.runtime.db, 'Brain A');
      const b = await createTenant(svc.runtime.db, 'Brain B');
      api = apiClient(svc.url, a.apiKey);
      other = apiClient(svc.url, b.apiKey);
      expect((await api.call('PUT', '/actions', catalog)).status).toBe(200);
      expect((await api.call('PUT', '/policies', calmPolicies)).status).toBe(200);
    });
    afterAll(async () => svc.stop());

    it('validates the catalog and the policies with 400s that name the field', async () => {
      const bad = await api.call<{ error: { code: string; message: string; details: { path: string; message: string }[] } }>(
        'PUT',
        '/actions',
        {
          actions: [
            { id: 'a', label: 'A', channel: 'carrier-pigeon', value: 1 },
            { id: 'b', label: 'B', channel: 'email', value: -1, eligibilty: {} },
          ],
        },
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_catalog');
      expect(bad.body.error.message).toMatch(/^invalid action catalog: actions\.0\.channel/);
      expect(bad.body.error.details.map((d) => d.path)).toEqual(
        expect.arrayContaining(['actions.0.channel', 'actions.1.value', 'actions.1']),
      );
      expect(JSON.stringify(bad.body.error.details)).toMatch(/eligibilty/);
      const duplicate = await api.call<{ error: { details: { path: string; message: string }[] } }>('PUT', '/actions', {
        actions: [
          { id: 'a', label: 'A', channel: 'email', value: 1 },
          { id: 'a', label: 'A again', channel: 'sms', value: 1 },
        ],
      });
      expect(duplicate.status).toBe(400);
      expect(duplicate.body.error.details).toEqual([{ path: 'actions.1.id', message: expect.stringMatching(/duplicate action id "a"/) }]);
      // Nothing stored was lost.
      const stored = await api.call<{ actions: { id: string }[] }>('GET', '/actions');
      expect(stored.body.actions.map((x) => x.id)).toEqual(['upsell-email', 'call-task']);

      const badPolicy = await api.call<{ error: { code: string; details: { path: string }[] } }>('PUT', '/policies', {
        quietHours: { start: '25:00' },
        holdout: { share: 2 },
      });
      expect(badPolicy.status).toBe(400);
      expect(badPolicy.body.error.code).toBe('invalid_policies');
      expect(badPolicy.body.error.details.map((d) => d.path)).toEqual(expect.arrayContaining(['quietHours.start', 'holdout.share']));
      const badZone = await api.call<{ error: { message: string } }>('PUT', '/policies', {
        quietHours: { defaultTimeZone: 'Mars/Olympus' },
      });
      expect(badZone.status).toBe(400);
      expect(badZone.body.error.message).toMatch(/Mars\/Olympus/);
      const policies = await api.call<{
        policies: { holdout: { share: number }; quietHours: { start: string }; frequencyCaps: unknown[] };
      }>('GET', '/policies');
      expect(policies.body.policies).toMatchObject({ holdout: { share: 0 }, quietHours: { start: '21:00' } });
      expect(policies.body.policies.frequencyCaps.length).toBeGreaterThan(0);
    });

    it('turns an ingested message into signals, a journey stage, hotness and a decision on the profile', async () => {
      const { profileId } = await ingest(api, 'demo@acme.io', 'message.received', {
        text: "Hi, I'd love to book a demo of Baton for my team next week",
        traits: { firstName: 'Dana', timeZone: dayZone() },
      });
      const profile = await api.call<ProfileJson>('GET', `/profiles/${profileId}`);
      expect(profile.status).toBe(200);
      expect(profile.body.signals[0]).toMatchObject({ intent: 'demo_request', sentimentLabel: 'positive', urgency: 'low' });
      expect(profile.body.journey).toMatchObject({ stage: 'qualified' });
      expect(profile.body.journey?.history.map((h) => [h.from, h.to])).toEqual([
        ['lead', 'qualified'],
        [null, 'lead'],
      ]);
      expect(profile.body.hotness?.score).toBeGreaterThan(50);
      expect(profile.body.hotness?.trend).toBe('rising');
      expect(profile.body.decision).toMatchObject({ action: { id: 'upsell-email' }, holdout: false, status: 'proposed' });
      expect(profile.body.runs).toEqual([]);
    });

    it('is idempotent when the pipeline stage runs twice for one event', async () => {
      const { eventId, profileId } = await ingest(api, 'twice@acme.io', 'message.received', {
        text: 'I want to buy the enterprise plan, can you send me a quote?',
        traits: { timeZone: dayZone() },
      });
      const before = await api.call<ProfileJson>('GET', `/profiles/${profileId}`);
      const stage = svc.runtime.modules.find((m) => m.name === 'decisioning')?.stages?.[0] as EventStage;
      const tenantId =
        (await svc.runtime.db.query<{ tenant_id: string }>('SELECT tenant_id FROM events WHERE id = $1', [eventId])).rows[0]?.tenant_id ??
        '';
      const event = await getEvent(svc.runtime.db, tenantId, eventId);
      if (event === undefined) throw new Error('event missing');
      await stage.run({ tenantId, event, profileId });
      const after = await api.call<ProfileJson>('GET', `/profiles/${profileId}`);
      expect(after.body.journey?.history).toEqual(before.body.journey?.history);
      expect(after.body.signals).toEqual(before.body.signals);
      expect(after.body.decision?.decisionId).toBe(before.body.decision?.decisionId);
      expect(after.body.hotness?.score).toBeCloseTo(before.body.hotness?.score ?? -1, 0);
    });

    it('defers in quiet hours, caps frequency and suppresses promotion during an open high-priority ticket, and explains why', async () => {
      // Quiet hours: the person's local time is the middle of the night.
      const night = await ingest(api, 'night@acme.io', 'contact.updated', {
        traits: { timeZone: nightZone() },
        properties: { lifecycleStage: 'customer' },
      });
      const deferred = await api.call<DecisionJson>('POST', '/decisions', { profileId: night.profileId });
      expect(deferred.status).toBe(200);
      expect(deferred.body).toMatchObject({ action: { id: 'upsell-email' }, status: 'deferred' });
      const upsell = deferred.body.explanation.find((c) => c.actionId === 'upsell-email');
      expect(upsell?.deferReason).toMatch(/quiet hours/);
      expect(Date.parse(upsell?.deferredUntil ?? '')).toBeGreaterThan(Date.now());

      // Open high-priority ticket: no upsell, the task is fine.
      const ticketed = await ingest(api, 'ticket@acme.io', 'ticket.created', {
        traits: { timeZone: dayZone() },
        properties: { ticketId: 'T-1', priority: 'high' },
      });
      const suppressed = await api.call<DecisionJson>('POST', '/decisions', { identifiers: [{ type: 'email', value: 'Ticket@Acme.io' }] });
      expect(suppressed.body.action?.id).toBe('call-task');
      expect(suppressed.body.explanation.find((c) => c.actionId === 'upsell-email')).toMatchObject({
        fate: 'blocked',
        blockedBy: { policy: 'ticket_suppression', reason: expect.stringMatching(/high-priority ticket T-1 is open/) },
      });
      // Solving the ticket lifts the suppression.
      await ingest(api, 'ticket@acme.io', 'ticket.solved', { properties: { ticketId: 'T-1', priority: 'high' } });
      const lifted = await api.call<DecisionJson>('POST', '/decisions', { profileId: ticketed.profileId });
      expect(lifted.body.explanation.find((c) => c.actionId === 'upsell-email')?.fate).not.toBe('blocked');

      // Frequency cap: one email a day; the accepted email counts once it is executed by its run.
      expect(
        (await api.call('PUT', '/policies', { ...calmPolicies, frequencyCaps: [{ channel: 'email', period: 'day', max: 1 }] })).status,
      ).toBe(200);
      const capped = await ingest(api, 'capped@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      const first = await api.call<DecisionJson>('POST', '/decisions', { profileId: capped.profileId });
      expect(first.body.action?.id).toBe('upsell-email');
      const accepted = await api.call<{ card: CardView }>('POST', '/cards/actions', {
        type: 'accept',
        profileId: capped.profileId,
        decisionId: first.body.decisionId,
      });
      expect(accepted.status).toBe(200);
      const runId = accepted.body.card.runs[0]?.runId ?? '';
      await waitForRun(api, runId, (r) => r.status === 'completed', 'the accepted action to run');
      const second = await api.call<DecisionJson>('POST', '/decisions', { profileId: capped.profileId });
      expect(second.body.action?.id).toBe('call-task');
      expect(second.body.explanation.find((c) => c.actionId === 'upsell-email')).toMatchObject({
        fate: 'blocked',
        blockedBy: { policy: 'frequency_cap' },
      });
      const detail = await api.call<{ explanation: DecisionJson['explanation']; origin: string; notes: string[] }>(
        'GET',
        `/decisions/${second.body.decisionId}`,
      );
      expect(detail.body.origin).toBe('api');
      expect(detail.body.explanation).toHaveLength(2);
      expect(detail.body.explanation.find((c) => c.actionId === 'call-task')?.factors).toEqual(
        expect.objectContaining({ score: expect.any(Number), propensityMean: expect.any(Number) }),
      );
      expect((await api.call('PUT', '/policies', calmPolicies)).status).toBe(200);
    });

    it('sends high-risk messages to a person instead of automation', async () => {
      const angry = await ingest(api, 'angry@acme.io', 'message.received', {
        text: 'This is the third time my invoice is wrong, I am furious. Fix it now or I will call my lawyer!',
        traits: { timeZone: dayZone() },
      });
      const decision = await api.call<DecisionJson>('POST', '/decisions', { profileId: angry.profileId });
      expect(decision.body.action?.channel).toBe('task');
      expect(decision.body.explanation.find((c) => c.actionId === 'upsell-email')?.fate).toBe('blocked');
    });

    it('keeps the holdout assignment per profile when the share changes', async () => {
      const tenant = await createTenant(svc.runtime.db, 'Brain holdout');
      const h = apiClient(svc.url, tenant.apiKey);
      await h.call('PUT', '/actions', catalog);
      await h.call('PUT', '/policies', { holdout: { share: 0.5 }, randomControlShare: 0, quietHours: { enabled: false } });
      const people = await Promise.all(Array.from({ length: 12 }, (_, i) => ingest(h, `holdout${i}@acme.io`, 'contact.updated')));
      const firstRound = await Promise.all(
        people.map(async (p) => (await h.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId })).body),
      );
      const held = firstRound.filter((d) => d.holdout);
      expect(held.length).toBeGreaterThan(0);
      expect(held.length).toBeLessThan(12);
      for (const d of held) expect(d.action).toBeNull();
      await h.call('PUT', '/policies', { holdout: { share: 0 }, randomControlShare: 0, quietHours: { enabled: false } });
      const secondRound = await Promise.all(
        people.map(async (p) => (await h.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId })).body),
      );
      expect(secondRound.map((d) => d.holdout)).toEqual(firstRound.map((d) => d.holdout));
      // Outcomes on holdout decisions feed the control group of lift.
      await h.call('POST', `/decisions/${held[0]?.decisionId}/outcome`, { outcome: 'positive' });
      const lift = await h.call<{ overall: { control: { decisions: number } } }>('GET', '/lift');
      expect(lift.body.overall.control.decisions).toBe(1);
    });

    it('learns from outcomes: posteriors move and lift counts them', async () => {
      const p = await ingest(api, 'learner@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      const d1 = await api.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId, context: { campaign: 'q4' } });
      const evidence = (d: DecisionJson) => d.explanation.find((c) => c.actionId === 'upsell-email')?.factors?.evidence ?? -1;
      const before = evidence(d1.body);
      const outcome = await api.call<{ learned: boolean; lift: string }>('POST', `/decisions/${d1.body.decisionId}/outcome`, {
        outcome: 'positive',
        value: 250,
      });
      expect(outcome.status).toBe(200);
      expect(outcome.body).toMatchObject({ learned: true, lift: 'treated' });
      const again = await api.call<{ error: { code: string } }>('POST', `/decisions/${d1.body.decisionId}/outcome`, {
        outcome: 'negative',
      });
      expect([again.status, again.body.error.code]).toEqual([409, 'outcome_refused']);
      const bad = await api.call<{ error: { details: { path: string }[] } }>('POST', `/decisions/${d1.body.decisionId}/outcome`, {
        outcome: 'maybe',
      });
      expect(bad.status).toBe(400);
      const d2 = await api.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId });
      expect(evidence(d2.body)).toBe(before + 1);
      const lift = await api.call<{
        overall: { treated: { decisions: number; positives: number }; confidenceLevel: number };
        perAction: { actionId: string }[];
      }>('GET', '/lift?confidence=0.9');
      expect(lift.body.overall.treated.positives).toBeGreaterThanOrEqual(1);
      expect(lift.body.overall.confidenceLevel).toBe(0.9);
      expect(lift.body.perAction.map((x) => x.actionId)).toContain('upsell-email');
      expect((await api.call('GET', '/lift?confidence=0.5')).status).toBe(400);
      // An outcome event inside the attribution window settles the latest open decision (a reply).
      await ingest(api, 'learner@acme.io', 'email.replied');
      const settled = await api.call<{ outcome: { outcome: string } | null }>('GET', `/decisions/${d2.body.decisionId}`);
      expect(settled.body.outcome).toMatchObject({ outcome: 'positive' });
    });

    it("lists decisions newest first, per profile and per action, page by page, only the tenant's own", async () => {
      const p = await ingest(api, 'lister@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      const made: string[] = [];
      for (let i = 0; i < 5; i++)
        made.push((await api.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId })).body.decisionId);
      interface ListJson {
        decisions: { decisionId: string; profileId: string; action: { id: string } | null; outcome: unknown }[];
        nextCursor: string | null;
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { status: number; body: ListJson } = await api.call(
          'GET',
          `/decisions?profileId=${p.profileId}&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.decisions.map((d) => d.decisionId));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(pages).toBe(3);
      expect(seen).toEqual([...made].reverse());
      const all = await api.call<ListJson>('GET', '/decisions?limit=200');
      expect(all.body.decisions.map((d) => d.decisionId).slice(0, 5)).toEqual([...made].reverse());
      const upsell = await api.call<ListJson>('GET', '/decisions?actionId=upsell-email&limit=200');
      expect(upsell.body.decisions.length).toBeGreaterThan(0);
      expect(upsell.body.decisions.every((d) => d.action?.id === 'upsell-email')).toBe(true);
      expect((await other.call<ListJson>('GET', `/decisions?profileId=${p.profileId}`)).body.decisions).toEqual([]);
      expect((await api.call('GET', '/decisions?limit=0')).status).toBe(400);
      expect((await api.call('GET', '/decisions?cursor=nope')).status).toBe(400);
    });

    it('uses the real decider for decide steps, once per step', async () => {
      const p = await ingest(api, 'runner@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      await api.call('POST', '/playbooks', {
        id: 'ask-brain',
        version: 1,
        name: 'Ask the brain',
        steps: [{ id: 'pick', kind: 'decide', context: { goal: 'test' } }],
      });
      await api.call('POST', '/playbooks/ask-brain/publish', {});
      const started = await api.call<RunJson>('POST', '/runs', { playbookId: 'ask-brain', profileId: p.profileId });
      expect(started.status).toBe(201);
      const done = await waitForRun(api, started.body.id, (r) => r.status === 'completed', 'the decide run');
      const step = done.steps.find((s) => s.stepId === 'pick');
      const output = step?.output as { decisionId: string; action: { id: string }; executed: boolean };
      expect(output.decisionId).toMatch(/^dec_/);
      expect(output.executed).toBe(true);
      expect(['upsell-email', 'call-task']).toContain(output.action.id);
      const logged = await api.call<{ origin: string; status: string; runId: string; context: { goal: string } }>(
        'GET',
        `/decisions/${output.decisionId}`,
      );
      expect(logged.body).toMatchObject({ origin: 'run', status: 'accepted', runId: started.body.id, context: { goal: 'test' } });
      const count = await svc.runtime.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM decisions WHERE origin = 'run' AND profile_id = $1`,
        [p.profileId],
      );
      expect(Number(count.rows[0]?.n)).toBe(1);
    });

    it('serves the record card and performs its buttons', async () => {
      const p = await ingest(api, 'carded@acme.io', 'message.received', {
        text: 'I want to buy the enterprise plan, can you send me a quote?',
        traits: { firstName: 'Casey', lastName: 'Card', timeZone: dayZone() },
      });
      const view = await card(api, p.profileId);
      expect(view).toMatchObject({ profileId: p.profileId, displayName: 'Casey Card', journey: { stage: 'qualified' } });
      expect(view.identities).toEqual([expect.objectContaining({ type: 'email', value: 'carded@acme.io', source: 'api' })]);
      expect(view.signals[0]).toMatchObject({
        type: 'message.received',
        intent: 'purchase_intent',
        excerpt: expect.stringMatching(/enterprise plan/),
      });
      const nba = view.nextBestAction;
      expect(nba).toMatchObject({ action: { id: 'upsell-email' }, status: 'proposed' });
      expect(nba?.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['score.propensity', 'signal.intent']));

      const invalid = await api.call<{ error: { code: string } }>('POST', '/cards/actions', {
        type: 'snooze',
        profileId: p.profileId,
        decisionId: nba?.decisionId,
        hours: 0,
      });
      expect(invalid.status).toBe(400);
      const snoozed = await api.call<{ message: string; card: CardView }>('POST', '/cards/actions', {
        type: 'snooze',
        profileId: p.profileId,
        decisionId: nba?.decisionId,
        hours: 2,
      });
      expect(snoozed.status).toBe(200);
      expect(snoozed.body.card.nextBestAction).toMatchObject({ status: 'snoozed', until: expect.any(String) });
      const accepted = await api.call<{ message: string; card: CardView }>('POST', '/cards/actions', {
        type: 'accept',
        profileId: p.profileId,
        decisionId: nba?.decisionId,
      });
      expect(accepted.status).toBe(200);
      expect(accepted.body.message).toMatch(/Accepted "Upgrade offer": run run_/);
      expect(accepted.body.card.nextBestAction?.status).toBe('accepted');
      const run = accepted.body.card.runs[0];
      expect(run).toMatchObject({ playbookId: 'baton-accepted-action', playbookName: 'Accepted next best action' });
      const finished = await waitForRun(api, run?.runId ?? '', (r) => r.status === 'completed', 'the accepted run');
      expect(finished.steps[0]?.output).toMatchObject({ decisionId: nba?.decisionId, action: { id: 'upsell-email' }, executed: true });
      const twice = await api.call<{ error: { code: string } }>('POST', '/cards/actions', {
        type: 'accept',
        profileId: p.profileId,
        decisionId: nba?.decisionId,
      });
      expect([twice.status, twice.body.error.code]).toEqual([409, 'already_decided']);
      const refreshed = await card(api, p.profileId);
      expect(refreshed.runs[0]).toMatchObject({
        status: 'completed',
        steps: [expect.objectContaining({ stepId: 'execute', kind: 'decide', status: 'succeeded' })],
      });

      // Dismiss a fresh decision: negative feedback for learning.
      const fresh = await api.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId });
      const dismissed = await api.call<{ card: CardView }>('POST', '/cards/actions', {
        type: 'dismiss',
        profileId: p.profileId,
        decisionId: fresh.body.decisionId,
        reason: 'not now',
      });
      expect(dismissed.body.card.nextBestAction?.status).toBe('dismissed');
      expect((await api.call<{ outcome: { outcome: string } }>('GET', `/decisions/${fresh.body.decisionId}`)).body.outcome).toMatchObject({
        outcome: 'negative',
      });

      // A decision of another profile cannot be acted on from this card.
      const stranger = await ingest(api, 'stranger@acme.io', 'contact.updated', { traits: { timeZone: dayZone() } });
      const theirs = await api.call<DecisionJson>('POST', '/decisions', { profileId: stranger.profileId });
      const stale = await api.call<{ error: { code: string } }>('POST', '/cards/actions', {
        type: 'dismiss',
        profileId: p.profileId,
        decisionId: theirs.body.decisionId,
      });
      expect([stale.status, stale.body.error.code]).toEqual([409, 'stale']);
      expect((await api.call('POST', '/cards/actions', { type: 'retry_step', profileId: p.profileId, runId: 'run_nope' })).status).toBe(
        404,
      );
      expect(
        (await api.call('POST', '/cards/actions', { type: 'confirm_match', profileId: p.profileId, matchId: 'rev_nope' })).status,
      ).toBe(404);
      const unknown = await api.call<{ error: { code: string } }>('GET', '/profiles/prf_does_not_exist/card');
      expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    });

    it('forgets the person on privacy erasure', async () => {
      const p = await ingest(api, 'forget.me@acme.io', 'message.received', {
        text: 'Can we get a demo next week?',
        traits: { timeZone: dayZone() },
      });
      const d = await api.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId });
      expect((await api.call('DELETE', `/profiles/${p.profileId}`)).status).toBe(200);
      expect((await api.call('GET', `/decisions/${d.body.decisionId}`)).status).toBe(404);
      for (const table of [
        'event_signals',
        'decisions',
        'journey_states',
        'journey_transitions',
        'holdout_assignments',
        'decisioning_applied_events',
      ]) {
        const left = await svc.runtime.db.query(`SELECT 1 FROM ${table} WHERE profile_id = $1`, [p.profileId]);
        expect([table, left.rows.length]).toEqual([table, 0]);
      }
    });

    it("never lets one tenant read or act on another tenant's decisions and cards", async () => {
      const p = await ingest(api, 'private@acme.io', 'message.received', {
        text: 'Thanks a lot, the onboarding was great',
        traits: { timeZone: dayZone() },
      });
      const mine = await api.call<DecisionJson>('POST', '/decisions', { profileId: p.profileId });
      expect(mine.status).toBe(200);
      expect((await other.call<{ error: { code: string } }>('GET', `/decisions/${mine.body.decisionId}`)).status).toBe(404);
      expect((await other.call('POST', `/decisions/${mine.body.decisionId}/outcome`, { outcome: 'positive' })).status).toBe(404);
      expect((await other.call('POST', '/decisions', { profileId: p.profileId })).status).toBe(404);
      expect((await other.call('GET', `/profiles/${p.profileId}/card`)).status).toBe(404);
      expect(
        (await other.call('POST', '/cards/actions', { type: 'accept', profileId: p.profileId, decisionId: mine.body.decisionId })).status,
      ).toBe(404);
      expect((await other.call<{ actions: unknown[] }>('GET', '/actions')).body.actions).toEqual([]);
      const lift = await other.call<{ overall: { treated: { decisions: number } } }>('GET', '/lift');
      expect(lift.body.overall.treated.decisions).toBe(0);
      // Still there for its owner.
      expect((await api.call('GET', `/decisions/${mine.body.decisionId}`)).status).toBe(200);
      await waitFor(
        async () => (await api.call<ProfileJson>('GET', `/profiles/${p.profileId}`)).body.decision !== null,
        'the decision on the profile',
      );
    });
  });
}
