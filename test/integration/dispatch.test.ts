import { Queue } from 'bullmq';
import type { JobContext } from '../../server/dispatch/work-runner';
import { RetryLaterError } from '../../server/dispatch/work-runner';
import { outbox } from '../../server/dispatch/outbox.repository';
import { createTenant } from '../../server/tenants/tenants.repository';
import { TEST_REDIS_URL, describeWith, waitFor } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';

for (const { mode, needs } of modes) {
  describeWith(needs, `durable dispatch (${mode})`, () => {
    let svc: TestService;
    let tenantId: string;
    const runs: { id: string; attempt: number; at: number; payload: Record<string, unknown> }[] = [];
    let failuresLeft = 0;

    beforeAll(async () => {
      svc = await startTestService(mode, {
        handlers: {
          'test.record': async (job: JobContext) => {
            runs.push({ id: job.id, attempt: job.attempt, at: Date.now(), payload: job.payload });
          },
          'test.flaky': async (job: JobContext) => {
            runs.push({ id: job.id, attempt: job.attempt, at: Date.now(), payload: job.payload });
            if (failuresLeft > 0) {
              failuresLeft--;
              throw new RetryLaterError('vendor said wait', 200);
            }
          },
        },
      });
      tenantId = (await createTenant(svc.runtime.db, 'Dispatch')).tenantId;
    });
    afterAll(async () => svc.stop());

    const doneRow = (id: string) => async () => {
      const row = await outbox.get(svc.runtime.db, tenantId, id);
      return row?.status === 'done' ? row : undefined;
    };

    it('runs work recorded in the database', async () => {
      const ref = await svc.runtime.work.enqueue({ tenantId, kind: 'test.record', payload: { n: 1 } });
      await waitFor(doneRow(ref.id), 'the job to finish');
      expect(runs.filter((r) => r.id === ref.id)).toEqual([expect.objectContaining({ attempt: 1, payload: { n: 1 } })]);
    });

    it('wakes a timer at its due time, not before', async () => {
      const dueAt = new Date(Date.now() + 1500);
      const ref = await svc.runtime.work.enqueue({ tenantId, kind: 'test.record', dueAt });
      await waitFor(doneRow(ref.id), 'the timer to fire');
      const run = runs.find((r) => r.id === ref.id);
      expect(run?.at).toBeGreaterThanOrEqual(dueAt.getTime() - 5);
    });

    it('picks up work whose queue message was never sent (crash between commit and notify)', async () => {
      const ref = await svc.runtime.db.transaction((tx) =>
        svc.runtime.work.record(tx, { tenantId, kind: 'test.record', payload: { lost: true } }),
      );
      // No notify: only the sweeper can find it.
      await waitFor(doneRow(ref.id), 'the sweeper to dispatch the row', 15_000);
      expect(runs.filter((r) => r.id === ref.id)).toHaveLength(1);
    });

    it('retries a failing handler after the delay it asked for', async () => {
      failuresLeft = 2;
      const ref = await svc.runtime.work.enqueue({ tenantId, kind: 'test.flaky' });
      const row = await waitFor(doneRow(ref.id), 'the retries to succeed');
      const attempts = runs.filter((r) => r.id === ref.id);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(row.attempts).toBe(3);
      expect((attempts[1]?.at ?? 0) - (attempts[0]?.at ?? 0)).toBeGreaterThanOrEqual(190);
    });

    it('marks work with no handler dead after its attempts, with the error visible', async () => {
      const ref = await svc.runtime.work.enqueue({ tenantId, kind: 'test.unknown', maxAttempts: 1 });
      const row = await waitFor(async () => {
        const r = await outbox.get(svc.runtime.db, tenantId, ref.id);
        return r?.status === 'dead' ? r : undefined;
      }, 'the job to be marked dead');
      expect(row.last_error).toMatch(/no handler registered for job kind "test.unknown"/);
    });

    if (mode === 'postgres+redis') {
      it('loses nothing when Redis forgets every message (restart without persistence)', async () => {
        const refs = [];
        // Delayed so they are still in Redis when it is wiped.
        for (let i = 0; i < 5; i++)
          refs.push(await svc.runtime.work.enqueue({ tenantId, kind: 'test.record', dueAt: new Date(Date.now() + 800), payload: { i } }));
        const q = new Queue(svc.queueName ?? '', { connection: { url: TEST_REDIS_URL } });
        await q.obliterate({ force: true });
        await q.close();
        for (const ref of refs) await waitFor(doneRow(ref.id), `job ${ref.id} after the wipe`, 20_000);
        for (const ref of refs) expect(runs.filter((r) => r.id === ref.id)).toHaveLength(1);
      });
    }
  });
}
