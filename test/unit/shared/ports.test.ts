import { ManualClock, systemClock } from '../../../app/shared/clock';
import { SequentialIds } from '../../../app/shared/ids';
import { createSeededRandom, pick, randomInt, seededRandom, type Random } from '../../../app/shared/random';

const take = (rng: Random, n: number): number[] => Array.from({ length: n }, () => rng.next());

describe('shared Random port', () => {
  it('both generators keep the sequences they had before they shared one shape (reproducible results stay reproducible)', () => {
    // Figures from the generators as they were (app/shared/prng.ts mulberry32, app/decisioning/random/prng.ts sfc32).
    expect(take(seededRandom(2026), 3)).toEqual([0.45540769933722913, 0.30849614599719644, 0.6611574492417276]);
    expect(take(createSeededRandom('tenant-a'), 3)).toEqual([0.5794422565959394, 0.6848980383947492, 0.26374690560624003]);
    expect(take(createSeededRandom(7), 2)).toEqual([0.048057279316708446, 0.3129895185120404]);
  });

  it('stays in [0, 1), and randomInt / pick stay in range', () => {
    const rng = seededRandom(5);
    for (const x of take(rng, 2000)) expect(x >= 0 && x < 1).toBe(true);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) {
      const k = randomInt(rng, 3);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(0);
    expect(['a', 'b']).toContain(pick(createSeededRandom(1), ['a', 'b']));
    expect(() => pick(rng, [])).toThrow('pick from an empty list');
    expect(randomInt({ next: () => 0.9999999999999999 }, 4)).toBe(3);
  });
});

describe('shared Clock and IdGenerator ports', () => {
  it('a manual clock moves only forward, when told', () => {
    const clock = new ManualClock(1_000);
    clock.advance(500);
    expect(clock.now()).toBe(1_500);
    clock.set(2_000);
    expect(clock.now()).toBe(2_000);
    expect(() => clock.set(1_999)).toThrow(/cannot go back/);
    expect(Math.abs(systemClock.now() - Date.now())).toBeLessThan(1_000);
  });

  it('sequential ids count per prefix', () => {
    const ids = new SequentialIds();
    expect([ids.newId('dec'), ids.newId('run'), ids.newId('dec')]).toEqual(['dec_1', 'run_1', 'dec_2']);
  });
});
