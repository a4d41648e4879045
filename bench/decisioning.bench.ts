/**
 * Decisioning bench.
 * 1. Simulator (app/decisioning/simulation): the same seeded population of customers with hidden
 *    response probabilities per action and segment is served by Baton's policy, by a uniform random
 *    pick and by a fixed-priority rule list, over the same eligible actions; figures are cumulative
 *    positive-outcome rates (baseline: uniform random, and the rule list).
 * 2. Throughput: `decide()` with 50 actions and 10 policies (3 engagement rules + 7 contact
 *    policies), with the posteriors Baton learned in the simulation and with a brand-new catalog;
 *    decisions/s on one core and p50/p99 latency (baseline: the rule list's decision over the same
 *    funnel, measured the same way).
 */
import { decide, type DecisionInput } from '../app/decisioning/decide';
import { createSeededRandom } from '../app/decisioning/random/prng';
import {
  batonStrategy,
  buildWorld,
  DEFAULT_SIMULATION,
  ruleListStrategy,
  simulate,
  uniformRandomStrategy,
  type Strategy,
  type World,
} from '../app/decisioning/simulation';
import { type PropensityTable } from '../app/decisioning/types';
import { type BenchFigure, type BenchSuite } from './types';

const SIMULATED_DECISIONS = 30_000;
const TIMED_DECISIONS = 20_000;
const WARMUP = 2_000;

interface Timing {
  perSecond: number;
  /** Decisions per second of CPU time used by this process (robust when other processes share the machine). */
  perCpuSecond: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function timeDecisions(
  world: World,
  choose: (input: DecisionInput, rng: ReturnType<typeof createSeededRandom>) => unknown,
  propensities: PropensityTable,
): Timing {
  const rng = createSeededRandom('bench-timing');
  const start = DEFAULT_SIMULATION.start;
  const inputs = (i: number): DecisionInput => {
    const customer = world.customers[i % world.customers.length];
    if (customer === undefined) throw new Error('empty population');
    return {
      decisionId: `bench_${i}`,
      profile: customer.profile,
      catalog: world.catalog,
      config: world.config,
      propensities,
      contactHistory: [{ actionId: world.catalog[0]?.id ?? 'x', channel: 'email', at: start + i * 1000 - 3_600_000 }],
      now: start + i * 1000,
    };
  };
  for (let i = 0; i < WARMUP; i++) choose(inputs(i), rng);
  const latencies = new Float64Array(TIMED_DECISIONS);
  const cpuBefore = process.cpuUsage();
  const begin = process.hrtime.bigint();
  for (let i = 0; i < TIMED_DECISIONS; i++) {
    const input = inputs(i);
    const t0 = process.hrtime.bigint();
    choose(input, rng);
    latencies[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  const totalMs = Number(process.hrtime.bigint() - begin) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  latencies.sort();
  return {
    perSecond: (TIMED_DECISIONS / totalMs) * 1000,
    perCpuSecond: (TIMED_DECISIONS / cpuMs) * 1000,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
  };
}

const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

export const decisioningBench: BenchSuite = {
  name: 'decisioning',
  async run(progress) {
    const world = buildWorld();
    const strategies: Strategy[] = [batonStrategy, uniformRandomStrategy, ruleListStrategy(world.ruleListOrder)];
    progress(
      `decisioning: simulating ${SIMULATED_DECISIONS} decisions × ${strategies.length} policies over ${world.customers.length} customers, ${world.catalog.length} actions`,
    );
    let learned: PropensityTable = {};
    const captureBaton: Strategy = {
      name: 'baton',
      choose(input, rng) {
        learned = input.propensities;
        return batonStrategy.choose(input, rng);
      },
    };
    const report = simulate(
      world,
      [captureBaton, strategies[1] as Strategy, strategies[2] as Strategy],
      { ...DEFAULT_SIMULATION, decisions: SIMULATED_DECISIONS },
      (done) => progress(`decisioning: simulated ${done}/${SIMULATED_DECISIONS}`),
    );
    const rate = (name: string): number => report.strategies.find((s) => s.name === name)?.positiveRate ?? 0;
    const baton = rate('baton');
    const random = rate('uniform_random');
    const rules = rate('rule_list');
    const lift = report.strategies.find((s) => s.name === 'baton')?.lift?.overall;

    progress('decisioning: timing decide() with learned posteriors');
    const ruleList = ruleListStrategy(world.ruleListOrder);
    const warm = timeDecisions(world, (input, rng) => decide(input, rng), learned);
    const baseline = timeDecisions(world, (input, rng) => ruleList.choose(input, rng), learned);
    progress('decisioning: timing decide() with a brand-new catalog');
    const cold = timeDecisions(world, (input, rng) => decide(input, rng), {});

    const figures: BenchFigure[] = [
      {
        name: 'decisioning: positive-outcome rate, Baton vs uniform random (simulated)',
        value: round(baton),
        unit: 'rate',
        baseline: round(random),
        ratio: round(baton / random, 3),
      },
      {
        name: 'decisioning: positive-outcome rate, Baton vs fixed-priority rule list (simulated)',
        value: round(baton),
        unit: 'rate',
        baseline: round(rules),
        ratio: round(baton / rules, 3),
      },
      {
        name: 'decisioning: positive-outcome rate, Baton vs oracle (best eligible hidden rate)',
        value: round(baton),
        unit: 'rate',
        baseline: round(report.oracleRate),
        ratio: round(baton / report.oracleRate, 3),
      },
      {
        name: 'decisioning: final-decile positive rate, Baton vs rule list (after learning)',
        value: round(finalDecile(report, 'baton')),
        unit: 'rate',
        baseline: round(finalDecile(report, 'rule_list')),
        ratio: round(finalDecile(report, 'baton') / finalDecile(report, 'rule_list'), 3),
      },
      {
        name: 'decisioning: decisions/s, 50 actions × 10 policies, learned posteriors (baseline: rule list over same funnel)',
        value: Math.round(warm.perSecond),
        unit: 'decisions/s',
        baseline: Math.round(baseline.perSecond),
        ratio: round(warm.perSecond / baseline.perSecond, 3),
      },
      {
        name: 'decisioning: decisions per CPU-second, 50 actions × 10 policies, learned posteriors (baseline: rule list)',
        value: Math.round(warm.perCpuSecond),
        unit: 'decisions/cpu-s',
        baseline: Math.round(baseline.perCpuSecond),
        ratio: round(warm.perCpuSecond / baseline.perCpuSecond, 3),
      },
      {
        name: 'decisioning: p99 decision latency, learned posteriors',
        value: round(warm.p99Ms, 3),
        unit: 'ms',
        baseline: round(baseline.p99Ms, 3),
        ratio: round(warm.p99Ms / baseline.p99Ms, 3),
      },
      {
        name: 'decisioning: p50 decision latency, learned posteriors',
        value: round(warm.p50Ms, 3),
        unit: 'ms',
        baseline: round(baseline.p50Ms, 3),
        ratio: round(warm.p50Ms / baseline.p50Ms, 3),
      },
      {
        name: 'decisioning: decisions/s, brand-new catalog (all actions under reach caps)',
        value: Math.round(cold.perSecond),
        unit: 'decisions/s',
        baseline: Math.round(baseline.perSecond),
        ratio: round(cold.perSecond / baseline.perSecond, 3),
      },
      {
        name: 'decisioning: p99 decision latency, brand-new catalog',
        value: round(cold.p99Ms, 3),
        unit: 'ms',
        baseline: round(baseline.p99Ms, 3),
        ratio: round(cold.p99Ms / baseline.p99Ms, 3),
      },
    ];
    if (lift !== undefined && lift.lift !== null && lift.confidenceInterval !== null) {
      figures.push({
        name: `decisioning: engagement lift treated vs 5% holdout (95% CI ${round(lift.confidenceInterval[0], 2)}..${round(lift.confidenceInterval[1], 2)})`,
        value: round(lift.lift, 3),
        unit: 'relative lift',
      });
    }
    return figures;
  },
};

function finalDecile(report: ReturnType<typeof simulate>, name: string): number {
  const windows = report.strategies.find((s) => s.name === name)?.windowRates ?? [];
  return windows[windows.length - 1] ?? 0;
}
