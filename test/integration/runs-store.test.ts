import { definePlaybook, type PlaybookStore, type RunStore } from '../../app/orchestration';
import { MemoryPlaybookStore, MemoryRunStore } from '../../app/orchestration/memory';
import type { Database } from '../../server/db/database';
import { SqlPlaybookStore, SqlRunStore } from '../../server/runs';
import { backends, describeWith, type TestDb } from '../support/services';
import { crashPlaybook, pendingRun, step } from '../support/runs-fixtures';

/**
 * The RunStore / PlaybookStore contract (app/orchestration/ports.ts), run against the in-memory
 * adapters and the SQL adapters on PGlite and PostgreSQL: the same expectations for all three.
 */
interface Target {
  name: string;
  needs: readonly ('postgres' | 'redis')[];
  open(): Promise<{ runs: RunStore; playbooks: PlaybookStore; db?: Database; close(): Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'memory',
    needs: [],
    open: async () => ({ runs: new MemoryRunStore(), playbooks: new MemoryPlaybookStore(), close: async () => undefined }),
  },
  ...backends.map((backend): Target => ({
    name: `SQL on ${backend.name}`,
    needs: backend.needs,
    async open() {
      const t: TestDb = await backend.open();
      for (const tenant of ['t', 'other-tenant']) await t.db.query('INSERT INTO tenants (id, name) VALUES ($1, $1)', [tenant]);
      return { runs: new SqlRunStore(t.db), playbooks: new SqlPlaybookStore(t.db), db: t.db, close: () => t.cleanup() };
    },
  })),
];

for (const target of targets) {
  describeWith(target.needs, `run and playbook store contract (${target.name})`, () => {
    let runs: RunStore;
    let playbooks: PlaybookStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ runs, playbooks, close } = await target.open());
    });
    afterAll(async () => close());

    it('refuses a commit based on a stale version and accepts the current one', async () => {
      expect(await runs.create(pendingRun('t', 'run_cas', 'key_cas'))).toMatchObject({ created: true, snapshot: { run: { version: 1 } } });
      const a = await runs.load('t', 'run_cas');
      const b = await runs.load('t', 'run_cas');
      if (a === null || b === null) throw new Error('missing');
      a.run.updatedAt = 1_700_000_000_001;
      b.run.updatedAt = 1_700_000_000_002;
      expect(await runs.commit(a, 1)).toEqual({ ok: true, version: 2 });
      expect(await runs.commit(b, 1)).toEqual({ ok: false, reason: 'version_conflict' });
      expect((await runs.load('t', 'run_cas'))?.run).toMatchObject({ version: 2, updatedAt: 1_700_000_000_001 });
      expect(await runs.commit({ ...a, run: { ...a.run, id: 'run_x' } }, 1)).toEqual({ ok: false, reason: 'not_found' });
    });

    it('lets exactly one of many concurrent commits of the same version win', async () => {
      await runs.create(pendingRun('t', 'run_race', null));
      const loaded = await Promise.all([1, 2, 3, 4, 5].map(() => runs.load('t', 'run_race')));
      const results = await Promise.all(
        loaded.map((s, i) => {
          if (s === null) throw new Error('missing');
          s.run.resumeCount = i + 1;
          return runs.commit(s, 1);
        }),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'version_conflict')).toBe(true);
    });

    it('returns the active run for a taken concurrency key, keeps it while failed, frees it when the run ends', async () => {
      await runs.create(pendingRun('t', 'run_k1', 'key_1'));
      expect(await runs.create(pendingRun('t', 'run_k2', 'key_1'))).toMatchObject({ created: false, snapshot: { run: { id: 'run_k1' } } });
      expect(await runs.load('t', 'run_k2')).toBeNull();
      const current = await runs.load('t', 'run_k1');
      if (current === null) throw new Error('missing');
      current.run.status = 'failed';
      expect(await runs.commit(current, current.run.version)).toMatchObject({ ok: true });
      expect(await runs.create(pendingRun('t', 'run_k3', 'key_1'))).toMatchObject({
        created: false,
        snapshot: { run: { id: 'run_k1', status: 'failed' } },
      });
      current.run.status = 'cancelled';
      expect(await runs.commit(current, current.run.version + 1)).toMatchObject({ ok: true });
      expect(await runs.create(pendingRun('t', 'run_k4', 'key_1'))).toMatchObject({ created: true });
      // Same key in another tenant is another slot.
      expect(await runs.create(pendingRun('other-tenant', 'run_k5', 'key_1'))).toMatchObject({ created: true });
    });

    it('creates one run when many starts race for the same concurrency key', async () => {
      const results = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => runs.create(pendingRun('t', `run_cr${i}`, 'key_race'))));
      const created = results.filter((r) => r.created);
      expect(created).toHaveLength(1);
      const winner = created[0]?.snapshot.run.id;
      for (const r of results) expect(r.snapshot.run.id).toBe(winner);
    });

    it('hands out copies and keeps tenants apart', async () => {
      await runs.create(pendingRun('t', 'run_copy', null));
      const loaded = await runs.load('t', 'run_copy');
      if (loaded === null) throw new Error('missing');
      loaded.run.status = 'completed';
      expect((await runs.load('t', 'run_copy'))?.run.status).toBe('pending');
      expect(await runs.load('other-tenant', 'run_copy')).toBeNull();
      expect(await runs.commit({ ...loaded, run: { ...loaded.run, tenantId: 'other-tenant' } }, 1)).toEqual({
        ok: false,
        reason: 'not_found',
      });
    });

    it('stores steps with their JSON and timestamps exactly, upserting by step id in entry order', async () => {
      const created = pendingRun('t', 'run_steps', null);
      await runs.create(created);
      const s = await runs.load('t', 'run_steps');
      if (s === null) throw new Error('missing');
      expect(s).toEqual({ run: { ...created.run, version: 1 }, steps: created.steps });
      const first = s.steps[0];
      if (first === undefined) throw new Error('no step');
      Object.assign(first, {
        status: 'succeeded',
        input: { body: 'hello "quoted" ü', list: [1, null, true] },
        output: 'plain string output',
        attempt: 2,
        error: null,
        idempotencyKey: 'baton:v1:t:run_steps:a:g0',
        attempts: [
          {
            attempt: 1,
            startedAt: 1_700_000_000_100,
            finishedAt: 1_700_000_000_200,
            outcome: 'failed',
            error: { code: 'http_503', message: 'down', category: 'transient' },
            idempotencyKey: 'baton:v1:t:run_steps:a:g0',
          },
        ],
        startedAt: 1_700_000_000_100,
        attemptStartedAt: 1_700_000_000_300,
        finishedAt: 1_700_000_000_400,
        updatedAt: 1_700_000_000_400,
      });
      const second = {
        ...step('b', 1_700_000_000_400),
        kind: 'decide' as const,
        status: 'failed' as const,
        decision: { decisionId: 'd1', action: null },
        error: { code: 'x', message: 'y', category: 'permanent' as const },
        dueAt: 1_700_000_009_999,
      };
      s.steps.push(second);
      Object.assign(s.run, {
        status: 'failed',
        cursor: 'b',
        error: { code: 'x', message: 'y', category: 'permanent', stepId: 'b' },
        lease: { owner: 'adv_1', expiresAt: 1_700_000_060_000 },
        consumedEventIds: ['evt_1'],
        startedAt: 1_700_000_000_050,
      });
      expect(await runs.commit(s, 1)).toEqual({ ok: true, version: 2 });
      const back = await runs.load('t', 'run_steps');
      expect(back).toEqual({ run: { ...s.run, version: 2 }, steps: s.steps });
      // A commit whose snapshot omits a step keeps the stored one (upsert, not replace).
      if (back === null) throw new Error('missing');
      const partial = { run: back.run, steps: back.steps.slice(1) };
      expect(await runs.commit(partial, 2)).toEqual({ ok: true, version: 3 });
      expect((await runs.load('t', 'run_steps'))?.steps.map((x) => x.stepId)).toEqual(['a', 'b']);
    });

    it('lists runs by profile, playbook and status, oldest first, per tenant', async () => {
      await runs.create(pendingRun('t', 'run_l1', null, { profileId: 'lp', playbookId: 'pl', createdAt: 1_700_000_100_000 }));
      await runs.create(pendingRun('t', 'run_l2', null, { profileId: 'lp', playbookId: 'other', createdAt: 1_700_000_100_001 }));
      await runs.create(pendingRun('other-tenant', 'run_l3', null, { profileId: 'lp', playbookId: 'pl' }));
      const l2 = await runs.load('t', 'run_l2');
      if (l2 === null) throw new Error('missing');
      l2.run.status = 'completed';
      await runs.commit(l2, 1);
      expect((await runs.list('t', { profileId: 'lp' })).map((r) => r.id)).toEqual(['run_l1', 'run_l2']);
      expect((await runs.list('t', { profileId: 'lp', playbookId: 'pl' })).map((r) => r.id)).toEqual(['run_l1']);
      expect((await runs.list('t', { profileId: 'lp', statuses: ['completed'] })).map((r) => r.id)).toEqual(['run_l2']);
      expect((await runs.list('t', { profileId: 'lp', limit: 1 })).map((r) => r.id)).toEqual(['run_l1']);
      expect((await runs.listActiveForProfile('t', 'lp')).map((s) => s.run.id)).toEqual(['run_l1']);
      expect((await runs.listActiveForProfile('other-tenant', 'lp')).map((s) => s.run.id)).toEqual(['run_l3']);
    });

    it('pages through runs after a (createdAt, id) position, ties broken by id', async () => {
      const at = 1_700_000_200_000;
      for (const [id, createdAt] of [
        ['run_pb', at],
        ['run_pa', at],
        ['run_pc', at + 1],
        ['run_pd', at + 2],
      ] as const) {
        await runs.create(pendingRun('t', id, null, { profileId: 'pp', createdAt }));
      }
      const all = (await runs.list('t', { profileId: 'pp' })).map((r) => r.id);
      expect(all).toEqual(['run_pa', 'run_pb', 'run_pc', 'run_pd']);
      expect((await runs.list('t', { profileId: 'pp', after: { at, id: 'run_pa' }, limit: 2 })).map((r) => r.id)).toEqual([
        'run_pb',
        'run_pc',
      ]);
      expect((await runs.list('t', { profileId: 'pp', after: { at: at + 1, id: 'run_pc' } })).map((r) => r.id)).toEqual(['run_pd']);
      expect(await runs.list('t', { profileId: 'pp', after: { at: at + 2, id: 'run_pd' } })).toEqual([]);
      // Newest first: the same positions, read the other way.
      expect((await runs.list('t', { profileId: 'pp', order: 'newest' })).map((r) => r.id)).toEqual([
        'run_pd',
        'run_pc',
        'run_pb',
        'run_pa',
      ]);
      expect(
        (await runs.list('t', { profileId: 'pp', order: 'newest', after: { at: at + 1, id: 'run_pc' }, limit: 1 })).map((r) => r.id),
      ).toEqual(['run_pb']);
      expect((await runs.list('t', { profileId: 'pp', order: 'newest', after: { at: at, id: 'run_pb' } })).map((r) => r.id)).toEqual([
        'run_pa',
      ]);
      expect(await runs.list('t', { profileId: 'pp', order: 'newest', after: { at, id: 'run_pa' } })).toEqual([]);
    });

    it('stores a changed context with the commit', async () => {
      await runs.create(pendingRun('t', 'run_ctx', null));
      const loaded = await runs.load('t', 'run_ctx');
      if (loaded === null) throw new Error('missing');
      loaded.run.context = { deal: { stage: 'closedwon' } };
      expect(await runs.commit(loaded, 1)).toEqual({ ok: true, version: 2 });
      expect((await runs.load('t', 'run_ctx'))?.run.context).toEqual({ deal: { stage: 'closedwon' } });
    });

    it('keeps playbook versions immutable, with a compare-and-set on status', async () => {
      const v1 = definePlaybook({ ...crashPlaybook('pb-contract', '1s'), version: 1 });
      const v2 = definePlaybook({ ...crashPlaybook('pb-contract', '2s'), version: 2 });
      expect(await playbooks.insert('t', v1, 1_700_000_000_000)).toEqual({ ok: true });
      expect(await playbooks.insert('t', v1, 1_700_000_000_000)).toEqual({ ok: false, reason: 'version_exists' });
      expect(await playbooks.insert('t', v2, 1_700_000_000_001)).toEqual({ ok: true });
      expect(await playbooks.latestPublished('t', 'pb-contract')).toBeNull();
      expect(await playbooks.setStatus('t', 'pb-contract', 1, 'draft', 'published', 1_700_000_000_010)).toEqual({ ok: true });
      expect(await playbooks.setStatus('t', 'pb-contract', 1, 'draft', 'published', 1_700_000_000_011)).toEqual({
        ok: false,
        reason: 'status_changed',
      });
      expect(await playbooks.setStatus('t', 'pb-contract', 9, 'draft', 'published', 1_700_000_000_011)).toEqual({
        ok: false,
        reason: 'not_found',
      });
      expect(await playbooks.latestPublished('t', 'pb-contract')).toMatchObject({
        playbook: { version: 1, status: 'published' },
        updatedAt: 1_700_000_000_010,
      });
      await playbooks.setStatus('t', 'pb-contract', 2, 'draft', 'published', 1_700_000_000_020);
      await playbooks.setStatus('t', 'pb-contract', 1, 'published', 'archived', 1_700_000_000_020);
      expect((await playbooks.latestPublished('t', 'pb-contract'))?.playbook.version).toBe(2);
      const archived = await playbooks.get('t', 'pb-contract', 1);
      expect(archived).toEqual({
        tenantId: 't',
        playbook: { ...v1, status: 'archived' },
        createdAt: 1_700_000_000_000,
        updatedAt: 1_700_000_000_020,
      });
      expect((await playbooks.listVersions('t', 'pb-contract')).map((s) => s.playbook.version)).toEqual([1, 2]);
      expect(await playbooks.get('other-tenant', 'pb-contract', 1)).toBeNull();
      expect(await playbooks.list('other-tenant')).toEqual([]);
    });
  });
}
