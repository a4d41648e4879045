import { dropSchema, openPostgres } from '../../server/db/postgres';
import { TEST_DATABASE_URL, TEST_REDIS_URL, describeWith, uniqueName, waitFor } from '../support/services';
import { obliterateQueue } from '../support/runtime';
import { fiveStepPlaybook } from '../support/runs-fixtures';
import { apiClient, type RunJson } from '../support/runs-helpers';
import { spawnService, type ChildService } from '../support/runs-processes';

const RUNS = 300;

/**
 * Scale-out: two web processes (BATON_ROLE=web) take the API traffic, two worker processes
 * (BATON_ROLE=worker) execute the runs; all four share one PostgreSQL schema and one BullMQ queue.
 */
describeWith(['postgres', 'redis'], 'runs scale out over web and worker processes (postgres+redis)', () => {
  const schema = uniqueName('scale');
  const queue = uniqueName('q');
  const env = {
    BATON_DATA_DIR: '/tmp/baton-scale-unused',
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    RUNS_CHILD_SCHEMA: schema,
    RUNS_CHILD_QUEUE: queue,
  };
  const children: ChildService[] = [];

  afterAll(async () => {
    await Promise.all(children.map((c) => c.kill('SIGTERM')));
    await dropSchema(TEST_DATABASE_URL, schema);
    await obliterateQueue(queue);
  });

  it(`completes ${RUNS} runs started through both web processes, every step exactly once`, async () => {
    // The first process migrates the schema and creates the tenant; the others join it.
    const web1 = await spawnService({ ...env, BATON_ROLE: 'web', RUNS_CHILD_TENANT: 'Scale' });
    children.push(web1);
    const [web2, worker1, worker2] = await Promise.all([
      spawnService({ ...env, BATON_ROLE: 'web' }),
      spawnService({ ...env, BATON_ROLE: 'worker' }),
      spawnService({ ...env, BATON_ROLE: 'worker' }),
    ]);
    children.push(web2, worker1, worker2);
    expect([worker1.url, worker2.url]).toEqual([null, null]);
    const apiKey = web1.apiKey ?? '';
    const apis = [apiClient(web1.url ?? '', apiKey), apiClient(web2.url ?? '', apiKey)] as const;
    expect((await apis[0].call('POST', '/playbooks', fiveStepPlaybook('five'))).status).toBe(201);
    expect((await apis[1].call('POST', '/playbooks/five/publish', {})).status).toBe(200);

    const ids: string[] = [];
    for (let batch = 0; batch < RUNS; batch += 20) {
      const started = await Promise.all(
        Array.from({ length: Math.min(20, RUNS - batch) }, (_, i) =>
          (i % 2 === 0 ? apis[0] : apis[1]).call<RunJson>('POST', '/runs', { playbookId: 'five', profileId: `s-${batch + i}` }),
        ),
      );
      for (const r of started) {
        expect(r.status).toBe(201);
        ids.push(r.body.id);
      }
    }

    await waitFor(
      async () => {
        const r = await apis[1].call<{ runs: RunJson[] }>('GET', '/runs?status=completed&limit=1000');
        return r.body.runs.length === RUNS;
      },
      `all ${RUNS} runs to complete`,
      120_000,
      500,
    );

    const db = await openPostgres({ connectionString: TEST_DATABASE_URL, schema, max: 2 });
    try {
      const notDone = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE status <> 'completed'`);
      expect(notDone.rows[0]?.n).toBe(0);
      const effects = await db.query<{ n: number; keys: number; per_step_max: number }>(
        `SELECT count(*)::int AS n, count(DISTINCT idempotency_key)::int AS keys,
                (SELECT max(c) FROM (SELECT count(*)::int AS c FROM effect_ledger WHERE vendor = 'recorder' GROUP BY run_id, step_id) x) AS per_step_max
           FROM effect_ledger WHERE vendor = 'recorder'`,
      );
      expect(effects.rows[0]).toEqual({ n: RUNS * 5, keys: RUNS * 5, per_step_max: 1 });
      const steps = await db.query<{ n: number; max_attempt: number; not_ok: number }>(
        `SELECT count(*)::int AS n, max(attempt)::int AS max_attempt, count(*) FILTER (WHERE status <> 'succeeded')::int AS not_ok FROM run_steps`,
      );
      expect(steps.rows[0]).toEqual({ n: RUNS * 5, max_attempt: 1, not_ok: 0 });
      const runIds = await db.query<{ id: string }>('SELECT id FROM runs');
      expect(new Set(runIds.rows.map((r) => r.id))).toEqual(new Set(ids));
    } finally {
      await db.close();
    }
  }, 240_000);
});
