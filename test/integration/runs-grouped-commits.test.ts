import type { RunSnapshot } from '../../app/orchestration';
import type { Database } from '../../server/db/database';
import type { WorkQueue } from '../../server/dispatch/work-queue';
import { SqlRunStore } from '../../server/runs';
import { refsToRing } from '../../server/runs/run.repository';
import { backends, describeWith, waitFor, type TestDb } from '../support/services';
import { pendingRun, step } from '../support/runs-fixtures';

/** Counts the statements sent through `db` (the store's grouped commits must send fewer than one per commit). */
function counting(db: Database): Database & { statements: number } {
  const counted = Object.assign(Object.create(db) as Database, { statements: 0 });
  counted.query = (sql, params) => ((counted.statements += 1), db.query(sql, params));
  return counted;
}

/** `count` new pending runs of tenant t (ids `prefix`0, 1, …), created one by one, as loaded back. */
async function createdRuns(store: SqlRunStore, prefix: string, count: number): Promise<RunSnapshot[]> {
  const loaded: RunSnapshot[] = [];
  for (let i = 0; i < count; i++) {
    await store.create(pendingRun('t', `${prefix}${i}`, null));
    const snapshot = await store.load('t', `${prefix}${i}`);
    if (snapshot === null) throw new Error('missing run');
    loaded.push(snapshot);
  }
  return loaded;
}

for (const backend of backends) {
  describeWith(backend.needs, `grouped run commits (${backend.name})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
      await t.db.query(`INSERT INTO tenants (id, name) VALUES ('t', 't')`);
    });
    afterAll(async () => t.cleanup());

    it('commits many runs at once in fewer statements, each with its own compare-and-set and only its changed steps', async () => {
      const db = counting(t.db);
      const store = new SqlRunStore(db);
      const loaded = await createdRuns(store, 'run_g', 12);
      // Run 0 moves on first, so the commit below planned from its old version must lose.
      const moved = structuredClone(loaded[0] as RunSnapshot);
      moved.run.status = 'running';
      expect(await store.commit(moved, 1, undefined, loaded[0])).toEqual({ ok: true, version: 2 });

      db.statements = 0;
      const nexts = loaded.map((base, i) => {
        const next = structuredClone(base);
        next.run.status = 'running';
        next.run.context = { ...next.run.context, n: i };
        const first = next.steps[0];
        if (first === undefined) throw new Error('no step');
        first.status = 'running';
        first.attempt = 1;
        first.idempotencyKey = `key_${i}`;
        next.steps.push(step('b', base.run.createdAt + i));
        return next;
      });
      const results = await Promise.all(nexts.map((next, i) => store.commit(next, 1, undefined, loaded[i])));
      expect(results[0]).toEqual({ ok: false, reason: 'version_conflict' });
      expect(results.slice(1)).toEqual(Array.from({ length: 11 }, () => ({ ok: true, version: 2 })));
      // One statement for the first commit, the rest grouped behind it (plus the lost race's lookup).
      expect(db.statements).toBeLessThan(nexts.length);

      for (let i = 1; i < 12; i++) {
        const stored = await store.load('t', `run_g${i}`);
        expect(stored?.run).toMatchObject({ status: 'running', version: 2, context: { n: i } });
        expect(stored?.steps.map((s) => [s.stepId, s.status, s.attempt, s.idempotencyKey])).toEqual([
          ['a', 'running', 1, `key_${i}`],
          ['b', 'scheduled', 0, null],
        ]);
      }
      // The loser wrote nothing: its run is as the winner left it, without step b.
      const lost = await store.load('t', 'run_g0');
      expect(lost?.run.context).not.toHaveProperty('n');
      expect(lost?.steps.map((s) => [s.stepId, s.status])).toEqual([['a', 'scheduled']]);
    });

    it('groups concurrent creates: one run per active concurrency key, a wake-up row only for the runs created', async () => {
      const recorded: string[] = [];
      const work = {
        notify: async (refs: readonly { id: string }[]) => void recorded.push(...refs.map((r) => r.id)),
      } as unknown as WorkQueue;
      const db = counting(t.db);
      const store = new SqlRunStore(db, work);
      const wake = (runId: string) => ({ tenantId: 't', runId, at: Date.now(), reason: 'start' });
      const same = Array.from({ length: 4 }, (_, i) => store.create(pendingRun('t', `run_k${i}`, 'shared-key'), wake(`run_k${i}`)));
      const distinct = Array.from({ length: 8 }, (_, i) => store.create(pendingRun('t', `run_d${i}`, `key-${i}`), wake(`run_d${i}`)));
      const results = await Promise.all([...same, ...distinct]);
      const sameResults = results.slice(0, 4);
      expect(sameResults.filter((r) => r.created)).toHaveLength(1);
      const holder = sameResults.find((r) => r.created)?.snapshot.run.id;
      expect(sameResults.every((r) => r.snapshot.run.id === holder)).toBe(true);
      expect(results.slice(4).every((r) => r.created)).toBe(true);
      expect(db.statements).toBeLessThan(results.length);
      const rows = await t.db.query<{ run_id: string; id: string }>(
        `SELECT payload->>'runId' AS run_id, id FROM outbox WHERE kind = 'run.advance' AND (payload->>'runId' LIKE 'run_k%' OR payload->>'runId' LIKE 'run_d%') ORDER BY 1`,
      );
      expect(rows.rows.map((r) => r.run_id)).toEqual([...Array.from({ length: 8 }, (_, i) => `run_d${i}`), holder].sort());
      // Each recorded wake-up was rung (after its statement), and only those.
      expect([...recorded].sort()).toEqual(rows.rows.map((r) => r.id).sort());
    });

    it('groups concurrent commits that record wake-ups: a wake-up row only for the runs written, each rung after its statement', async () => {
      const recorded: string[] = [];
      const work = {
        notify: async (refs: readonly { id: string }[]) => void recorded.push(...refs.map((r) => r.id)),
      } as unknown as WorkQueue;
      const store = new SqlRunStore(t.db, work);
      const loaded = await createdRuns(store, 'run_w', 10);
      // Run 0 moves on first: its commit below, planned from its old version, must lose and record nothing.
      const moved = structuredClone(loaded[0] as RunSnapshot);
      moved.run.status = 'running';
      expect(await store.commit(moved, 1, undefined, loaded[0])).toEqual({ ok: true, version: 2 });
      const db = counting(t.db);
      const grouped = new SqlRunStore(db, work);
      const at = Date.now() + 3_600_000;
      const results = await Promise.all(
        loaded.map((base, i) => {
          const next = structuredClone(base);
          next.run.status = 'waiting';
          return grouped.commit(next, 1, { tenantId: 't', runId: base.run.id, at: at + i, reason: 'wait' }, base);
        }),
      );
      expect(results[0]).toEqual({ ok: false, reason: 'version_conflict' });
      expect(results.slice(1)).toEqual(Array.from({ length: 9 }, () => ({ ok: true, version: 2 })));
      // Fewer statements than commits (plus the lost race's lookup).
      expect(db.statements).toBeLessThan(loaded.length);
      const rows = await t.db.query<{ run_id: string; id: string; due_at: Date }>(
        `SELECT payload->>'runId' AS run_id, id, due_at FROM outbox WHERE kind = 'run.advance' AND payload->>'runId' LIKE 'run_w%' ORDER BY 1`,
      );
      expect(rows.rows.map((r) => r.run_id)).toEqual(Array.from({ length: 9 }, (_, i) => `run_w${i + 1}`));
      expect(rows.rows.map((r) => new Date(r.due_at).getTime())).toEqual(Array.from({ length: 9 }, (_, i) => at + i + 1));
      await waitFor(async () => recorded.length >= 9, 'the wake-ups rung');
      expect([...recorded].sort()).toEqual(rows.rows.map((r) => r.id).sort());
    });

    it('rings one of every advanceBatchSize due first wake-ups of a tenant (a delivery claims the others), every one recorded', async () => {
      const recorded: string[] = [];
      const work = {
        notify: async (refs: readonly { id: string }[]) => void recorded.push(...refs.map((r) => r.id)),
      } as unknown as WorkQueue;
      const store = new SqlRunStore(t.db, work, undefined, { advanceBatchSize: 32 });
      const wake = (runId: string) => ({ tenantId: 't', runId, at: Date.now(), reason: 'start' });
      const created = await Promise.all(
        Array.from({ length: 70 }, (_, i) => store.create(pendingRun('t', `run_r${i}`, null), wake(`run_r${i}`))),
      );
      expect(created.every((c) => c.created)).toBe(true);
      const rows = await t.db.query<{ id: string }>(
        `SELECT id FROM outbox WHERE kind = 'run.advance' AND payload->>'runId' LIKE 'run_r%' AND status = 'pending' AND attempts = 0`,
      );
      expect(rows.rows).toHaveLength(70);
      // Creates go in a few grouped statements; each ring takes the 1st, 33rd, 65th… of its refs.
      expect(recorded.length).toBeGreaterThan(0);
      expect(recorded.length).toBeLessThanOrEqual(12);
      expect(rows.rows.map((r) => r.id)).toEqual(expect.arrayContaining(recorded));
    });

    it('rings every wake-up due later, and every one with a batch size of 1', () => {
      const now = Date.now();
      const ref = (tenantId: string, id: string, dueAt: number) => ({ tenantId, id, attempt: 0, dueAt: new Date(dueAt) });
      const refs = [
        ...Array.from({ length: 5 }, (_, i) => ref('a', `a${i}`, now)),
        ...Array.from({ length: 3 }, (_, i) => ref('b', `b${i}`, now - 1)),
        ref('a', 'later', now + 60_000),
      ];
      expect(refsToRing(refs, 2, now).map((r) => r.id)).toEqual(['a0', 'a2', 'a4', 'b0', 'b2', 'later']);
      expect(refsToRing(refs, 32, now).map((r) => r.id)).toEqual(['a0', 'b0', 'later']);
      expect(refsToRing(refs, 1, now)).toHaveLength(refs.length);
    });

    it('writes only the steps that changed when given the committed base, and every step without it', async () => {
      const store = new SqlRunStore(t.db);
      await store.create(pendingRun('t', 'run_base', null));
      const base = await store.load('t', 'run_base');
      if (base === null) throw new Error('missing run');
      // A row changed behind the store's back shows which commits rewrite it.
      const next = structuredClone(base);
      next.run.status = 'running';
      next.steps.push(step('b', base.run.createdAt));
      await t.db.query(`UPDATE run_steps SET attempt = 7 WHERE run_id = 'run_base' AND step_id = 'a'`);
      expect(await store.commit(next, 1, undefined, base)).toEqual({ ok: true, version: 2 });
      const partial = await t.db.query<{ step_id: string; attempt: number }>(
        `SELECT step_id, attempt FROM run_steps WHERE run_id = 'run_base' ORDER BY position`,
      );
      expect(partial.rows).toEqual([
        { step_id: 'a', attempt: 7 },
        { step_id: 'b', attempt: 0 },
      ]);
      const again = structuredClone(next);
      again.run.version = 2;
      expect(await store.commit(again, 2)).toEqual({ ok: true, version: 3 });
      const full = await t.db.query<{ step_id: string; attempt: number }>(
        `SELECT step_id, attempt FROM run_steps WHERE run_id = 'run_base' ORDER BY position`,
      );
      expect(full.rows).toEqual([
        { step_id: 'a', attempt: 0 },
        { step_id: 'b', attempt: 0 },
      ]);
    });
  });
}
