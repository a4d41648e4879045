import { CommitBatcher } from '../../../server/runs/commit-batcher';

/** A write whose statements the test releases by hand, recording each batch it was given. */
function manualWrite() {
  const batches: string[][] = [];
  const pending: { items: string[]; release: () => void; fail: (e: Error) => void }[] = [];
  const write = (items: readonly string[]): Promise<string[]> =>
    new Promise<string[]>((resolve, reject) => {
      batches.push([...items]);
      pending.push({ items: [...items], release: () => resolve(items.map((i) => `ok:${i}`)), fail: reject });
    });
  const flush = () => new Promise((r) => setImmediate(r));
  return { batches, pending, write, flush };
}

describe('CommitBatcher', () => {
  it('writes a lone commit at once, and groups the commits that arrive while statements are in flight', async () => {
    const w = manualWrite();
    const batcher = new CommitBatcher<string, string>(w.write, { maxInFlight: 1, maxBatch: 10 });
    const first = batcher.submit('r1', 'a');
    await w.flush();
    expect(w.batches).toEqual([['a']]);
    const later = [batcher.submit('r2', 'b'), batcher.submit('r3', 'c'), batcher.submit('r4', 'd')];
    await w.flush();
    expect(w.batches).toHaveLength(1); // nothing else is written while the first statement is in flight
    w.pending[0]?.release();
    expect(await first).toBe('ok:a');
    await w.flush();
    expect(w.batches).toEqual([['a'], ['b', 'c', 'd']]);
    w.pending[1]?.release();
    expect(await Promise.all(later)).toEqual(['ok:b', 'ok:c', 'ok:d']);
  });

  it('puts at most one commit per run in a batch and caps the batch size', async () => {
    const w = manualWrite();
    const batcher = new CommitBatcher<string, string>(w.write, { maxInFlight: 1, maxBatch: 2 });
    const all = [
      batcher.submit('r0', 'x'),
      batcher.submit('r1', 'a1'),
      batcher.submit('r1', 'a2'),
      batcher.submit('r2', 'b'),
      batcher.submit('r3', 'c'),
    ];
    for (let i = 0; i < 4; i++) {
      await w.flush();
      w.pending[i]?.release();
    }
    expect(await Promise.all(all)).toEqual(['ok:x', 'ok:a1', 'ok:a2', 'ok:b', 'ok:c']);
    // r1's second commit waited for the batch after its first.
    expect(w.batches).toEqual([['x'], ['a1', 'b'], ['a2', 'c']]);
  });

  it('lets reads of the same key share the next statement (distinctKeys: false), never one already in flight', async () => {
    const w = manualWrite();
    const batcher = new CommitBatcher<string, string>(w.write, { maxInFlight: 1, maxBatch: 10, distinctKeys: false });
    const first = batcher.submit('pb', 'q1');
    await w.flush();
    const later = [batcher.submit('pb', 'q2'), batcher.submit('pb', 'q3')];
    w.pending[0]?.release();
    expect(await first).toBe('ok:q1');
    await w.flush();
    expect(w.batches).toEqual([['q1'], ['q2', 'q3']]);
    w.pending[1]?.release();
    expect(await Promise.all(later)).toEqual(['ok:q2', 'ok:q3']);
  });

  it('retries a failed batch item by item, so only the bad item fails its caller', async () => {
    const written: string[][] = [];
    const batcher = new CommitBatcher<string, string>(
      async (items) => {
        written.push([...items]);
        if (items.includes('bad')) throw new Error('constraint violated');
        return items.map((i) => `ok:${i}`);
      },
      { maxInFlight: 1, maxBatch: 10 },
    );
    const results = await Promise.allSettled([batcher.submit('r1', 'a'), batcher.submit('r2', 'bad'), batcher.submit('r3', 'c')]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'ok:a',
      'constraint violated',
      'ok:c',
    ]);
    expect(written).toEqual([['a'], ['bad', 'c'], ['bad'], ['c']]);
  });
});
