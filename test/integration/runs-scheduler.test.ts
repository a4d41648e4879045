import type { Dispatcher } from '../../server/dispatch/dispatcher';
import type { JobRef } from '../../server/dispatch/outbox.repository';
import { WorkQueue } from '../../server/dispatch/work-queue';
import { createLogger } from '../../server/observability/logger';
import { NoDecisioningDecider, OutboxScheduler, RunsService, SqlRunStore } from '../../server/runs';
import { findStuckRuns } from '../../server/runs/wakeups.repository';
import { RecordingActionPort } from '../support/recording-action-port';
import { backends, describeWith, waitFor, type TestDb } from '../support/services';
import { pendingRun } from '../support/runs-fixtures';

/** Records what the scheduler rings, instead of delivering it; optionally looks at the database when rung. */
class RecordingDispatcher implements Dispatcher {
  readonly name = 'in-process' as const;
  readonly rung: JobRef[] = [];
  onNotify: ((refs: readonly JobRef[]) => Promise<void>) | undefined;
  async start(): Promise<void> {}
  async notify(refs: readonly JobRef[]): Promise<void> {
    this.rung.push(...refs);
    await this.onNotify?.(refs);
  }
  async ping(): Promise<void> {}
  async depth(): Promise<number> {
    return 0;
  }
  async stop(): Promise<void> {}
}

for (const backend of backends) {
  describeWith(backend.needs, `run scheduler and stuck-run sweep on ${backend.name}`, () => {
    let t: TestDb;
    let dispatcher: RecordingDispatcher;
    let scheduler: OutboxScheduler;
    const rows = async (runId: string) =>
      (
        await t.db.query<{ id: string; status: string }>(
          `SELECT id, status FROM outbox WHERE kind = 'run.advance' AND payload->>'runId' = $1 ORDER BY created_at, id`,
          [runId],
        )
      ).rows;

    beforeAll(async () => {
      t = await backend.open();
      await t.db.query(`INSERT INTO tenants (id, name) VALUES ('t', 't')`);
      dispatcher = new RecordingDispatcher();
      scheduler = new OutboxScheduler(t.db, new WorkQueue(t.db, dispatcher));
    });
    afterAll(async () => t.cleanup());

    it('coalesces with an unclaimed pending wake-up, but never with a finished or claimed one', async () => {
      const at = Date.now() + 60_000;
      await scheduler.wakeAt({ tenantId: 't', runId: 'run_w', at, reason: 'a' });
      await scheduler.wakeAt({ tenantId: 't', runId: 'run_w', at, reason: 'b' });
      expect(await rows('run_w')).toHaveLength(1);
      // Claimed by a worker (being executed right now): a re-arm must not be absorbed by it.
      await t.db.query(`UPDATE outbox SET attempts = 1, locked_until = now() + interval '1 minute' WHERE payload->>'runId' = 'run_w'`);
      await scheduler.wakeAt({ tenantId: 't', runId: 'run_w', at, reason: 'c' });
      expect(await rows('run_w')).toHaveLength(2);
      // Finished: the same (run, instant) must still produce a wake-up.
      await t.db.query(`UPDATE outbox SET status = 'done' WHERE payload->>'runId' = 'run_w'`);
      await scheduler.wakeAt({ tenantId: 't', runId: 'run_w', at, reason: 'd' });
      expect((await rows('run_w')).map((r) => r.status)).toEqual(['done', 'done', 'pending']);
    });

    it('records a wake-up in the same transaction as the create or commit, and rings only after COMMIT', async () => {
      const store = new SqlRunStore(t.db, new WorkQueue(t.db, dispatcher));
      dispatcher.rung.length = 0;
      // When the dispatcher is rung, the state the wake-up is for must already be visible to anyone.
      const seenAtRing: { version: number | undefined; rows: number }[] = [];
      dispatcher.onNotify = async () => {
        const stored = await new SqlRunStore(t.db).load('t', 'run_tx');
        seenAtRing.push({ version: stored?.run.version, rows: (await rows('run_tx')).length });
      };
      const at = Date.now();
      const created = await store.create(pendingRun('t', 'run_tx', 'key_tx'), { tenantId: 't', runId: 'run_tx', at, reason: 'start' });
      expect(created.created).toBe(true);
      const loaded = await store.load('t', 'run_tx');
      if (loaded === null) throw new Error('run_tx missing');
      loaded.run.status = 'running';
      expect(await store.commit(loaded, 1, { tenantId: 't', runId: 'run_tx', at: at + 60_000, reason: 'wait' })).toEqual({
        ok: true,
        version: 2,
      });
      // Rung once each statement committed (the store's doorbell rings after the commit, without holding up the caller).
      await waitFor(async () => seenAtRing.length >= 2, 'both wake-ups rung');
      expect(seenAtRing).toEqual([
        { version: 1, rows: 1 },
        { version: 2, rows: 2 },
      ]);
      const due = (
        await t.db.query<{ due_at: Date; payload: { reason: string } }>(
          `SELECT due_at, payload FROM outbox WHERE kind = 'run.advance' AND payload->>'runId' = 'run_tx' ORDER BY due_at`,
        )
      ).rows;
      expect(due.map((r) => [new Date(r.due_at).getTime(), r.payload.reason])).toEqual([
        [at, 'start'],
        [at + 60_000, 'wait'],
      ]);

      // A commit that loses its race writes nothing, so it records no wake-up and rings nothing.
      dispatcher.rung.length = 0;
      expect(await store.commit(loaded, 1, { tenantId: 't', runId: 'run_tx', at: at + 1, reason: 'stale' })).toEqual({
        ok: false,
        reason: 'version_conflict',
      });
      // A start that finds the concurrency slot taken does not record a wake-up either.
      const second = await store.create(pendingRun('t', 'run_tx2', 'key_tx'), { tenantId: 't', runId: 'run_tx2', at, reason: 'start' });
      expect(second).toMatchObject({ created: false, snapshot: { run: { id: 'run_tx' } } });
      expect(dispatcher.rung).toEqual([]);
      expect(await rows('run_tx')).toHaveLength(2);
      expect(await rows('run_tx2')).toHaveLength(0);
      dispatcher.onNotify = undefined;
    });

    it('rolls the write back when its wake-up cannot be recorded (one transaction)', async () => {
      const store = new SqlRunStore(t.db, new WorkQueue(t.db, dispatcher));
      dispatcher.rung.length = 0;
      // The run row is written first; recording the (invalid) wake-up then fails inside the same transaction.
      await expect(
        store.create(pendingRun('t', 'run_rollback', null), { tenantId: 't', runId: 'run_rollback', at: Number.NaN, reason: 'start' }),
      ).rejects.toThrow();
      expect(await store.load('t', 'run_rollback')).toBeNull();
      expect(await rows('run_rollback')).toHaveLength(0);
      expect(dispatcher.rung).toEqual([]);
    });

    it('finds runs nobody will advance and re-arms them once', async () => {
      const store = new SqlRunStore(t.db);
      const now = Date.now();
      const overdue = pendingRun('t', 'run_stuck', null, { createdAt: now - 60_000 });
      await store.create(overdue);
      const leased = pendingRun('t', 'run_leased', null, { createdAt: now - 60_000 });
      leased.run.lease = { owner: 'adv_live', expiresAt: now + 60_000 };
      await store.create(leased);
      const done = pendingRun('t', 'run_done', null, { createdAt: now - 60_000 });
      done.run.status = 'completed';
      await store.create(done);
      const dead = pendingRun('t', 'run_dead_lease', null, { createdAt: now - 60_000 });
      Object.assign(dead.run, { status: 'running', wakeAt: null, lease: { owner: 'adv_dead', expiresAt: now - 10_000 } });
      await store.create(dead);

      const stuck = (await findStuckRuns(t.db, now, 2_000, 100)).map((r) => r.runId).sort();
      expect(stuck).toEqual(['run_dead_lease', 'run_stuck']);
      const service = new RunsService({
        db: t.db,
        work: new WorkQueue(t.db, dispatcher),
        logger: createLogger('silent'),
        actions: new RecordingActionPort(t.db),
        decider: new NoDecisioningDecider(),
      });
      expect(await service.sweepStuckRuns(2_000)).toBe(2);
      // A pending wake-up due now exists for each: the next pass leaves them alone.
      expect(await service.sweepStuckRuns(2_000)).toBe(0);
      expect(await rows('run_stuck')).toHaveLength(1);
    });
  });
}
