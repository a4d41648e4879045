import { SqlRunStore } from '../../server/runs';
import { backends, describeWith, type TestDb } from '../support/services';
import { pendingRun, step } from '../support/runs-fixtures';

for (const backend of backends) {
  describeWith(backend.needs, `run step rows (${backend.name})`, () => {
    let t: TestDb;
    beforeAll(async () => {
      t = await backend.open();
      await t.db.query(`INSERT INTO tenants (id, name) VALUES ('t1', 't1'), ('t2', 't2')`);
    });
    afterAll(async () => t.cleanup());

    const stepsOf = async (tenantId: string): Promise<string[]> =>
      (
        await t.db.query<{ k: string }>(`SELECT run_id || '/' || step_id AS k FROM run_steps WHERE tenant_id = $1 ORDER BY 1`, [tenantId])
      ).rows.map((r) => r.k);

    it('are deleted with their run, and with their tenant through its runs (what ON DELETE CASCADE did)', async () => {
      const store = new SqlRunStore(t.db);
      for (const [tenantId, runId] of [
        ['t1', 'run_a'],
        ['t1', 'run_b'],
        ['t2', 'run_c'],
      ] as const) {
        const snapshot = pendingRun(tenantId, runId, null);
        snapshot.steps.push(step('b', snapshot.run.createdAt));
        await store.create(snapshot);
      }
      expect(await stepsOf('t1')).toEqual(['run_a/a', 'run_a/b', 'run_b/a', 'run_b/b']);
      await t.db.query(`DELETE FROM runs WHERE tenant_id = 't1' AND id = 'run_a'`);
      expect(await stepsOf('t1')).toEqual(['run_b/a', 'run_b/b']);
      await t.db.query(`DELETE FROM tenants WHERE id = 't1'`);
      expect(await stepsOf('t1')).toEqual([]);
      expect(await stepsOf('t2')).toEqual(['run_c/a', 'run_c/b']);
    });

    it('are written only for runs the same statement wrote: a commit that loses its race adds no step', async () => {
      const store = new SqlRunStore(t.db);
      await store.create(pendingRun('t2', 'run_d', null));
      const base = await store.load('t2', 'run_d');
      if (base === null) throw new Error('missing run');
      const next = structuredClone(base);
      next.steps.push(step('b', base.run.createdAt));
      expect(await store.commit(next, 7, undefined, base)).toEqual({ ok: false, reason: 'version_conflict' });
      const missing = { ...next, run: { ...next.run, id: 'run_gone' } };
      expect(await store.commit(missing, 1)).toEqual({ ok: false, reason: 'not_found' });
      expect(await stepsOf('t2')).toEqual(['run_c/a', 'run_c/b', 'run_d/a']);
    });
  });
}
