/**
 * Runs strategies side by side over the same simulated population: at every step the same customer
 * is up for a decision at the same time for every strategy, and the same uniform draw decides the
 * outcome (common random numbers), so differences come from the choices alone. Outcomes are
 * immediate: a delivered action is positive with its hidden (action, segment) probability; a
 * holdout customer engages at the organic rate. Baton learns online from its own outcomes.
 */
import { type DecisionInput } from '../decide';
import { aggregateObservations, liftReport, type LiftReport } from '../learning/lift';
import { applyPosteriorUpdate, settleDecision, type LiftObservation } from '../learning/outcomes';
import { createSeededRandom, randomInt, type Random } from '../random/prng';
import { type ContactRecord, type PropensityTable } from '../types';
import { type Strategy } from './strategies';
import { type World } from './world';

export interface SimulationSettings {
  readonly decisions: number;
  readonly seed: number;
  /** Epoch ms of the first decision. */
  readonly start: number;
  /** Simulated time between two decisions. */
  readonly stepMs: number;
  /** Number of checkpoints in the cumulative curve. */
  readonly checkpoints: number;
}

export const DEFAULT_SIMULATION: SimulationSettings = {
  decisions: 30_000,
  seed: 7,
  start: Date.UTC(2025, 0, 6, 0, 0, 0),
  stepMs: 5 * 60_000,
  checkpoints: 10,
};

export interface StrategyReport {
  readonly name: string;
  /** Decisions for customers outside the holdout. */
  readonly decisions: number;
  /** Decisions that delivered an action. */
  readonly treated: number;
  readonly positives: number;
  /** positives / decisions: cumulative positive-outcome rate. */
  readonly positiveRate: number;
  /** Cumulative positive rate at evenly spaced checkpoints. */
  readonly curve: readonly number[];
  /** Positive rate within each checkpoint window (the last one shows the learned policy). */
  readonly windowRates: readonly number[];
  /** Baton only: treated vs holdout lift. */
  readonly lift?: LiftReport;
}

export interface SimulationReport {
  readonly strategies: readonly StrategyReport[];
  /** Rate an all-knowing policy would reach: best hidden probability among the eligible actions (Baton's funnel). */
  readonly oracleRate: number;
  readonly holdoutDecisions: number;
}

interface Lane {
  readonly strategy: Strategy;
  readonly rng: Random;
  propensities: PropensityTable;
  readonly contacts: Map<string, ContactRecord[]>;
  decisions: number;
  treated: number;
  positives: number;
  readonly curve: number[];
  readonly windowRates: number[];
  mark: { decisions: number; positives: number };
  readonly observations: LiftObservation[];
}

const WEEK_MS = 7 * 24 * 3_600_000;

export function simulate(
  world: World,
  strategies: readonly Strategy[],
  settings: SimulationSettings = DEFAULT_SIMULATION,
  progress?: (done: number) => void,
): SimulationReport {
  const pick = createSeededRandom(`pick:${settings.seed}`);
  const outcomes = createSeededRandom(`outcome:${settings.seed}`);
  const actionIndex = new Map(world.catalog.map((a, i) => [a.id, i]));
  const lanes: Lane[] = strategies.map((strategy) => ({
    strategy,
    rng: createSeededRandom(`${strategy.name}:${settings.seed}`),
    propensities: {},
    contacts: new Map(),
    decisions: 0,
    treated: 0,
    positives: 0,
    curve: [],
    windowRates: [],
    mark: { decisions: 0, positives: 0 },
    observations: [],
  }));
  const every = Math.max(1, Math.floor(settings.decisions / settings.checkpoints));
  let oracleSum = 0;
  let oracleCount = 0;
  let holdoutDecisions = 0;

  for (let t = 0; t < settings.decisions; t++) {
    const customer = world.customers[randomInt(pick, world.customers.length)];
    if (customer === undefined) continue;
    const now = settings.start + t * settings.stepMs;
    const u = outcomes.next();
    const hiddenFor = (actionId: string): number => world.hidden[actionIndex.get(actionId) ?? -1]?.[customer.segmentIndex] ?? 0;

    lanes.forEach((lane, laneIndex) => {
      const history = (lane.contacts.get(customer.profile.profileId) ?? []).filter((c) => c.at > now - WEEK_MS);
      lane.contacts.set(customer.profile.profileId, history);
      const input: DecisionInput = {
        decisionId: `${lane.strategy.name}_${t}`,
        profile: customer.profile,
        catalog: world.catalog,
        config: world.config,
        propensities: lane.propensities,
        contactHistory: history,
        now,
      };
      const choice = lane.strategy.choose(input, lane.rng);
      if (laneIndex === 0 && choice.record !== undefined) {
        if (choice.holdout) holdoutDecisions++;
        let best = 0;
        let any = false;
        for (const entry of choice.record.explanation) {
          if (entry.fate === 'blocked') continue;
          any = true;
          best = Math.max(best, hiddenFor(entry.actionId));
        }
        if (!choice.holdout && any) oracleSum += best;
        if (!choice.holdout) oracleCount++;
      }
      if (choice.holdout) {
        const positive = u < world.settings.organicRate;
        if (choice.record !== undefined) {
          const settled = settleDecision(choice.record, positive ? 'positive' : 'negative', now);
          if (settled.ok && settled.settlement.lift) lane.observations.push(settled.settlement.lift);
        }
        return;
      }
      lane.decisions++;
      if (choice.actionId !== null) {
        const action = world.catalog[actionIndex.get(choice.actionId) ?? -1];
        const positive = u < hiddenFor(choice.actionId);
        lane.treated++;
        if (positive) lane.positives++;
        if (action !== undefined) history.push({ actionId: action.id, channel: action.channel, at: now });
        if (choice.record !== undefined) {
          const settled = settleDecision(choice.record, positive ? 'positive' : 'negative', now);
          if (settled.ok) {
            if (settled.settlement.posteriorUpdate)
              lane.propensities = applyPosteriorUpdate(lane.propensities, settled.settlement.posteriorUpdate);
            if (settled.settlement.lift) lane.observations.push(settled.settlement.lift);
          }
        }
      }
    });
    if ((t + 1) % every === 0) {
      for (const lane of lanes) {
        lane.curve.push(lane.decisions > 0 ? lane.positives / lane.decisions : 0);
        const windowDecisions = lane.decisions - lane.mark.decisions;
        lane.windowRates.push(windowDecisions > 0 ? (lane.positives - lane.mark.positives) / windowDecisions : 0);
        lane.mark = { decisions: lane.decisions, positives: lane.positives };
      }
      progress?.(t + 1);
    }
  }

  return {
    strategies: lanes.map((lane) => ({
      name: lane.strategy.name,
      decisions: lane.decisions,
      treated: lane.treated,
      positives: lane.positives,
      positiveRate: lane.decisions > 0 ? lane.positives / lane.decisions : 0,
      curve: lane.curve,
      windowRates: lane.windowRates,
      ...(lane.observations.length > 0 ? { lift: liftReport(aggregateObservations(lane.observations)) } : {}),
    })),
    oracleRate: oracleCount > 0 ? oracleSum / oracleCount : 0,
    holdoutDecisions,
  };
}
