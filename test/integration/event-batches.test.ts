/**
 * Micro-batches of the event pipeline (issue #16), in both storage modes: one delivered `event.process`
 * row claims the tenant's other waiting events and runs them together. A failing event leaves the batch
 * and is retried alone while the others finish once; a person's events pass the stages in the order they
 * were recorded; a batch redelivered after a crash (events not marked processed, rows pending again)
 * makes no second decision nor run.
 */
import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { decisioningModuleWith } from '../../server/decisioning/decisioning.module';
import type { JobRef } from '../../server/dispatch/outbox.repository';
import type { WorkQueue } from '../../server/dispatch/work-queue';
import type { EventStage } from '../../server/events/event-processor';
import { ingestEvent, ingestEvents } from '../../server/events/events.repository';
import { identityModule } from '../../server/identity/identity.module';
import { runsModule } from '../../server/runs';
import { createTenant } from '../../server/tenants/tenants.repository';
import { RecordingActionPort } from '../support/recording-action-port';
import { describeWith, waitFor } from '../support/services';
import { modes, startTestService, type TestService } from '../support/runtime';
import { apiClient } from '../support/runs-helpers';

jest.setTimeout(120_000);

const message = (id: string, email: string, text: string, at: number): CanonicalEvent => ({
  id,
  source: 'api',
  type: 'message.received',
  occurredAt: new Date(at).toISOString(),
  subject: { identifiers: [{ type: 'email', value: email }], traits: {} },
  text,
});

/**
 * Records events without ringing the dispatcher, so one delivery finds them all waiting: one transaction
 * each, or all in one (`together`, as a group commit stores them).
 */
async function recordQuietly(
  svc: TestService,
  tenantId: string,
  events: readonly CanonicalEvent[],
  together = false,
): Promise<{ refs: JobRef[]; eventIds: string[] }> {
  const refs: JobRef[] = [];
  const quiet = {
    record: async (tx: Parameters<WorkQueue['record']>[0], job: Parameters<WorkQueue['record']>[1]) => {
      const ref = await svc.runtime.work.record(tx, job);
      refs.push(ref);
      return ref;
    },
    recordMany: async (tx: Parameters<WorkQueue['recordMany']>[0], jobs: Parameters<WorkQueue['recordMany']>[1]) => {
      const recorded = await svc.runtime.work.recordMany(tx, jobs);
      refs.push(...recorded);
      return recorded;
    },
    notify: async () => undefined,
  } as unknown as WorkQueue;
  const identify = svc.runtime.modules.find((m) => m.identify !== undefined)?.identify;
  if (together) {
    const results = await ingestEvents(
      svc.runtime.db,
      quiet,
      tenantId,
      events.map((event) => ({ event })),
      identify,
    );
    return { refs, eventIds: results.map((r) => r.eventId) };
  }
  const eventIds: string[] = [];
  for (const e of events) eventIds.push((await ingestEvent(svc.runtime.db, quiet, tenantId, e, undefined, identify)).eventId);
  return { refs, eventIds };
}

/** The statements the service's database is sent while `fn` runs (inside its transactions too, after a `BEGIN`). */
async function statementsOf(svc: TestService, fn: () => Promise<unknown>): Promise<string[]> {
  const db = svc.runtime.db as { query: typeof svc.runtime.db.query; transaction: typeof svc.runtime.db.transaction };
  const { query, transaction } = db;
  const sent: string[] = [];
  db.query = ((sql: string, params?: readonly unknown[]) => (sent.push(sql), query.call(svc.runtime.db, sql, params))) as typeof db.query;
  db.transaction = ((work: Parameters<typeof transaction>[0]) =>
    transaction.call(svc.runtime.db, (tx) => {
      sent.push('BEGIN');
      return work({ query: (sql, params) => (sent.push(sql), tx.query(sql, params)) });
    })) as typeof db.transaction;
  try {
    await fn();
  } finally {
    db.query = query;
    db.transaction = transaction;
  }
  return sent;
}

/** A tenant whose every decision picks its one action (no holdout, no random control, full reach). */
async function decidingTenant(svc: TestService, name: string): Promise<{ t: { tenantId: string }; api: ReturnType<typeof apiClient> }> {
  const t = await createTenant(svc.runtime.db, name);
  const api = apiClient(svc.url, t.apiKey);
  expect((await api.call('PUT', '/actions', { actions: [{ id: 'call', label: 'Call', channel: 'task', value: 10 }] })).status).toBe(200);
  expect((await api.call('PUT', '/policies', { holdout: { share: 0 }, randomControlShare: 0, reach: { initial: 1 } })).status).toBe(200);
  return { t, api };
}

for (const { mode, needs } of modes) {
  describeWith(needs, `event micro-batches (${mode})`, () => {
    describe('with a probe stage', () => {
      let svc: TestService;
      const seen: { eventId: string; profileId: string | null; text: string | null }[] = [];
      let failOnce = new Set<string>();
      // Texts the batch stage answers as failed, once each (its per-event failures).
      let failInBatchOnce = new Set<string>();
      // What the batch stage (EventStage.runBatch) was handed, a call per batch: the events' texts.
      const batches: (string | null)[][] = [];
      // What the batch stage listed after it was handed, a call per batch.
      const laterBatches: (string | null)[][] = [];

      beforeAll(async () => {
        const batchProbe: EventStage = {
          name: 'batch-probe',
          run: () => Promise.reject(new Error('a batch stage is not run per event')),
          async runBatch(inputs) {
            batches.push(inputs.map((i) => i.event.text));
            const failed = new Map<string, unknown>();
            for (const i of inputs)
              if (i.event.text !== null && failInBatchOnce.delete(i.event.text))
                failed.set(i.event.id, new Error(`batch probe refuses "${i.event.text}" once`));
            return failed;
          },
        };
        const laterBatchProbe: EventStage = {
          name: 'later-batch-probe',
          run: () => Promise.reject(new Error('a batch stage is not run per event')),
          async runBatch(inputs) {
            laterBatches.push(inputs.map((i) => i.event.text));
          },
        };
        const probe: EventStage = {
          name: 'probe',
          async run({ event, profileId }) {
            seen.push({ eventId: event.id, profileId, text: event.text });
            if (event.text !== null && failOnce.delete(event.text)) throw new Error(`probe refuses "${event.text}" once`);
            return {};
          },
        };
        // No sweeps during a test: the rows recorded quietly wait for the one delivery the test makes (a retry is rung by the runner itself).
        svc = await startTestService(mode, {
          modules: [identityModule],
          // The batch stage first in the list: it still runs after every per-event stage.
          stages: [batchProbe, probe, laterBatchProbe],
          sweepIntervalMs: 60_000,
          redispatchAfterMs: 60_000,
        });
      });
      afterAll(async () => svc.stop());
      beforeEach(() => {
        seen.length = 0;
        batches.length = 0;
        laterBatches.length = 0;
        failOnce = new Set();
        failInBatchOnce = new Set();
      });

      const processed = async (tenantId: string, ids: readonly string[]): Promise<number> =>
        (
          await svc.runtime.db.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND id = ANY($2::text[]) AND processed_at IS NOT NULL',
            [tenantId, [...ids]],
          )
        ).rows[0]?.n ?? 0;

      /** The `event.process` row of an event: its status, tries and last error. */
      const jobOf = async (tenantId: string, eventId: string | undefined): Promise<unknown> =>
        (
          await svc.runtime.db.query<{ status: string; attempts: number; last_error: string | null }>(
            `SELECT status, attempts, last_error FROM outbox WHERE tenant_id = $1 AND payload->>'eventId' = $2`,
            [tenantId, eventId],
          )
        ).rows[0];

      it('runs waiting events as one batch; a failing event is retried alone and the others run once', async () => {
        const { tenantId } = await createTenant(svc.runtime.db, 'Batch isolation');
        const t0 = Date.now() - 60_000;
        const events = Array.from({ length: 6 }, (_, i) => message(`iso-${i}`, `person${i}@batch.io`, `hello ${i}`, t0 + i * 1000));
        const { refs, eventIds } = await recordQuietly(svc, tenantId, events);
        failOnce.add('hello 3');
        await svc.runtime.runner.deliver(refs[0] as JobRef);
        // One delivery ran all six: five processed, the refused one pending with its error, tried once.
        expect(seen.map((s) => s.text).sort()).toEqual(['hello 0', 'hello 1', 'hello 2', 'hello 3', 'hello 4', 'hello 5']);
        expect(await processed(tenantId, eventIds)).toBe(5);
        expect(await jobOf(tenantId, eventIds[3])).toMatchObject({
          status: 'pending',
          attempts: 1,
          last_error: expect.stringContaining('probe refuses'),
        });
        // Its retry runs it alone; nobody else runs twice.
        await waitFor(async () => (await processed(tenantId, eventIds)) === 6, 'the retried event', 30_000);
        const counts = new Map<string, number>();
        for (const s of seen) counts.set(s.text ?? '', (counts.get(s.text ?? '') ?? 0) + 1);
        expect(Object.fromEntries(counts)).toEqual({ 'hello 0': 1, 'hello 1': 1, 'hello 2': 1, 'hello 3': 2, 'hello 4': 1, 'hello 5': 1 });
        // The batch stage: once for the five that passed (recorded order), once for the retried one.
        expect(batches).toEqual([['hello 0', 'hello 1', 'hello 2', 'hello 4', 'hello 5'], ['hello 3']]);
        // The retried job completes after its event's processed mark (the runner completes it once the handler returns).
        const statuses = async (): Promise<string[]> =>
          (
            await svc.runtime.db.query<{ status: string }>(`SELECT status FROM outbox WHERE tenant_id = $1 AND kind = 'event.process'`, [
              tenantId,
            ])
          ).rows.map((r) => r.status);
        await waitFor(async () => (await statuses()).every((s) => s === 'done'), 'the retried job completed', 10_000);
        expect(await statuses()).toEqual(Array(6).fill('done'));
      });

      it('an event a batch stage answers as failed is retried alone; the batch goes on without it', async () => {
        const { tenantId } = await createTenant(svc.runtime.db, 'Batch stage failures');
        const t0 = Date.now() - 60_000;
        const events = Array.from({ length: 5 }, (_, i) => message(`bsf-${i}`, `bsf${i}@batch.io`, `bsf ${i}`, t0 + i * 1000));
        const { refs, eventIds } = await recordQuietly(svc, tenantId, events);
        failInBatchOnce.add('bsf 1');
        await svc.runtime.runner.deliver(refs[0] as JobRef);
        // The four others are processed; the refused one is pending with the batch stage's error, and the
        // batch stage after it never saw it.
        expect(await processed(tenantId, eventIds)).toBe(4);
        expect(await jobOf(tenantId, eventIds[1])).toMatchObject({
          status: 'pending',
          attempts: 1,
          last_error: expect.stringContaining('batch probe refuses'),
        });
        expect(batches[0]).toEqual(['bsf 0', 'bsf 1', 'bsf 2', 'bsf 3', 'bsf 4']);
        expect(laterBatches[0]).toEqual(['bsf 0', 'bsf 2', 'bsf 3', 'bsf 4']);
        // Its retry runs it alone, through every stage again.
        await waitFor(async () => (await processed(tenantId, eventIds)) === 5, 'the retried event', 30_000);
        expect(batches.slice(1)).toEqual([['bsf 1']]);
        expect(laterBatches.slice(1)).toEqual([['bsf 1']]);
        expect(seen.filter((x) => x.text === 'bsf 1')).toHaveLength(2);
        expect(seen.filter((x) => x.text === 'bsf 2')).toHaveLength(1);
      });

      for (const together of [false, true]) {
        it(`passes each person's events through the stages in the order they were recorded (${together ? 'in one transaction' : 'one transaction each'})`, async () => {
          const { tenantId } = await createTenant(svc.runtime.db, `Batch order ${together}`);
          const t0 = Date.now() - 60_000;
          // Interleaved: ana 1, bo 1, ana 2, ana 3, bo 2 (occurrence times deliberately not in that order).
          const plan = [
            ['ana', 'a1', 5],
            ['bo', 'b1', 4],
            ['ana', 'a2', 3],
            ['ana', 'a3', 2],
            ['bo', 'b2', 1],
          ] as const;
          const { refs, eventIds } = await recordQuietly(
            svc,
            tenantId,
            plan.map(([who, text, back]) => message(`ord-${text}`, `${who}@order.io`, text, t0 - back * 1000)),
            together,
          );
          await svc.runtime.runner.deliver(refs[0] as JobRef);
          expect(await processed(tenantId, eventIds)).toBe(5);
          const order = (who: string) => seen.filter((s) => s.text?.startsWith(who[0] ?? '') === true).map((s) => s.text);
          expect(order('ana')).toEqual(['a1', 'a2', 'a3']);
          expect(order('bo')).toEqual(['b1', 'b2']);
          // Each person has one profile, carried into the stage.
          expect(new Set(seen.filter((s) => s.text?.startsWith('a') === true).map((s) => s.profileId)).size).toBe(1);
          // The batch stage once, with the events in the order they were recorded.
          expect(batches).toEqual([['a1', 'b1', 'a2', 'a3', 'b2']]);
          // Redelivering any of the batch's messages does nothing more.
          for (const ref of refs) await svc.runtime.runner.deliver(ref);
          expect(seen).toHaveLength(5);
          expect(batches).toHaveLength(1);
        });
      }
    });

    describe('with decisioning and runs', () => {
      let svc: TestService;
      beforeAll(async () => {
        svc = await startTestService(mode, {
          modules: [
            identityModule,
            decisioningModuleWith({ expiryIntervalMs: 0 }),
            automationModule,
            cardsModule,
            runsModule({ catchAll: (db) => new RecordingActionPort(db), stuckSweepIntervalMs: 0 }),
          ],
          sweepIntervalMs: 60_000,
        });
      });
      afterAll(async () => svc.stop());

      it("reads the batch's people's aliases and active runs once for all of them, and still hands an event to a waiting run", async () => {
        const t = await createTenant(svc.runtime.db, 'Batch reads');
        const api = apiClient(svc.url, t.apiKey);
        expect((await api.call('PUT', '/actions', { actions: [{ id: 'call', label: 'Call', channel: 'task', value: 10 }] })).status).toBe(
          200,
        );
        const playbook = {
          id: 'await-reply',
          version: 1,
          name: 'Await reply',
          steps: [
            {
              id: 'hold',
              kind: 'wait',
              wait: { type: 'event', match: { '==': [{ var: 'event.type' }, 'message.received'] }, timeout: '1d' },
            },
            { id: 'note', kind: 'action', action: { type: 'note', params: { body: 'replied' } } },
          ],
        };
        expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
        expect((await api.call('POST', '/playbooks/await-reply/publish', {})).status).toBe(200);
        // Ana is known and has a run waiting for her next message; the others are new.
        const first = await api.call<{ eventId: string; profileId: string }>(
          'POST',
          '/events',
          message('reads-0', 'ana@reads.io', 'hi', Date.now() - 60_000),
        );
        expect(first.status).toBe(202);
        const ana = first.body.profileId;
        await waitFor(
          async () => (await api.call<{ processedAt: string | null }>('GET', `/events/${first.body.eventId}`)).body.processedAt !== null,
          'the first event',
        );
        const run = await api.call<{ id: string; status: string }>('POST', '/runs', { playbookId: 'await-reply', profileId: ana });
        expect(run.status).toBe(201);
        await waitFor(
          async () => (await api.call<{ status: string }>('GET', `/runs/${run.body.id}`)).body.status === 'waiting',
          'the waiting run',
        );

        const now = Date.now() - 30_000;
        const events = [
          message('reads-1', 'ana@reads.io', 'here is my reply', now),
          ...Array.from({ length: 4 }, (_, i) => message(`reads-${i + 2}`, `new${i}@reads.io`, `hello ${i}`, now + i + 1)),
        ];
        const { refs } = await recordQuietly(svc, t.tenantId, events);
        const sent = await statementsOf(svc, () => svc.runtime.runner.deliver(refs[0] as JobRef));
        const matching = (re: RegExp): number => sent.filter((q) => re.test(q)).length;
        // One read of every person's aliases and one of the people's active runs, for the five events.
        expect(matching(/FROM identity_profile_aliases WHERE tenant_id = \$1 AND merged_into = ANY/)).toBe(1);
        expect(matching(/FROM identity_profile_aliases WHERE tenant_id = \$1 AND merged_into = \$2/)).toBe(0);
        expect(matching(/FROM runs r WHERE r\.tenant_id = \$1 AND r\.profile_id = ANY/)).toBe(1);
        // Ana's reply resumed her run as that read found it: her runs were not listed or read again.
        expect(matching(/FROM runs r WHERE r\.tenant_id = \$1 AND r\.profile_id = \$2 AND r\.status IN/)).toBe(0);
        expect(matching(/FROM runs r WHERE r\.tenant_id = \$1 AND r\.id = \$2/)).toBe(0);
        await waitFor(
          async () => (await api.call<{ status: string }>('GET', `/runs/${run.body.id}`)).body.status === 'completed',
          'the resumed run',
        );
        const processed = await svc.runtime.db.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND processed_at IS NOT NULL',
          [t.tenantId],
        );
        expect(processed.rows[0]?.n).toBe(6);
      });

      it('a batch redelivered after a crash makes no second decision and starts no second run', async () => {
        const { t, api } = await decidingTenant(svc, 'Batch redelivery');
        const playbook = {
          id: 'follow',
          version: 1,
          name: 'Follow',
          trigger: { events: ['message.received'] },
          steps: [
            { id: 'hold', kind: 'wait', wait: { type: 'event', match: { '==': [{ var: 'event.type' }, 'never.happens'] }, timeout: '1d' } },
          ],
        };
        expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
        expect((await api.call('POST', '/playbooks/follow/publish', {})).status).toBe(200);
        const now = Date.now() - 30_000;
        const events = Array.from({ length: 5 }, (_, i) =>
          message(`redo-${i}`, `buyer${i}@redo.io`, 'I want to buy the enterprise plan, please send a quote', now + i),
        );
        const { refs, eventIds } = await recordQuietly(svc, t.tenantId, events);
        const sent = await statementsOf(svc, () => svc.runtime.runner.deliver(refs[0] as JobRef));
        // The automation stage runs for the batch's people together, after the per-event stages: the five
        // triggered starts reach the run store side by side and are written in grouped statements (the
        // first alone, at once; the others while it is in flight), not one statement a start.
        const starts = sent.filter((q) => /INSERT INTO run_starts/.test(q)).length;
        expect(starts).toBeGreaterThanOrEqual(1);
        expect(starts).toBeLessThan(5);
        const count = async (table: string): Promise<number> =>
          (await svc.runtime.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE tenant_id = $1`, [t.tenantId])).rows[0]
            ?.n ?? 0;
        const decisions = await count('decisions');
        const runs = await count('runs');
        expect(decisions).toBe(5);
        expect(runs).toBe(5);
        // The crash: the worker died after the stages, before marking the events and completing the rows.
        await svc.runtime.db.query('UPDATE events SET processed_at = NULL WHERE tenant_id = $1 AND id = ANY($2::text[])', [
          t.tenantId,
          eventIds,
        ]);
        await svc.runtime.db.query(
          `UPDATE outbox SET status = 'pending', locked_until = NULL, attempts = 0, done_at = NULL WHERE tenant_id = $1 AND kind = 'event.process'`,
          [t.tenantId],
        );
        const again = await svc.runtime.db.query<{ tenant_id: string; id: string; deliveries: number; due_at: Date }>(
          `SELECT tenant_id, id, deliveries, due_at FROM outbox WHERE tenant_id = $1 AND kind = 'event.process' ORDER BY due_at LIMIT 1`,
          [t.tenantId],
        );
        const row = again.rows[0];
        if (row === undefined) throw new Error('no row');
        await svc.runtime.runner.deliver({ tenantId: row.tenant_id, id: row.id, attempt: row.deliveries, dueAt: new Date(row.due_at) });
        expect(
          (
            await svc.runtime.db.query<{ n: number }>(
              'SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND processed_at IS NOT NULL',
              [t.tenantId],
            )
          ).rows[0]?.n,
        ).toBe(5);
        expect(await count('decisions')).toBe(decisions);
        expect(await count('runs')).toBe(runs);
      });

      it("a reply sent before the person's decision was made applies without a transaction; one sent after it settles the decision", async () => {
        const { t } = await decidingTenant(svc, 'Batch replies');
        const count = async (sql: string): Promise<number> =>
          (await svc.runtime.db.query<{ n: number }>(sql, [t.tenantId])).rows[0]?.n ?? 0;
        // The transaction's first statement (applyEventToProfile) locks the person's row.
        const transactional = (sent: readonly string[]): number => sent.filter((q) => /existing AS \(/.test(q)).length;
        // Two messages of one person in one batch, both sent before the batch ran: the first is decided on
        // (an action: a decision a reply could settle), the second is a reply from before that decision.
        const now = Date.now() - 30_000;
        const events = [
          message('reply-1', 'rita@replies.io', 'I want to buy the enterprise plan, please send a quote', now),
          message('reply-2', 'rita@replies.io', 'also, can we talk tomorrow?', now + 1_000),
        ];
        const { refs } = await recordQuietly(svc, t.tenantId, events);
        const sent = await statementsOf(svc, () => svc.runtime.runner.deliver(refs[0] as JobRef));
        const decided = await svc.runtime.db.query<{ decided_at: Date }>(
          `SELECT decided_at FROM decisions WHERE tenant_id = $1 AND action_id IS NOT NULL ORDER BY decided_at LIMIT 1`,
          [t.tenantId],
        );
        const decidedAt = decided.rows[0]?.decided_at;
        if (decidedAt === undefined) throw new Error('the first message made no decision with an action');
        expect(new Date(decidedAt).getTime()).toBeGreaterThan(now + 1_000);
        expect(transactional(sent)).toBe(0);
        expect(await count('SELECT count(*)::int AS n FROM decisioning_applied_events WHERE tenant_id = $1')).toBe(2);
        expect(await count('SELECT count(*)::int AS n FROM decision_outcomes WHERE tenant_id = $1')).toBe(0);
        // A reply sent after the decision: its batch reads the decision's span and settles it in the transaction.
        const later = await recordQuietly(svc, t.tenantId, [message('reply-3', 'rita@replies.io', 'yes, call me', Date.now())]);
        const settling = await statementsOf(svc, () => svc.runtime.runner.deliver(later.refs[0] as JobRef));
        expect(transactional(settling)).toBe(1);
        expect(await count('SELECT count(*)::int AS n FROM decisioning_applied_events WHERE tenant_id = $1')).toBe(3);
        expect(await count(`SELECT count(*)::int AS n FROM decision_outcomes WHERE tenant_id = $1 AND outcome = 'positive'`)).toBe(1);
      });
    });
  });
}
