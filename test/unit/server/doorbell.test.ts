/**
 * The dispatcher doorbell shared by the ingest batcher and the HubSpot webhook recorder
 * (server/dispatch/doorbell.ts): refs handed over within the window are rung in one call, refs handed
 * over while a call runs are rung right after it (not left to the sweeper), and a failed call neither
 * throws nor stops later rings.
 */
import { Doorbell } from '../../../server/dispatch/doorbell';
import type { JobRef } from '../../../server/dispatch/outbox.repository';

const ref = (id: string): JobRef => ({ tenantId: 'ten_1', id, attempt: 0, dueAt: new Date(0) });

function recorder(): { calls: string[][]; notify(refs: readonly JobRef[]): Promise<void>; gate?: Promise<void>; fail?: boolean } {
  const r: { calls: string[][]; notify(refs: readonly JobRef[]): Promise<void>; gate?: Promise<void>; fail?: boolean } = {
    calls: [],
    async notify(refs) {
      r.calls.push(refs.map((x) => x.id));
      if (r.gate !== undefined) await r.gate;
      if (r.fail === true) throw new Error('transport down');
    },
  };
  return r;
}

describe('Doorbell', () => {
  it('rings what arrives within the window in one call', async () => {
    const target = recorder();
    const bell = new Doorbell(target, 20);
    bell.ring([ref('a')]);
    bell.ring([ref('b'), ref('c')]);
    expect(bell.busy).toBe(true);
    expect(target.calls).toEqual([]);
    await bell.settled();
    expect(target.calls).toEqual([['a', 'b', 'c']]);
    expect(bell.busy).toBe(false);
  });

  it('rings what arrives during a call right after it, and an empty ring does nothing', async () => {
    const target = recorder();
    let open!: () => void;
    target.gate = new Promise((r) => (open = r));
    const bell = new Doorbell(target, 0);
    bell.ring([]);
    expect(bell.busy).toBe(false);
    bell.ring([ref('a')]);
    await new Promise((r) => setImmediate(r));
    expect(target.calls).toEqual([['a']]);
    bell.ring([ref('b')]);
    bell.ring([ref('c')]);
    delete target.gate;
    open();
    await bell.settled();
    expect(target.calls).toEqual([['a'], ['b', 'c']]);
  });

  it('swallows a failed call (the sweeper rings those rows) and keeps ringing', async () => {
    const target = recorder();
    target.fail = true;
    const bell = new Doorbell(target, 0);
    bell.ring([ref('a')]);
    await expect(bell.settled()).resolves.toBeUndefined();
    target.fail = false;
    bell.ring([ref('b')]);
    await bell.settled();
    expect(target.calls).toEqual([['a'], ['b']]);
  });
});
