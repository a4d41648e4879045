import { advanceRun, deliverEvent, definePlaybook, updateRunContext, type RunSnapshot } from '../../app/orchestration';
import type { Database } from '../../server/db/database';
import type { Dispatcher } from '../../server/dispatch/dispatcher';
import type { StoredEvent } from '../../server/events/events.repository';
import { WorkQueue } from '../../server/dispatch/work-queue';
import { createLogger } from '../../server/observability/logger';
import { NoDecisioningDecider, RunsService } from '../../server/runs';
import { runsStage } from '../../server/runs/runs.stage';
import { startTriggeredRun, triggeredRunId } from '../../server/runs/triggered-runs';
import { RecordingActionPort } from '../support/recording-action-port';
import { backends, describeWith, type TestDb } from '../support/services';

/**
 * The statements of the event pipeline's run work (issue #16): a triggered run start (the start key
 * checked, the run created and the key remembered) and an event delivered to a person's active run.
 * Counted here so a change that adds a round trip to either fails.
 */
function counting(db: Database): Database & { statements: string[] } {
  const counted = Object.assign(Object.create(db) as Database, { statements: [] as string[] });
  counted.query = (sql, params) => (counted.statements.push(sql), db.query(sql, params));
  return counted;
}

const doorbell: Dispatcher = {
  name: 'in-process',
  start: async () => undefined,
  notify: async () => undefined,
  ping: async () => undefined,
  depth: async () => 0,
  stop: async () => undefined,
};

const waitFor = (type: string) => ({ type: 'event', match: { '==': [{ var: 'event.type' }, type] }, timeout: '1d' });
/** The sustained bench's playbook: one wait for an event that never comes (one run per person at a time). */
const HOLD = definePlaybook({
  id: 'hold',
  version: 1,
  name: 'Hold',
  status: 'published',
  trigger: { events: ['message.received'] },
  steps: [{ id: 'hold', kind: 'wait', wait: waitFor('never.happens') }],
});
/** Waits for a `go` event; any number of runs per person. */
const WAITER = definePlaybook({
  id: 'waiter',
  version: 1,
  name: 'Waiter',
  status: 'published',
  concurrency: 'unlimited',
  steps: [{ id: 'go', kind: 'wait', wait: waitFor('go') }],
});

for (const backend of backends) {
  describeWith(backend.needs, `statements of a triggered run start and an event delivery (${backend.name})`, () => {
    let t: TestDb;
    let db: Database & { statements: string[] };
    let runs: RunsService;

    beforeAll(async () => {
      t = await backend.open();
      await t.db.query(`INSERT INTO tenants (id, name) VALUES ('t', 't')`);
      db = counting(t.db);
      runs = new RunsService({
        db,
        work: new WorkQueue(t.db, doorbell),
        logger: createLogger('silent'),
        actions: new RecordingActionPort(t.db),
        decider: new NoDecisioningDecider(),
      });
      await runs.deps.playbooks.insert('t', HOLD, Date.now());
      await runs.deps.playbooks.insert('t', WAITER, Date.now());
      // The playbook store's cache holds the latest published version from here on (one read, not counted).
      await runs.deps.playbooks.latestPublished('t', 'hold', { cached: true });
      await runs.deps.playbooks.latestPublished('t', 'waiter', { cached: true });
    });
    afterAll(async () => t.cleanup());

    const start = (profileId: string, key: string, playbookId = 'hold', service = runs) =>
      startTriggeredRun(service, { tenantId: 't', playbookId, profileId, context: {}, key });
    const runsOf = async (profileId: string) =>
      (await t.db.query<{ id: string }>(`SELECT id FROM runs WHERE tenant_id = 't' AND profile_id = $1 ORDER BY id`, [profileId])).rows;
    const rememberedRun = async (key: string) =>
      (await t.db.query<{ run_id: string }>(`SELECT run_id FROM run_starts WHERE tenant_id = 't' AND start_key = $1`, [key])).rows;
    const counted = async <T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> => {
      db.statements.length = 0;
      const result = await work();
      return { result, statements: [...db.statements] };
    };

    it('starts a triggered run in one statement', async () => {
      const { result, statements } = await counted(() => start('p1', 'event:e1:hold'));
      expect(result).toEqual({ ok: true, runId: triggeredRunId('t', 'event:e1:hold'), created: true });
      expect(statements).toHaveLength(1);
      const remembered = await t.db.query(`SELECT run_id FROM run_starts WHERE tenant_id = 't' AND start_key = 'event:e1:hold'`);
      expect(remembered.rows).toEqual([{ run_id: result.ok ? result.runId : '' }]);
    });

    it('answers a redelivered start key in one statement, writing nothing', async () => {
      const { result, statements } = await counted(() => start('p1', 'event:e1:hold'));
      expect(result).toEqual({ ok: true, runId: triggeredRunId('t', 'event:e1:hold'), created: false });
      expect(statements).toHaveLength(1);
      const rows = await t.db.query(`SELECT id FROM runs WHERE tenant_id = 't' AND profile_id = 'p1'`);
      expect(rows.rows).toHaveLength(1);
    });

    it("joins the person's active run (one per profile) in one statement and remembers the key with it", async () => {
      const { result, statements } = await counted(() => start('p1', 'event:e2:hold'));
      expect(result).toEqual({ ok: true, runId: triggeredRunId('t', 'event:e1:hold'), created: false });
      expect(statements).toHaveLength(1);
      const remembered = await t.db.query(`SELECT run_id FROM run_starts WHERE tenant_id = 't' AND start_key = 'event:e2:hold'`);
      expect(remembered.rows).toEqual([{ run_id: triggeredRunId('t', 'event:e1:hold') }]);
      // Redelivered, the joining key answers the run it joined.
      expect(await start('p1', 'event:e2:hold')).toEqual(result);
    });

    it("delivers an event to a person's one active run in one statement when the run ignores it", async () => {
      const deliver = (id: string) =>
        deliverEvent(runs.deps, 't', { id, type: 'message.received', occurredAt: Date.now(), profileId: 'p1' });
      await deliver('e3'); // reads the run's pinned playbook version, once per process
      const { result: effects, statements } = await counted(() => deliver('e4'));
      expect(effects).toEqual([{ runId: triggeredRunId('t', 'event:e1:hold'), effect: 'ignored', reason: 'not waiting for an event' }]);
      expect(statements).toHaveLength(1);
    });

    it('resumes a waiting run with the list and the commit (its wake-up in the same statement)', async () => {
      const started = await start('p2', 'event:w1:waiter', 'waiter');
      if (!started.ok) throw new Error(started.message);
      await advanceRun(runs.deps, 't', started.runId);
      const go = { id: 'go1', type: 'go', occurredAt: Date.now(), profileId: 'p2' };
      await deliverEvent(runs.deps, 't', { ...go, id: 'warm', type: 'other' }); // the pinned playbook read, once per process
      const { result: effects, statements } = await counted(() => deliverEvent(runs.deps, 't', go));
      expect(effects).toEqual([{ runId: started.runId, effect: 'resumed', stepId: 'go' }]);
      expect(statements).toHaveLength(2);
      const outbox = await t.db.query(`SELECT 1 FROM outbox WHERE kind = 'run.advance' AND payload->>'runId' = $1 AND status = 'pending'`, [
        started.runId,
      ]);
      expect(outbox.rows.length).toBeGreaterThan(0);
    });

    it("delivers a micro-batch's events on one read of its people's active runs: ignored events cost nothing, a resume its commit", async () => {
      const started = await start('p7', 'event:w3:waiter', 'waiter');
      if (!started.ok) throw new Error(started.message);
      await advanceRun(runs.deps, 't', started.runId);
      const memos = new Map<string, Promise<unknown>>();
      const scope = {
        profileIds: ['p7', 'nobody'],
        eventIds: ['b1', 'b2', 'b3', 'b4'],
        earliestAt: Date.now(),
        memo<T>(key: string, load: () => Promise<T>): Promise<T> {
          if (!memos.has(key)) memos.set(key, load());
          return memos.get(key) as Promise<T>;
        },
      };
      const stage = runsStage(runs, db);
      const event = (id: string, type: string) =>
        ({ id, type, occurredAt: new Date().toISOString(), properties: {} }) as unknown as StoredEvent;
      const { statements } = await counted(async () => {
        for (const [id, type, profileId] of [
          ['b1', 'noise', 'p7'],
          ['b2', 'go', 'p7'],
          ['b3', 'go', 'p7'],
          ['b4', 'go', 'nobody'],
        ] as const)
          await stage.run({ tenantId: 't', event: event(id, type), profileId, batch: scope });
      });
      // The batch's one read of the people's active runs, and the commit that resumed the run (its wake-up in it).
      expect(statements).toHaveLength(2);
      const stored = await runs.deps.runs.load('t', started.runId);
      expect(stored?.run.consumedEventIds).toEqual(['b2']);
      expect(stored?.steps.find((step) => step.stepId === 'go')?.status).toBe('succeeded');
    });

    it('plans a delivery on a listed run that changed since afresh: the stale commit loses and nothing of the change is lost', async () => {
      const started = await start('p3', 'event:w2:waiter', 'waiter');
      if (!started.ok) throw new Error(started.message);
      await advanceRun(runs.deps, 't', started.runId);
      const store = runs.deps.runs;
      const list = store.listActiveForProfile.bind(store);
      const changeAfterListing = async (tenantId: string, profileId: string): Promise<RunSnapshot[]> => {
        const listed = await list(tenantId, profileId);
        // Someone else commits the run between the list and the delivery's commit.
        expect(await updateRunContext(runs.deps, tenantId, started.runId, { changed: true })).toMatchObject({
          ok: true,
          effect: 'updated',
        });
        return listed;
      };
      const deps = {
        ...runs.deps,
        runs: Object.assign(Object.create(store) as typeof store, { listActiveForProfile: changeAfterListing }),
      };
      const effects = await deliverEvent(deps, 't', { id: 'go2', type: 'go', occurredAt: Date.now(), profileId: 'p3' });
      expect(effects).toEqual([{ runId: started.runId, effect: 'resumed', stepId: 'go' }]);
      const stored = await store.load('t', started.runId);
      expect(stored?.run.context).toEqual({ changed: true });
      expect(stored?.run.consumedEventIds).toEqual(['go2']);
      expect(stored?.steps.find((step) => step.stepId === 'go')?.status).toBe('succeeded');
    });

    it('starts one run for a key started twice at once (two processes), and remembers the key with it', async () => {
      const other = new RunsService({
        db: t.db,
        work: new WorkQueue(t.db, doorbell),
        logger: createLogger('silent'),
        actions: new RecordingActionPort(t.db),
        decider: new NoDecisioningDecider(),
      });
      for (const playbookId of ['hold', 'waiter']) {
        for (let i = 0; i < 10; i++) {
          const profileId = `c-${playbookId}-${i}`;
          const key = `event:c${i}:${playbookId}`;
          const both = await Promise.all([start(profileId, key, playbookId), start(profileId, key, playbookId, other)]);
          const runId = triggeredRunId('t', key);
          expect(both.map((r) => (r.ok ? r.runId : r.code))).toEqual([runId, runId]);
          expect(both.filter((r) => r.ok && r.created)).toHaveLength(1);
          expect(await runsOf(profileId)).toEqual([{ id: runId }]);
          expect(await rememberedRun(key)).toEqual([{ run_id: runId }]);
        }
      }
    });

    it('starts one run for two keys of one person started at once (one per profile): both keys remember it', async () => {
      const other = new RunsService({
        db: t.db,
        work: new WorkQueue(t.db, doorbell),
        logger: createLogger('silent'),
        actions: new RecordingActionPort(t.db),
        decider: new NoDecisioningDecider(),
      });
      for (let i = 0; i < 10; i++) {
        const profileId = `d-${i}`;
        const both = await Promise.all([start(profileId, `event:d${i}a:hold`), start(profileId, `event:d${i}b:hold`, 'hold', other)]);
        const ids = both.map((r) => (r.ok ? r.runId : r.code));
        expect(ids[0]).toBe(ids[1]);
        expect(both.filter((r) => r.ok && r.created)).toHaveLength(1);
        expect((await runsOf(profileId)).map((r) => r.id)).toEqual([ids[0]]);
        expect(await rememberedRun(`event:d${i}a:hold`)).toEqual([{ run_id: ids[0] }]);
        expect(await rememberedRun(`event:d${i}b:hold`)).toEqual([{ run_id: ids[0] }]);
      }
    });

    it('finds a run whose key was never remembered by its id, and remembers the key', async () => {
      const key = 'event:legacy:waiter';
      const started = await start('p4', key, 'waiter');
      if (!started.ok) throw new Error(started.message);
      await t.db.query(`DELETE FROM run_starts WHERE tenant_id = 't' AND start_key = $1`, [key]);
      const { result, statements } = await counted(() => start('p4', key, 'waiter'));
      expect(result).toEqual({ ok: true, runId: started.runId, created: false });
      expect(statements).toHaveLength(1);
      expect(await runsOf('p4')).toEqual([{ id: started.runId }]);
      expect(await rememberedRun(key)).toEqual([{ run_id: started.runId }]);
    });

    it('answers a redelivered key with the run it started after that run ended (the key does not start another)', async () => {
      const key = 'event:ended:waiter';
      const started = await start('p6', key, 'waiter');
      if (!started.ok) throw new Error(started.message);
      const stored = await runs.deps.runs.load('t', started.runId);
      if (stored === null) throw new Error('missing run');
      const ended = structuredClone(stored);
      ended.run.status = 'cancelled';
      expect(await runs.deps.runs.commit(ended, stored.run.version)).toMatchObject({ ok: true });
      expect(await start('p6', key, 'waiter')).toEqual({ ok: true, runId: started.runId, created: false });
      expect(await runsOf('p6')).toEqual([{ id: started.runId }]);
    });

    it('answers a redelivered key with the run it started even once its playbook can no longer be started', async () => {
      const key = 'event:archived:waiter';
      const started = await start('p5', key, 'waiter');
      if (!started.ok) throw new Error(started.message);
      expect(await runs.deps.playbooks.setStatus('t', 'waiter', 1, 'published', 'archived', Date.now())).toEqual({ ok: true });
      expect(await start('p5', key, 'waiter')).toEqual({ ok: true, runId: started.runId, created: false });
      expect(await start('p5', 'event:archived-new:waiter', 'waiter')).toMatchObject({ ok: false, code: 'playbook_not_published' });
    });
  });
}
