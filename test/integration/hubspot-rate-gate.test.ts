import { HubSpotRateGate } from '../../connectors/hubspot/rate-gate';
import { describeWith, TEST_REDIS_URL, uniqueName } from '../support/services';

const limits = { general: { points: 5, durationSeconds: 10 }, search: { points: 2, durationSeconds: 1 } };

async function drain(
  gate: HubSpotRateGate,
  portal: string,
  bucket: 'general' | 'search',
  n: number,
): Promise<{ ok: number; refused: number[] }> {
  const out = { ok: 0, refused: [] as number[] };
  for (let i = 0; i < n; i++) {
    const r = await gate.take(portal, bucket);
    if (r.ok) out.ok++;
    else out.refused.push(r.retryAfterMs);
  }
  return out;
}

describe('HubSpot per-portal budget (memory, embedded mode)', () => {
  it('admits the budget per portal and bucket, then refuses with the wait until the window frees', async () => {
    const gate = new HubSpotRateGate({ limits });
    const a = await drain(gate, 'p1', 'general', 7);
    expect(a.ok).toBe(5);
    expect(a.refused).toHaveLength(2);
    for (const wait of a.refused) expect(wait).toBeGreaterThan(0);
    for (const wait of a.refused) expect(wait).toBeLessThanOrEqual(10_000);
    expect((await drain(gate, 'p2', 'general', 5)).ok).toBe(5); // another portal has its own budget
    expect((await drain(gate, 'p1', 'search', 3)).ok).toBe(2); // search is limited separately
    await gate.close();
  });

  it('gives callers over the budget their place in line: later ones wait whole windows more', async () => {
    const gate = new HubSpotRateGate({ limits });
    // Search: 2 a second. 2 admitted, then 6 refused: places 0-1 wait for the next window, 2-3 one more, 4-5 two more.
    const r = await drain(gate, 'line', 'search', 8);
    expect(r.ok).toBe(2);
    const [w0, w1, w2, w3, w4, w5] = r.refused;
    for (const w of [w0, w1]) expect(w).toBeLessThanOrEqual(1_000);
    for (const w of [w2, w3]) expect(w).toBeGreaterThan(1_000);
    for (const w of [w2, w3]) expect(w).toBeLessThanOrEqual(2_000);
    for (const w of [w4, w5]) expect(w).toBeGreaterThan(2_000);
    for (const w of [w4, w5]) expect(w).toBeLessThanOrEqual(3_000);
    await gate.close();
  });
});

describeWith(['redis'], 'HubSpot per-portal budget (Redis, shared across processes)', () => {
  it('two gates (two processes) share one budget per portal', async () => {
    const keyPrefix = uniqueName('rl');
    const one = new HubSpotRateGate({ redisUrl: TEST_REDIS_URL, limits, keyPrefix });
    const two = new HubSpotRateGate({ redisUrl: TEST_REDIS_URL, limits, keyPrefix });
    try {
      const [a, b] = await Promise.all([drain(one, 'portal', 'general', 4), drain(two, 'portal', 'general', 4)]);
      expect(a.ok + b.ok).toBe(5);
      expect(a.refused.length + b.refused.length).toBe(3);
    } finally {
      await one.close();
      await two.close();
    }
  });
});
