import type { ActionPort, ActionRequest } from '../../app/orchestration';
import type { Database } from '../../server/db/database';
import { runsModule } from '../../server/runs';
import { createTenant } from '../../server/tenants/tenants.repository';
import { describeWith, waitFor } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';
import { effectsOfRun, RecordingActionPort } from '../support/recording-action-port';
import { apiClient, waitForRun, type ApiClient, type RunJson } from '../support/runs-helpers';

/** What the database held for a run when one of its steps' side effects was requested. */
interface Observed {
  readonly runId: string;
  readonly stepId: string;
  readonly key: string;
  readonly stored: [string, string][];
}

/**
 * Test port wrapper: before each call, reads the run's step rows from the database (every earlier
 * step must be stored finished, this one running); for runs whose profile starts with `crash-`, the
 * first call of step s4 throws AFTER the effect was applied, like a process dying before it could
 * record the answer.
 */
function observing(db: () => Database, seen: Observed[], crashed: Set<string>): (port: ActionPort) => ActionPort {
  return (port) => ({
    async execute(request: ActionRequest) {
      const rows = await db().query<{ step_id: string; status: string }>(
        'SELECT step_id, status FROM run_steps WHERE tenant_id = $1 AND run_id = $2 ORDER BY position',
        [request.tenantId, request.runId],
      );
      seen.push({
        runId: request.runId,
        stepId: request.stepId,
        key: request.idempotencyKey,
        stored: rows.rows.map((r) => [r.step_id, r.status]),
      });
      const result = await port.execute(request);
      if (request.profileId.startsWith('crash-') && request.stepId === 's4' && !crashed.has(request.runId)) {
        crashed.add(request.runId);
        throw new Error('simulated crash after the effect of s4, before its answer was recorded');
      }
      return result;
    },
  });
}

const fiveSteps = {
  id: 'five',
  name: 'Five actions',
  concurrency: 'unlimited',
  defaults: { retry: { maxAttempts: 5, initialInterval: '100ms', maxInterval: '200ms' } },
  steps: [1, 2, 3, 4, 5].map((n) => ({ id: `s${n}`, kind: 'action', action: { type: 'note', params: { body: `step ${n}` } } })),
};

for (const { mode, needs } of modes) {
  describeWith(needs, `runs advance until blocked (${mode})`, () => {
    let svc: TestService;
    let api: ApiClient;
    let tenantId = '';
    const seen: Observed[] = [];
    const crashed = new Set<string>();

    const advanceJobs = async (runId: string) =>
      (
        await svc.runtime.db.query<{ status: string; deliveries: number; reason: string }>(
          `SELECT status, deliveries, payload->>'reason' AS reason FROM outbox WHERE tenant_id = $1 AND kind = 'run.advance' AND payload->>'runId' = $2 ORDER BY created_at, id`,
          [tenantId, runId],
        )
      ).rows;

    beforeAll(async () => {
      svc = await startTestService(mode, {
        modules: [
          runsModule({
            catchAll: (db) => new RecordingActionPort(db),
            wrapActions: observing(() => svc.runtime.db, seen, crashed),
            // A lease short enough that the crashed invocation's run is taken over within the test.
            engine: { leaseMs: 1_500 },
            stuckSweepIntervalMs: 500,
            stuckGraceMs: 2_000,
          }),
        ],
      });
      const tenant = await createTenant(svc.runtime.db, 'Until blocked');
      tenantId = tenant.tenantId;
      api = apiClient(svc.url, tenant.apiKey);
      expect((await api.call('POST', '/playbooks', fiveSteps)).status).toBe(201);
      expect((await api.call('POST', '/playbooks/five/publish', {})).status).toBe(200);
      await api.call('POST', '/playbooks', {
        id: 'pause',
        name: 'Action, wait, action',
        concurrency: 'unlimited',
        steps: [
          { id: 'a', kind: 'action', action: { type: 'note', params: { body: 'a' } } },
          { id: 'hold', kind: 'wait', wait: { type: 'duration', duration: '1500ms' } },
          { id: 'b', kind: 'action', action: { type: 'note', params: { body: 'b' } } },
        ],
      });
      expect((await api.call('POST', '/playbooks/pause/publish', {})).status).toBe(200);
    }, 120_000);
    afterAll(async () => svc.stop());

    it('completes a 5-step run of non-waiting steps in one job, each step stored before the next side effect', async () => {
      const started = await api.call<RunJson>('POST', '/runs', { playbookId: 'five', profileId: 'one-job' });
      expect(started.status).toBe(201);
      const runId = started.body.id;
      const run = await waitForRun(api, runId, (r) => r.status === 'completed', 'the run to complete');
      expect(run.steps.map((s) => [s.stepId, s.status, s.attempt])).toEqual([1, 2, 3, 4, 5].map((n) => [`s${n}`, 'succeeded', 1]));
      // One run.advance row (the start's), claimed once: the five steps ran in one job.
      expect(await advanceJobs(runId)).toEqual([{ status: 'done', deliveries: 1, reason: 'start' }]);
      const calls = seen.filter((s) => s.runId === runId);
      expect(calls.map((c) => c.stepId)).toEqual(['s1', 's2', 's3', 's4', 's5']);
      calls.forEach(({ stored }, i) => {
        expect(stored).toEqual([
          ...Array.from({ length: i }, (_, j): [string, string] => [`s${j + 1}`, 'succeeded']),
          [`s${i + 1}`, 'running'],
        ]);
      });
      const effects = await effectsOfRun(svc.runtime.db, tenantId, runId);
      expect(effects.map((e) => [e.stepId, e.replays])).toEqual([1, 2, 3, 4, 5].map((n) => [`s${n}`, 0]));
    }, 60_000);

    it('resumes a run that crashed after step 3 was stored at step 4: steps 1-3 are not run again, step 4 takes effect once', async () => {
      const started = await api.call<RunJson>('POST', '/runs', { playbookId: 'five', profileId: 'crash-1' });
      const runId = started.body.id;
      const run = await waitForRun(api, runId, (r) => r.status === 'completed', 'the crashed run to complete', 60_000);
      expect(crashed.has(runId)).toBe(true);
      const calls = seen.filter((s) => s.runId === runId);
      // s4 was asked twice with the same key (the crash lost the first answer); nothing else was asked again.
      expect(calls.map((c) => c.stepId)).toEqual(['s1', 's2', 's3', 's4', 's4', 's5']);
      expect(calls[3]?.key).toBe(calls[4]?.key);
      // The retry found s1-s3 stored succeeded and s4 running again (its abandoned attempt recorded).
      expect(calls[4]?.stored).toEqual([
        ['s1', 'succeeded'],
        ['s2', 'succeeded'],
        ['s3', 'succeeded'],
        ['s4', 'running'],
      ]);
      expect(run.steps.map((s) => [s.stepId, s.attempts.map((a) => a.outcome)])).toEqual([
        ['s1', ['succeeded']],
        ['s2', ['succeeded']],
        ['s3', ['succeeded']],
        ['s4', ['abandoned', 'succeeded']],
        ['s5', ['succeeded']],
      ]);
      expect(run.status).toBe('completed');
      // One effect per step; s4's second call was answered from its first effect (a replay), not sent again.
      const effects = await effectsOfRun(svc.runtime.db, tenantId, runId);
      expect(effects.map((e) => [e.stepId, e.replays])).toEqual([
        ['s1', 0],
        ['s2', 0],
        ['s3', 0],
        ['s4', 1],
        ['s5', 0],
      ]);
    }, 90_000);

    it('parks a run at a wait step: the step after it runs in a later job, after the timer', async () => {
      const started = await api.call<RunJson>('POST', '/runs', { playbookId: 'pause', profileId: 'waiter' });
      const runId = started.body.id;
      await waitForRun(api, runId, (r) => r.status === 'waiting' && r.currentStep === 'hold', 'the run to wait');
      expect(seen.filter((s) => s.runId === runId).map((s) => s.stepId)).toEqual(['a']);
      const run = await waitForRun(api, runId, (r) => r.status === 'completed', 'the run to complete after the timer');
      const startedAt = (stepId: string): number => Date.parse(run.steps.find((s) => s.stepId === stepId)?.startedAt ?? '');
      expect(startedAt('b')).toBeGreaterThanOrEqual(startedAt('hold') + 1_500);
      await waitFor(async () => (await advanceJobs(runId)).every((j) => j.status === 'done'), 'the wake-up job to finish');
      const jobs = await advanceJobs(runId);
      expect(jobs.map((j) => j.reason)).toEqual(['start', expect.stringMatching(/^wait "hold"/)]);
    }, 60_000);
  });
}
