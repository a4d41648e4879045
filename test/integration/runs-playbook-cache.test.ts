import { definePlaybook, startRun, type ActionPort, type Decider, type EngineDeps, type Scheduler } from '../../app/orchestration';
import { ManualClock, SequentialIds } from '../../app/orchestration/memory';
import type { Dispatcher } from '../../server/dispatch/dispatcher';
import { WorkQueue } from '../../server/dispatch/work-queue';
import { SqlPlaybookStore, SqlRunStore } from '../../server/runs';
import { backends, describeWith, type TestDb } from '../support/services';
import { fiveStepPlaybook } from '../support/runs-fixtures';

/**
 * Run starts take the latest published playbook version from the store's cache and create the run
 * only if that version is still the latest published one (RunStore contract item 8): a publish or an
 * archive made elsewhere (another process, here another store over the same database) is honoured
 * by the very next start, with no read of the playbook per start otherwise.
 */
const doorbell: Dispatcher = {
  name: 'in-process',
  start: async () => undefined,
  notify: async () => undefined,
  ping: async () => undefined,
  depth: async () => 0,
  stop: async () => undefined,
};
const unused = (): never => {
  throw new Error('not used by starts');
};

for (const backend of backends) {
  describeWith(backend.needs, `run starts and the cached latest playbook version (SQL on ${backend.name})`, () => {
    let t: TestDb;
    let deps: EngineDeps;
    let elsewhere: SqlPlaybookStore;
    const statements: string[] = [];
    const clock = new ManualClock(1_700_000_000_000);

    beforeAll(async () => {
      t = await backend.open();
      await t.db.query('INSERT INTO tenants (id, name) VALUES ($1, $1)', ['t']);
      const counted = Object.create(t.db) as typeof t.db;
      counted.query = (sql, params) => (statements.push(sql), t.db.query(sql, params));
      deps = {
        runs: new SqlRunStore(t.db, new WorkQueue(t.db, doorbell)),
        playbooks: new SqlPlaybookStore(counted),
        scheduler: { wakeAt: unused } as unknown as Scheduler,
        actions: { execute: unused } as unknown as ActionPort,
        decider: { decide: unused } as unknown as Decider,
        clock,
        ids: new SequentialIds(),
      };
      elsewhere = new SqlPlaybookStore(t.db);
    });
    afterAll(async () => t.cleanup());

    const publish = async (version: number): Promise<void> => {
      await elsewhere.insert('t', definePlaybook({ ...fiveStepPlaybook('pb'), version }), clock.now());
      await elsewhere.setStatus('t', 'pb', version, 'draft', 'published', clock.now());
    };
    const playbookReads = (): number => statements.filter((sql) => sql.includes('FROM playbooks')).length;
    const start = async (profileId: string) => {
      const r = await startRun(deps, { tenantId: 't', playbookId: 'pb', profileId });
      if (!r.ok) throw new Error(r.error.message);
      return r.snapshot.run;
    };

    it('reads the latest published version once, then starts runs from the cache', async () => {
      await publish(1);
      expect((await start('p1')).playbookVersion).toBe(1);
      const reads = playbookReads();
      expect((await start('p2')).playbookVersion).toBe(1);
      expect((await start('p3')).playbookVersion).toBe(1);
      expect(playbookReads()).toBe(reads);
    });

    it('honours a version published elsewhere at the next start: the stale create writes nothing and the start reads afresh', async () => {
      await publish(2);
      const run = await start('p4');
      expect(run.playbookVersion).toBe(2);
      const rows = await t.db.query<{ playbook_version: number }>(
        `SELECT playbook_version FROM runs WHERE tenant_id = 't' AND profile_id = 'p4'`,
      );
      expect(rows.rows).toEqual([{ playbook_version: 2 }]);
    });

    it('honours an archive made elsewhere: with no published version left the start is refused and no run is written', async () => {
      expect((await start('p5')).playbookVersion).toBe(2);
      await elsewhere.setStatus('t', 'pb', 2, 'published', 'archived', clock.now());
      await elsewhere.setStatus('t', 'pb', 1, 'published', 'archived', clock.now());
      const r = await startRun(deps, { tenantId: 't', playbookId: 'pb', profileId: 'p6' });
      expect(r).toMatchObject({ ok: false, error: { code: 'playbook_not_published' } });
      const rows = await t.db.query(`SELECT 1 FROM runs WHERE tenant_id = 't' AND profile_id = 'p6'`);
      expect(rows.rows).toHaveLength(0);
    });

    it('still starts an explicitly chosen published version that is not the latest', async () => {
      await publish(3);
      await publish(4);
      const r = await startRun(deps, { tenantId: 't', playbookId: 'pb', profileId: 'p7', version: 3 });
      expect(r).toMatchObject({ ok: true, created: true, snapshot: { run: { playbookVersion: 3 } } });
    });
  });
}
