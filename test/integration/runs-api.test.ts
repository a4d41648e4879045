import { runsModule } from '../../server/runs';
import { createTenant } from '../../server/tenants/tenants.repository';
import { outbox } from '../../server/dispatch/outbox.repository';
import { describeWith } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';
import { crashPlaybook } from '../support/runs-fixtures';
import { effectsOfRun, RecordingActionPort } from '../support/recording-action-port';
import {
  apiClient,
  externalIdIdentity,
  RefuseOnceActionPort,
  waitForRun,
  zoneInBusinessHours,
  type ApiClient,
  type RunJson,
} from '../support/runs-helpers';

interface PlaybookJson {
  id: string;
  version: number;
  status: string;
}

for (const { mode, needs } of modes) {
  describeWith(needs, `runs API (${mode})`, () => {
    let svc: TestService;
    let api: ApiClient;
    let other: ApiClient;
    let tenantA = '';

    beforeAll(async () => {
      svc = await startTestService(mode, {
        modules: [
          externalIdIdentity,
          runsModule({
            // The "flaky" step refuses once per run so resume can be shown; every effect is recorded in the effect ledger (vendor recorder).
            catchAll: (db) => new RecordingActionPort(db),
            wrapActions: (port) => new RefuseOnceActionPort(port, ['flaky']),
            engine: { leaseMs: 5_000 },
            stuckSweepIntervalMs: 500,
            stuckGraceMs: 2_000,
          }),
        ],
      });
      const a = await createTenant(svc.runtime.db, 'Runs A');
      tenantA = a.tenantId;
      const b = await createTenant(svc.runtime.db, 'Runs B');
      api = apiClient(svc.url, a.apiKey);
      other = apiClient(svc.url, b.apiKey);
    });
    afterAll(async () => svc.stop());

    it('installs the two sample playbooks on first use, once', async () => {
      const first = await api.call<{ playbooks: PlaybookJson[] }>('GET', '/playbooks');
      expect(first.status).toBe(200);
      expect(first.body.playbooks.map((p) => [p.id, p.version, p.status])).toEqual([
        ['new-lead-nurture', 1, 'published'],
        ['renewal-rescue', 1, 'published'],
      ]);
      const again = await api.call<{ playbooks: PlaybookJson[] }>('GET', '/playbooks');
      expect(again.body.playbooks).toHaveLength(2);
    });

    it('rejects an invalid playbook with a 400 naming each problem', async () => {
      const bad = {
        id: 'bad',
        name: 'Bad',
        steps: [
          { id: 'a', kind: 'action', action: { type: 'note', params: {} }, next: 'nowhere' },
          { id: 'b', kind: 'teleport' },
        ],
      };
      const r = await api.call<{ error: { code: string; message: string; details: { path: string; message: string }[] } }>(
        'POST',
        '/playbooks',
        bad,
      );
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('invalid_playbook');
      expect(r.body.error.message).toMatch(/^invalid playbook: steps\[1\]/);
      expect(r.body.error.details.map((d) => d.path)).toEqual(expect.arrayContaining(['steps[1].kind']));
      const semantic = await api.call<{ error: { details: { path: string; message: string }[] } }>('POST', '/playbooks', {
        ...bad,
        steps: [bad.steps[0]],
      });
      expect(semantic.status).toBe(400);
      expect(semantic.body.error.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ message: expect.stringMatching(/nowhere/) })]),
      );
      expect(JSON.stringify(semantic.body.error.details)).toMatch(/body/);
    });

    it('creates drafts, publishes and archives versions; runs need a published version', async () => {
      const created = await api.call<PlaybookJson>('POST', '/playbooks', crashPlaybook('lifecycle', '200ms'));
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: 'lifecycle', version: 1, status: 'draft' });
      const notYet = await api.call<{ error: { code: string; message: string } }>('POST', '/runs', {
        playbookId: 'lifecycle',
        profileId: 'p1',
      });
      expect(notYet.status).toBe(409);
      expect(notYet.body.error).toMatchObject({ code: 'playbook_not_published', message: expect.stringMatching(/publish it with POST/) });
      expect((await api.call('POST', '/playbooks/lifecycle/publish', {})).body).toMatchObject({ version: 1, status: 'published' });
      const v2 = await api.call<PlaybookJson>('POST', '/playbooks', crashPlaybook('lifecycle', '300ms'));
      expect(v2.body).toMatchObject({ version: 2, status: 'draft' });
      expect((await api.call('POST', '/playbooks/lifecycle/publish', { version: 2 })).body).toMatchObject({
        version: 2,
        status: 'published',
      });
      const list = await api.call<{ playbooks: PlaybookJson[] }>('GET', '/playbooks?id=lifecycle');
      expect(list.body.playbooks.map((p) => [p.version, p.status])).toEqual([
        [1, 'archived'],
        [2, 'published'],
      ]);
      expect((await api.call('POST', '/playbooks/lifecycle/publish', { version: 1 })).status).toBe(409);
      expect((await api.call('POST', '/playbooks/nope/publish', {})).status).toBe(404);
      expect((await api.call('POST', '/playbooks/lifecycle/archive', {})).body).toMatchObject({ version: 2, status: 'archived' });
      expect((await api.call('POST', '/runs', { playbookId: 'lifecycle', profileId: 'p1' })).status).toBe(409);
      const dup = await api.call<{ error: { code: string } }>('POST', '/playbooks', { ...crashPlaybook('lifecycle', '1s'), version: 2 });
      expect([dup.status, dup.body.error.code]).toEqual([409, 'version_exists']);
    });

    it('runs a playbook with a timer to completion through the real dispatcher', async () => {
      await api.call('POST', '/playbooks', crashPlaybook('timed', '400ms'));
      await api.call('POST', '/playbooks/timed/publish', {});
      const started = await api.call<RunJson>('POST', '/runs', { playbookId: 'timed', profileId: 'p-timer', context: { source: 'test' } });
      expect(started.status).toBe(201);
      const done = await waitForRun(api, started.body.id, (r) => r.status === 'completed', 'the timed run to complete');
      expect(done.steps.map((s) => [s.stepId, s.status])).toEqual([
        ['first', 'succeeded'],
        ['pause', 'succeeded'],
        ['second', 'succeeded'],
        ['done', 'succeeded'],
      ]);
      const pause = done.steps.find((s) => s.stepId === 'pause');
      expect(Date.parse(pause?.finishedAt ?? '') - Date.parse(pause?.startedAt ?? '')).toBeGreaterThanOrEqual(390);
      expect(done.steps[0]).toMatchObject({
        attempt: 1,
        input: { body: 'first touch for p-timer' },
        output: { channel: 'test-recorder', kind: 'note' },
        error: null,
      });
      const effects = await effectsOfRun(svc.runtime.db, tenantA, done.id);
      expect(effects.map((e) => [e.stepId, e.replays])).toEqual([
        ['first', 0],
        ['second', 0],
      ]);
    });

    it('returns the active run for a second start of the same profile and playbook, and lists runs', async () => {
      await api.call('POST', '/playbooks', { ...crashPlaybook('single', '1h'), concurrency: 'one_per_profile' });
      await api.call('POST', '/playbooks/single/publish', {});
      const first = await api.call<RunJson>('POST', '/runs', { playbookId: 'single', profileId: 'p-one' });
      const second = await api.call<RunJson>('POST', '/runs', { playbookId: 'single', profileId: 'p-one' });
      expect([first.status, second.status]).toEqual([201, 200]);
      expect(second.body).toMatchObject({ id: first.body.id, created: false });
      await waitForRun(api, first.body.id, (r) => r.status === 'waiting', 'the run to wait');
      const byProfile = await api.call<{ runs: RunJson[] }>('GET', '/runs?profileId=p-one&status=waiting,running');
      expect(byProfile.body.runs.map((r) => r.id)).toEqual([first.body.id]);
      expect((await api.call<{ runs: RunJson[] }>('GET', '/runs?profileId=p-one&status=completed')).body.runs).toEqual([]);
      const badStatus = await api.call<{ error: { code: string; message: string } }>('GET', '/runs?status=sleeping');
      expect(badStatus.status).toBe(400);
      expect(badStatus.body.error.message).toMatch(/each status must be one of pending, running/);
      const badStart = await api.call<{ error: { details: { path: string }[] } }>('POST', '/runs', { playbookId: 'single' });
      expect(badStart.status).toBe(400);
      expect(badStart.body.error.details.map((d) => d.path)).toEqual(['profileId']);
      // Cancel it (idempotently); a cancelled run cannot be resumed.
      const cancelled = await api.call<RunJson>('POST', `/runs/${first.body.id}/cancel`, { reason: 'test over' });
      expect(cancelled.body).toMatchObject({ status: 'cancelled', end: { kind: 'cancelled', detail: 'test over' }, alreadyApplied: false });
      expect((await api.call<RunJson>('POST', `/runs/${first.body.id}/cancel`, {})).body).toMatchObject({
        status: 'cancelled',
        alreadyApplied: true,
      });
      const resume = await api.call<{ error: { code: string } }>('POST', `/runs/${first.body.id}/resume`);
      expect([resume.status, resume.body.error.code]).toEqual([409, 'run_not_failed']);
      // The slot is free again.
      expect((await api.call('POST', '/runs', { playbookId: 'single', profileId: 'p-one' })).status).toBe(201);
    });

    it('parks a run as failed with the error visible, and resume re-runs only the failed step', async () => {
      await api.call('POST', '/playbooks', {
        id: 'resumable',
        name: 'Resumable',
        steps: [
          { id: 'ok', kind: 'action', action: { type: 'note', params: { body: 'fine' } } },
          { id: 'flaky', kind: 'action', action: { type: 'ticket', params: { subject: 'help' } }, retry: { maxAttempts: 1 } },
        ],
      });
      await api.call('POST', '/playbooks/resumable/publish', {});
      const run = (await api.call<RunJson>('POST', '/runs', { playbookId: 'resumable', profileId: 'p-resume' })).body;
      const failed = await waitForRun(api, run.id, (r) => r.status === 'failed', 'the run to fail');
      expect(failed.error).toMatchObject({ code: 'vendor_refused', stepId: 'flaky' });
      expect(failed.steps.find((s) => s.stepId === 'flaky')).toMatchObject({
        status: 'failed',
        error: { code: 'vendor_refused', category: 'permanent' },
      });
      // The run detail shows every step's input, output, attempts (each with its outcome and error) and error.
      const detail = (await api.call<RunJson>('GET', `/runs/${run.id}`)).body;
      const [ok, flaky] = detail.steps;
      expect(ok).toMatchObject({
        stepId: 'ok',
        status: 'succeeded',
        input: { body: 'fine' },
        output: { kind: 'note', channel: 'test-recorder' },
        attempt: 1,
        error: null,
      });
      expect(ok?.attempts).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'succeeded', error: null, idempotencyKey: ok?.idempotencyKey }),
      ]);
      expect(flaky).toMatchObject({ stepId: 'flaky', input: { subject: 'help' }, output: null, attempt: 1 });
      expect(flaky?.attempts).toEqual([
        expect.objectContaining({
          attempt: 1,
          outcome: 'failed',
          error: { code: 'vendor_refused', message: expect.any(String), category: 'permanent' },
          startedAt: expect.any(String),
          finishedAt: expect.any(String),
        }),
      ]);
      expect((await api.call('POST', `/runs/${run.id}/resume`)).status).toBe(200);
      const done = await waitForRun(api, run.id, (r) => r.status === 'completed', 'the resumed run to complete');
      expect(done.resumeCount).toBe(1);
      const effects = await effectsOfRun(svc.runtime.db, tenantA, run.id);
      expect(effects.map((e) => e.stepId)).toEqual(['ok', 'flaky']);
    });

    it('keeps a run in flight on the version it started with when a new version is published', async () => {
      const version = (body: string) => ({
        id: 'pinned',
        name: 'Pinned',
        concurrency: 'unlimited',
        steps: [
          { id: 'pause', kind: 'wait', wait: { type: 'duration', duration: '800ms' } },
          { id: 'say', kind: 'action', action: { type: 'note', params: { body } } },
        ],
      });
      await api.call('POST', '/playbooks', version('from v1'));
      await api.call('POST', '/playbooks/pinned/publish', {});
      const old = (await api.call<RunJson>('POST', '/runs', { playbookId: 'pinned', profileId: 'p-pin' })).body;
      await waitForRun(api, old.id, (r) => r.status === 'waiting', 'the v1 run to wait');
      await api.call('POST', '/playbooks', version('from v2'));
      expect((await api.call('POST', '/playbooks/pinned/publish', {})).body).toMatchObject({ version: 2, status: 'published' });
      const fresh = (await api.call<RunJson>('POST', '/runs', { playbookId: 'pinned', profileId: 'p-pin-2' })).body;
      const [oldDone, freshDone] = await Promise.all([
        waitForRun(api, old.id, (r) => r.status === 'completed', 'the v1 run to complete'),
        waitForRun(api, fresh.id, (r) => r.status === 'completed', 'the v2 run to complete'),
      ]);
      // v1 is archived by the publish of v2, yet its run finishes on v1's steps.
      expect([oldDone['playbookVersion'], oldDone.steps.find((s) => s.stepId === 'say')?.input]).toEqual([1, { body: 'from v1' }]);
      expect([freshDone['playbookVersion'], freshDone.steps.find((s) => s.stepId === 'say')?.input]).toEqual([2, { body: 'from v2' }]);
    });

    it('lists runs filtered by playbook, profile and status, page by page', async () => {
      for (const id of ['paged', 'paged-other']) {
        await api.call('POST', '/playbooks', crashPlaybook(id, '1h'));
        await api.call('POST', '/playbooks/' + id + '/publish', {});
      }
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1)
        ids.push((await api.call<RunJson>('POST', '/runs', { playbookId: 'paged', profileId: `p-page-${i % 2}` })).body.id);
      await api.call('POST', '/runs', { playbookId: 'paged-other', profileId: 'p-page-0' });
      for (const id of ids) await waitForRun(api, id, (r) => r.status === 'waiting', 'the run to wait');
      await api.call('POST', `/runs/${ids[4] ?? ''}/cancel`, {});

      const seen: string[] = [];
      const pages: number[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/runs?playbookId=paged&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page: { status: number; body: { runs: RunJson[]; nextCursor: string | null } } = await api.call('GET', query);
        expect(page.status).toBe(200);
        pages.push(page.body.runs.length);
        seen.push(...page.body.runs.map((r) => r.id));
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      expect(pages).toEqual([2, 2, 1]);
      expect(seen).toEqual(ids); // oldest first, each once
      const newest: string[] = [];
      cursor = null;
      do {
        const query: string = `/runs?playbookId=paged&limit=2&order=newest${cursor === null ? '' : `&cursor=${cursor}`}`;
        const page: { status: number; body: { runs: RunJson[]; nextCursor: string | null } } = await api.call('GET', query);
        newest.push(...page.body.runs.map((r) => r.id));
        cursor = page.body.nextCursor;
      } while (cursor !== null);
      expect(newest).toEqual([...ids].reverse());
      expect((await api.call('GET', '/runs?order=latest')).status).toBe(400);
      const waitingOfProfile = await api.call<{ runs: RunJson[]; nextCursor: string | null }>(
        'GET',
        '/runs?playbookId=paged&profileId=p-page-0&status=waiting',
      );
      expect(waitingOfProfile.body).toEqual({
        runs: [expect.objectContaining({ id: ids[0] }), expect.objectContaining({ id: ids[2] })],
        nextCursor: null,
      });
      const cancelled = await api.call<{ runs: RunJson[] }>('GET', '/runs?playbookId=paged&status=cancelled');
      expect(cancelled.body.runs.map((r) => r.id)).toEqual([ids[4]]);
      const bad = await api.call<{ error: { code: string; details: { path: string; message: string }[] } }>(
        'GET',
        '/runs?cursor=not-a-cursor',
      );
      expect(bad.status).toBe(400);
      expect(bad.body.error.details).toEqual([expect.objectContaining({ path: 'cursor', message: expect.stringMatching(/nextCursor/) })]);
    });

    it("changes a run's context: later steps read the new value, and an exit criterion that now holds ends the run", async () => {
      const definition = {
        id: 'ctx',
        name: 'Context-aware',
        concurrency: 'unlimited',
        exitCriteria: [{ id: 'deal-won', when: { '==': [{ var: 'context.deal.stage' }, 'closedwon'] } }],
        steps: [
          { id: 'pause', kind: 'wait', wait: { type: 'duration', duration: '600ms' } },
          { id: 'offer', kind: 'action', action: { type: 'email', params: { templateId: '{{context.offer}}' } } },
        ],
      };
      await api.call('POST', '/playbooks', definition);
      await api.call('POST', '/playbooks/ctx/publish', {});
      const context = { deal: { stage: 'negotiation' }, offer: 'renewal-10' };
      const updated = (await api.call<RunJson>('POST', '/runs', { playbookId: 'ctx', profileId: 'p-ctx', context })).body;
      const ended = (await api.call<RunJson>('POST', '/runs', { playbookId: 'ctx', profileId: 'p-ctx', context })).body;

      const patch = await api.call<RunJson>('PATCH', `/runs/${updated.id}/context`, { context: { offer: 'renewal-20' } });
      expect(patch.status).toBe(200);
      expect(patch.body).toMatchObject({ effect: 'updated', context: { deal: { stage: 'negotiation' }, offer: 'renewal-20' } });
      const won = await api.call<RunJson>('PATCH', `/runs/${ended.id}/context`, { context: { deal: { stage: 'closedwon' } } });
      expect(won.body).toMatchObject({
        effect: 'exited',
        criterionId: 'deal-won',
        status: 'exited',
        end: { kind: 'exit_criteria', detail: 'deal-won' },
      });

      const done = await waitForRun(api, updated.id, (r) => r.status === 'completed', 'the updated run to complete');
      expect(done.steps.find((s) => s.stepId === 'offer')?.input).toEqual({ templateId: 'renewal-20' });
      const late = await api.call<{ error: { code: string } }>('PATCH', `/runs/${ended.id}/context`, { context: { offer: 'x' } });
      expect([late.status, late.body.error.code]).toEqual([409, 'run_already_ended']);
      const bad = await api.call<{ error: { code: string } }>('PATCH', `/runs/${updated.id}/context`, { offer: 'x' });
      expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);
      expect((await other.call('PATCH', `/runs/${updated.id}/context`, { context: {} })).status).toBe(404);
      // The exited run never sent its offer.
      const effects = await effectsOfRun(svc.runtime.db, tenantA, ended.id);
      expect(effects).toEqual([]);
    });

    it('runs "new lead nurture" through an event, a human approval and the sales task', async () => {
      const profileId = 'lead-42';
      const context = {
        profile: { firstName: 'Ada', email: 'ada@example.com', timeZone: 'Europe/London' },
        lead: { source: 'webinar', score: 85 },
      };
      const run = (await api.call<RunJson>('POST', '/runs', { playbookId: 'new-lead-nurture', profileId, context })).body;
      await waitForRun(
        api,
        run.id,
        (r) => r.currentStep === 'await-engagement' && r.status === 'waiting',
        'the run to wait for engagement',
      );
      const notYet = await api.call<{ error: { code: string } }>('POST', `/runs/${run.id}/approve`, {});
      expect([notYet.status, notYet.body.error.code]).toEqual([409, 'not_awaiting_approval']);
      const event = {
        source: 'api',
        type: 'email_opened',
        occurredAt: new Date().toISOString(),
        subject: { identifiers: [{ type: 'externalId', value: profileId }] },
      };
      expect((await api.call('POST', '/events', event)).status).toBe(202);
      await waitForRun(api, run.id, (r) => r.currentStep === 'approve-handoff' && r.status === 'waiting', 'the run to wait for approval');
      // Another tenant cannot approve it, see it or its playbooks.
      expect((await other.call('POST', `/runs/${run.id}/approve`, {})).status).toBe(404);
      expect((await other.call('GET', `/runs/${run.id}`)).status).toBe(404);
      expect((await other.call('POST', `/runs/${run.id}/cancel`, {})).status).toBe(404);
      expect((await other.call<{ runs: unknown[] }>('GET', `/runs?profileId=${profileId}`)).body.runs).toEqual([]);
      expect((await other.call<{ playbooks: PlaybookJson[] }>('GET', '/playbooks')).body.playbooks.map((p) => p.id)).toEqual([
        'new-lead-nurture',
        'renewal-rescue',
      ]);
      expect((await other.call('POST', '/runs', { playbookId: 'timed', profileId })).status).toBe(404);
      const approved = await api.call<RunJson>('POST', `/runs/${run.id}/approve`, { decision: 'approved', actor: 'sales-lead' });
      expect(approved.status).toBe(200);
      const done = await waitForRun(api, run.id, (r) => r.status === 'completed', 'the run to complete');
      expect(done.end).toEqual({ kind: 'exit_step', detail: 'handed to sales' });
      expect(done.steps.find((s) => s.stepId === 'approve-handoff')?.output).toMatchObject({ decision: 'approved', actor: 'sales-lead' });
      const effects = await effectsOfRun(svc.runtime.db, tenantA, run.id);
      expect(effects.map((e) => [e.stepId, e.kind])).toEqual([
        ['welcome-email', 'email'],
        ['sales-task', 'task'],
      ]);
    });

    it('ends a run when an event matches an exit criterion', async () => {
      const profileId = 'lead-unsub';
      const run = (
        await api.call<RunJson>('POST', '/runs', {
          playbookId: 'new-lead-nurture',
          profileId,
          context: { profile: { email: 'u@example.com' }, lead: { score: 10 } },
        })
      ).body;
      await waitForRun(api, run.id, (r) => r.status === 'waiting', 'the run to wait');
      await api.call('POST', '/events', {
        source: 'api',
        type: 'unsubscribe',
        occurredAt: new Date().toISOString(),
        subject: { identifiers: [{ type: 'externalId', value: profileId }] },
      });
      const exited = await waitForRun(api, run.id, (r) => r.status === 'exited', 'the run to exit');
      expect(exited.end).toEqual({ kind: 'exit_criteria', detail: 'unsubscribed' });
    });

    it('runs "renewal rescue": business-hours timer, no-action decision recorded, CSM ticket', async () => {
      const zone = zoneInBusinessHours();
      const timeZone = zone ?? 'UTC';
      const context = {
        profile: { firstName: 'Bo', email: 'bo@example.com', timeZone },
        renewal: { arr: 80000, renewalDate: '2027-01-01' },
      };
      const run = (await api.call<RunJson>('POST', '/runs', { playbookId: 'renewal-rescue', profileId: 'cust-7', context })).body;
      if (zone === undefined) {
        // Weekend everywhere: the run must be parked on a durable timer at the next opening.
        const waiting = await waitForRun(
          api,
          run.id,
          (r) => r.currentStep === 'business-hours' && r.status === 'waiting',
          'the run to wait for business hours',
        );
        const pending = await svc.runtime.db.query<{ id: string }>(
          `SELECT id FROM outbox WHERE kind = 'run.advance' AND status = 'pending' AND payload->>'runId' = $1 AND due_at = $2`,
          [run.id, waiting.wakeAt],
        );
        expect(pending.rows.length).toBeGreaterThan(0);
        const row = await outbox.get(
          svc.runtime.db,
          (await svc.runtime.db.query<{ tenant_id: string }>('SELECT tenant_id FROM runs WHERE id = $1', [run.id])).rows[0]?.tenant_id ??
            '',
          pending.rows[0]?.id ?? '',
        );
        expect(row?.status).toBe('pending');
        return;
      }
      const done = await waitForRun(api, run.id, (r) => r.status === 'completed', 'the renewal run to complete');
      // The exit step the ticket leads to is the run's last recorded step and its end.
      expect(done.steps.map((s) => s.stepId)).toEqual([
        'flag-at-risk',
        'big-account',
        'owner-task',
        'business-hours',
        'outreach',
        'csm-ticket',
        'escalated',
      ]);
      expect(done.end).toEqual({ kind: 'exit_step', detail: 'handed to customer success' });
      expect(done.steps.find((s) => s.stepId === 'outreach')?.output).toEqual({
        decisionId: 'none:decisioning-not-installed',
        action: null,
        reason: 'decisioning is not installed for this service, so no action was proposed',
        executed: false,
        result: null,
      });
      expect(done.steps.find((s) => s.stepId === 'flag-at-risk')?.input).toEqual({
        properties: { baton_reason: 'Renewal at risk: 80000 ARR, renews 2027-01-01' },
      });
    });

    it('answers unknown runs and routes with the error envelope', async () => {
      const missing = await api.call<{ error: { code: string; message: string } }>('GET', '/runs/run_nope');
      expect(missing).toEqual({ status: 404, body: { error: { code: 'run_not_found', message: 'no run "run_nope" in your tenant' } } });
      const resume = await api.call<{ error: { code: string } }>('POST', '/runs/run_nope/resume');
      expect([resume.status, resume.body.error.code]).toEqual([404, 'run_not_found']);
      const unauth = await fetch(`${svc.url}/api/v1/runs`);
      expect(unauth.status).toBe(401);
    });
  });
}
