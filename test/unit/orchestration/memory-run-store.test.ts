import { newExecutionForTest } from './support/snapshots';
import { MemoryRunStore } from '../../../app/orchestration/memory';

describe('MemoryRunStore (the contract the SQL adapter must honour)', () => {
  it('refuses a commit based on a stale version and accepts the current one', async () => {
    const store = new MemoryRunStore();
    const snapshot = newExecutionForTest('run_1', 'key_1');
    expect(await store.create(snapshot)).toMatchObject({ created: true, snapshot: { run: { version: 1 } } });

    const a = await store.load('t', 'run_1');
    const b = await store.load('t', 'run_1');
    if (a === null || b === null) throw new Error('missing');
    a.run.updatedAt = 1;
    b.run.updatedAt = 2;
    expect(await store.commit(a, 1)).toEqual({ ok: true, version: 2 });
    expect(await store.commit(b, 1)).toEqual({ ok: false, reason: 'version_conflict' });
    expect((await store.load('t', 'run_1'))?.run).toMatchObject({ version: 2, updatedAt: 1 });
    expect(await store.commit({ ...a, run: { ...a.run, id: 'run_x' } }, 1)).toEqual({ ok: false, reason: 'not_found' });
  });

  it('returns the active run for a taken concurrency key and frees the key when the run ends', async () => {
    const store = new MemoryRunStore();
    await store.create(newExecutionForTest('run_1', 'key_1'));
    expect(await store.create(newExecutionForTest('run_2', 'key_1'))).toMatchObject({ created: false, snapshot: { run: { id: 'run_1' } } });
    const current = await store.load('t', 'run_1');
    if (current === null) throw new Error('missing');
    current.run.status = 'cancelled';
    await store.commit(current, current.run.version);
    expect(await store.create(newExecutionForTest('run_3', 'key_1'))).toMatchObject({ created: true });
  });

  it('hands out copies, so callers cannot change stored state without committing', async () => {
    const store = new MemoryRunStore();
    await store.create(newExecutionForTest('run_1', null));
    const loaded = await store.load('t', 'run_1');
    if (loaded === null) throw new Error('missing');
    loaded.run.status = 'completed';
    expect((await store.load('t', 'run_1'))?.run.status).toBe('pending');
    expect(await store.load('other-tenant', 'run_1')).toBeNull();
  });

  it('answers the run a start key started or joined, and the run already holding the id, without writing', async () => {
    const store = new MemoryRunStore();
    expect(await store.create(newExecutionForTest('run_1', 'key_1'), undefined, { startKey: 'e1' })).toMatchObject({ created: true });
    // A second key joins the active run holding the concurrency key, and is remembered with it.
    expect(await store.create(newExecutionForTest('run_2', 'key_1'), undefined, { startKey: 'e2' })).toMatchObject({
      created: false,
      snapshot: { run: { id: 'run_1' } },
    });
    const current = await store.load('t', 'run_1');
    if (current === null) throw new Error('missing');
    current.run.status = 'cancelled';
    await store.commit(current, current.run.version);
    // The key is free again, but both start keys still answer the run they started or joined.
    for (const [id, key] of [
      ['run_3', 'e1'],
      ['run_2', 'e2'],
    ] as const)
      expect(await store.create(newExecutionForTest(id, 'key_1'), undefined, { startKey: key })).toMatchObject({
        created: false,
        snapshot: { run: { id: 'run_1', status: 'cancelled' } },
      });
    // A new key whose run id is taken answers that run.
    expect(await store.create(newExecutionForTest('run_1', null), undefined, { startKey: 'e3' })).toMatchObject({
      created: false,
      snapshot: { run: { id: 'run_1' } },
    });
    expect(await store.create(newExecutionForTest('run_4', 'key_1'), undefined, { startKey: 'e4' })).toMatchObject({ created: true });
    expect(store.all('t').map((s) => s.run.id)).toEqual(['run_1', 'run_4']);
  });

  it("lists a profile's active runs as snapshots with their steps", async () => {
    const store = new MemoryRunStore();
    await store.create(newExecutionForTest('run_1', null));
    const [listed] = await store.listActiveForProfile('t', (await store.load('t', 'run_1'))?.run.profileId ?? '');
    expect(listed).toEqual(await store.load('t', 'run_1'));
  });
});
