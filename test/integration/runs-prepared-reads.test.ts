/**
 * The run store's statements that every step sends (issue #16): loading a run by id is a key lookup
 * kept prepared on PostgreSQL; loading several by id, the grouped run start and the grouped run
 * commit (with and without wake-ups) run with a generic plan (preparedGeneric). They answer as before,
 * on both backends, and on PostgreSQL the commit's generic plan reads runs and their steps through
 * their keys on a table of thousands of analyzed runs.
 */
import { Client } from 'pg';
import type { RunSnapshot } from '../../app/orchestration';
import { isGeneric, isPrepared, type Database } from '../../server/db/database';
import type { WorkQueue } from '../../server/dispatch/work-queue';
import { SqlRunStore } from '../../server/runs';
import { pendingRun } from '../support/runs-fixtures';
import { backends, describeWith, TEST_DATABASE_URL, type TestDb } from '../support/services';

jest.setTimeout(60_000);

/** The run moved on: running, its step finished, one version later (what a step's commit writes). */
function advanced(s: RunSnapshot): RunSnapshot {
  const at = s.run.updatedAt + 1_000;
  return {
    run: { ...s.run, status: 'running', startedAt: at, updatedAt: at },
    steps: s.steps.map((x) => ({ ...x, status: 'succeeded', finishedAt: at, updatedAt: at })),
  };
}

/** `db`, with every statement sent outside a transaction recorded (and, if asked, its parameters). */
function recording(db: Database, sent: string[], args?: unknown[][]): Database {
  return {
    kind: db.kind,
    description: db.description,
    query: (sql, params) => (sent.push(sql), args?.push([...(params ?? [])]), db.query(sql, params)),
    transaction: (fn) => db.transaction(fn),
    exec: (sql) => db.exec(sql),
    withAdvisoryLock: (key, fn) => db.withAdvisoryLock(key, fn),
    ping: () => db.ping(),
    close: () => db.close(),
  };
}

for (const backend of backends) {
  describeWith(backend.needs, `run store statements (${backend.name})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
      await t.db.query('INSERT INTO tenants (id, name) VALUES ($1, $1)', ['t']);
    });
    afterAll(async () => t.cleanup());

    it('starts runs with the generic-plan statement, loads a run by id with a prepared one and several with a generic one, answering as before', async () => {
      const sent: string[] = [];
      const store = new SqlRunStore(recording(t.db, sent));
      const started = await Promise.all([1, 2, 3].map((i) => store.create(pendingRun('t', `run_p${i}`, null, { profileId: `p${i}` }))));
      expect(started.map((s) => s.created)).toEqual([true, true, true]);
      const starts = sent.filter((sql) => sql.includes('INSERT INTO runs'));
      expect(starts.length).toBeGreaterThan(0);
      expect(starts.every(isGeneric)).toBe(true);

      sent.length = 0;
      for (let i = 0; i < 7; i++) {
        const loaded = await store.load('t', 'run_p2');
        expect(loaded?.run).toMatchObject({ id: 'run_p2', profileId: 'p2', status: 'pending' });
      }
      expect(await store.load('t', 'run_missing')).toBeNull();
      expect(sent).toHaveLength(8);
      expect(sent.every((sql) => isPrepared(sql) && !isGeneric(sql))).toBe(true);

      // Several runs by id (a batch of wake-ups): one generic-plan statement, missing ids absent.
      sent.length = 0;
      const many = await store.loadMany('t', ['run_p3', 'run_p1', 'run_missing', 'run_p1']);
      expect([...many.keys()].sort()).toEqual(['run_p1', 'run_p3']);
      expect(many.get('run_p3')?.run).toMatchObject({ id: 'run_p3', profileId: 'p3', status: 'pending' });
      expect(many.get('run_p1')?.steps.map((x) => x.stepId)).toEqual(['a']);
      expect(sent).toHaveLength(1);
      expect(sent.every(isGeneric)).toBe(true);
    });

    it('commits runs, with and without wake-ups, with the generic-plan statements, answering as before', async () => {
      const sent: string[] = [];
      const rung: string[] = [];
      const work = { notify: async (refs: readonly { id: string }[]) => void rung.push(...refs.map((r) => r.id)) } as unknown as WorkQueue;
      const store = new SqlRunStore(recording(t.db, sent), work);
      const runs = await Promise.all([1, 2, 3].map((i) => store.create(pendingRun('t', `run_c${i}`, null, { profileId: `c${i}` }))));
      const [one, two, three] = runs.map((r) => r.snapshot);
      if (one === undefined || two === undefined || three === undefined) throw new Error('runs not created');
      sent.length = 0;
      const wake = { tenantId: 't', runId: 'run_c2', at: Date.now() + 60_000, reason: 'wait' };
      const answers = await Promise.all([
        store.commit(advanced(one), 1),
        store.commit(advanced(two), 1, wake),
        // Planned from a version that is not the stored one: loses, writes nothing.
        store.commit(advanced(three), 7),
      ]);
      expect(answers).toEqual([
        { ok: true, version: 2 },
        { ok: true, version: 2 },
        { ok: false, reason: 'version_conflict' },
      ]);
      const commits = sent.filter((sql) => sql.includes('UPDATE runs'));
      expect(commits.length).toBeGreaterThan(0);
      expect(commits.every(isGeneric)).toBe(true);
      // Both statements (with and without a wake-up) were sent, whether grouped or not.
      expect(commits.some((sql) => sql.includes('INSERT INTO outbox'))).toBe(true);
      expect((await store.load('t', 'run_c1'))?.run).toMatchObject({ status: 'running', version: 2 });
      expect((await store.load('t', 'run_c1'))?.steps.map((x) => x.status)).toEqual(['succeeded']);
      expect((await store.load('t', 'run_c3'))?.run).toMatchObject({ status: 'pending', version: 1 });
      const wakes = await t.db.query<{ id: string }>(`SELECT id FROM outbox WHERE kind = 'run.advance' AND payload->>'runId' = 'run_c2'`);
      expect(wakes.rows).toHaveLength(1);
      expect(rung).toEqual(wakes.rows.map((r) => r.id));
    });

    if (backend.name === 'postgres')
      it('reads runs and their steps through their keys in the generic plan of a commit, on thousands of analyzed runs', async () => {
        const store = new SqlRunStore(t.db);
        for (let i = 0; i < 3_000; i += 100)
          await Promise.all(
            Array.from({ length: 100 }, (_, j) => store.create(pendingRun('t', `run_big${i + j}`, null, { profileId: `b${i + j}` }))),
          );
        await t.db.query('ANALYZE runs, run_steps');
        // The commit's text and parameters, as the store sends them.
        const sent: string[] = [];
        const args: unknown[][] = [];
        const recorded = new SqlRunStore(recording(t.db, sent, args));
        const target = await recorded.load('t', 'run_big17');
        if (target === null) throw new Error('run_big17 missing');
        sent.length = 0;
        args.length = 0;
        expect(await recorded.commit(advanced(target), 1)).toEqual({ ok: true, version: 2 });
        const at = sent.findIndex((sql) => sql.includes('UPDATE runs'));
        const text = sent[at];
        const params = args[at];
        if (text === undefined || params === undefined) throw new Error('no commit statement recorded');
        expect(isGeneric(text)).toBe(true);
        // The same commit once more, from version 2, in a session like the store's generic-plan sessions,
        // its plan shown by auto_explain.
        const runs = JSON.parse(String(params[0])) as Record<string, unknown>[];
        const again = [JSON.stringify(runs.map((r) => ({ ...r, expected: 2 }))), ...params.slice(1)];
        const client = new Client({
          connectionString: TEST_DATABASE_URL,
          options: `-c search_path=${t.schema} -c plan_cache_mode=force_generic_plan`,
        });
        const notices: string[] = [];
        client.on('notice', (n) => notices.push(n.message ?? ''));
        await client.connect();
        try {
          await client.query(`LOAD 'auto_explain'`);
          await client.query(
            `SET auto_explain.log_min_duration = 0; SET auto_explain.log_level = 'notice'; SET client_min_messages = 'notice'`,
          );
          const r = await client.query({ name: 'commit_generic', text, values: again });
          expect(r.rows).toEqual([expect.objectContaining({ what: 'run', id: 'run_big17', version: 3 })]);
        } finally {
          await client.end();
        }
        const plan = notices.find((n) => n.includes('Update on runs')) ?? '';
        // A generic plan: the index condition names the key arrays' parameters, not their values.
        expect(plan).toMatch(/Index Cond: .*id = ANY \(\$4\)/);
        expect(plan).toContain('runs_pkey');
        expect(plan).not.toMatch(/Seq Scan on runs\b/);
        expect(plan).not.toMatch(/Seq Scan on run_steps\b/);
      });
  });
}
