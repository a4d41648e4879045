import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Database } from '../../server/db/database';
import { openPglite } from '../../server/db/pglite';
import { dropSchema, openPostgres } from '../../server/db/postgres';
import { TEST_DATABASE_URL, TEST_REDIS_URL, describeWith, uniqueName, waitFor } from '../support/services';
import { modes, obliterateQueue } from '../support/runtime';
import { crashPlaybook } from '../support/runs-fixtures';
import { apiClient, type ApiClient, type RunJson } from '../support/runs-helpers';
import { spawnService, type ChildService } from '../support/runs-processes';

const RUNS = 12;

/**
 * Real processes, really killed: a service child is SIGKILLed while action calls are in flight, its
 * successor is SIGKILLed while runs wait on a timer, and a third one finishes the job on the same
 * database (and queue). Every run must complete with each effect recorded exactly once.
 */
for (const { mode, needs } of modes) {
  describeWith(needs, `runs survive SIGKILL (${mode})`, () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'baton-crash-'));
    const schema = uniqueName('crash');
    const queue = uniqueName('q');
    const env: Record<string, string> =
      mode === 'embedded'
        ? { BATON_DATA_DIR: dataDir }
        : {
            BATON_DATA_DIR: dataDir,
            DATABASE_URL: TEST_DATABASE_URL,
            REDIS_URL: TEST_REDIS_URL,
            RUNS_CHILD_SCHEMA: schema,
            RUNS_CHILD_QUEUE: queue,
          };
    const children: ChildService[] = [];
    const start = async (extra: Record<string, string> = {}): Promise<ChildService> => {
      const child = await spawnService({ ...env, RUNS_CHILD_SLOW_MS: '500', RUNS_CHILD_LEASE_MS: '2500', ...extra });
      children.push(child);
      return child;
    };

    afterAll(async () => {
      for (const c of children) await c.kill('SIGKILL');
      if (mode === 'postgres+redis') {
        await dropSchema(TEST_DATABASE_URL, schema);
        await obliterateQueue(queue);
      }
    });

    it('completes every run with each effect exactly once after kills mid-call and mid-wait', async () => {
      const first = await start({ RUNS_CHILD_TENANT: 'Crash' });
      const apiKey = first.apiKey ?? '';
      let api: ApiClient = apiClient(first.url ?? '', apiKey);
      // The timer is long enough that the restarted process still has most runs parked on it when the
      // test can see them: it recovers the interrupted calls before it answers HTTP, and under load
      // starting a process takes tens of seconds.
      expect((await api.call('POST', '/playbooks', crashPlaybook('crash', '40s'))).status).toBe(201);
      await api.call('POST', '/playbooks/crash/publish', {});
      const ids: string[] = [];
      for (let i = 0; i < RUNS; i++)
        ids.push((await api.call<RunJson>('POST', '/runs', { playbookId: 'crash', profileId: `c-${i}` })).body.id);

      const list = async (): Promise<RunJson[]> => (await api.call<{ runs: RunJson[] }>('GET', '/runs?limit=1000')).body.runs;
      // 1. Kill while side-effecting calls are in flight.
      await waitFor(
        async () => (await list()).filter((r) => r.status === 'running' && r.currentStep === 'first').length >= 3,
        'action calls in flight',
        30_000,
        20,
      );
      await first.kill('SIGKILL');

      // 2. Restart, let runs reach the timer, kill again while they wait.
      const second = await start();
      api = apiClient(second.url ?? '', apiKey);
      const states = async (): Promise<string> =>
        JSON.stringify((await list()).map((r) => [r.id, r.status, r.currentStep, r.wakeAt, r.leaseExpiresAt]));
      await waitFor(
        async () => (await list()).filter((r) => r.status === 'waiting' && r.currentStep === 'pause').length >= RUNS / 2,
        'runs waiting on the timer',
        40_000,
        50,
      ).catch(async (err: unknown) => {
        throw new Error(`${String(err)}; runs: ${await states()} at ${new Date().toISOString()}`);
      });
      await second.kill('SIGKILL');

      // 3. A third process finishes everything.
      const third = await start();
      api = apiClient(third.url ?? '', apiKey);
      const done = await waitFor(
        async () => {
          const runs = await list();
          return runs.length === RUNS && runs.every((r) => r.status === 'completed') ? runs : undefined;
        },
        'every run to complete',
        100_000,
        200,
      ).catch(async (err: unknown) => {
        const unfinished = (await list()).filter((r) => r.status !== 'completed');
        throw new Error(
          `${String(err)}; unfinished: ${JSON.stringify(unfinished.map((r) => [r.id, r.status, r.currentStep, r.wakeAt, r.leaseExpiresAt]))} at ${new Date().toISOString()}`,
        );
      });
      expect(done.map((r) => r.id).sort()).toEqual([...ids].sort());
      const details = await Promise.all(ids.map(async (id) => (await api.call<RunJson>('GET', `/runs/${id}`)).body));
      for (const run of details)
        expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
          ['first', 'succeeded'],
          ['pause', 'succeeded'],
          ['second', 'succeeded'],
          ['done', 'succeeded'],
        ]);
      // The first kill really interrupted calls: some attempts were recorded as abandoned and retried with the same key.
      const abandoned = details.flatMap((r) =>
        r.steps.flatMap((s) =>
          ((s as unknown as { attempts: { outcome: string; idempotencyKey: string | null }[] }).attempts ?? [])
            .filter((a) => a.outcome === 'abandoned')
            .map((a) => ({ key: a.idempotencyKey, final: s.idempotencyKey })),
        ),
      );
      expect(abandoned.length).toBeGreaterThan(0);
      for (const a of abandoned) expect(a.key).toBe(a.final);
      await third.kill('SIGTERM');

      // 4. The effects table, read directly: one row per (run, step), 2 per run, nothing else.
      const db: Database =
        mode === 'embedded' ? await openPglite({ dataDir }) : await openPostgres({ connectionString: TEST_DATABASE_URL, schema, max: 2 });
      try {
        const r = await db.query<{ run_id: string; step_id: string; n: number; replays: number }>(
          `SELECT run_id, step_id, count(*)::int AS n, sum(attempts - 1)::int AS replays FROM effect_ledger WHERE vendor = 'recorder' GROUP BY run_id, step_id ORDER BY run_id, step_id`,
        );
        expect(r.rows).toHaveLength(RUNS * 2);
        expect(r.rows.every((row) => row.n === 1)).toBe(true);
        expect(new Set(r.rows.map((row) => row.run_id))).toEqual(new Set(ids));
      } finally {
        await db.close();
      }
    }, 240_000);
  });
}
