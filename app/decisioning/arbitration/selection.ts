/**
 * Choosing among eligible actions, and the probability of that choice.
 *
 * One decision round:
 * 1. With probability `randomControlShare` the round is a random-control round: the action is
 *    picked uniformly among all eligible actions (this keeps every eligible action's selection
 *    probability ≥ share / n, which off-policy evaluation needs, and measures model vs random).
 * 2. Otherwise a Thompson round: each action whose reach is below 1 (too little evidence) enters
 *    the round with probability equal to its reach; if no action enters (a fresh catalog where
 *    every eligible action is new) the cap is lifted and all eligible actions compete. Each
 *    competitor draws θ ~ Beta(α, β); the winner maximises θ × C × V × L (ties: larger θ, then
 *    catalog order).
 *
 * Selection probability of the chosen action a (logged as the decision's propensity):
 *   p(a) = share / n + (1 − share) · p_TS(a)
 * where p_TS(a), the chance that a Thompson round picks a, has no closed form and is estimated by
 * Monte Carlo: R further independent rounds (same posteriors, same reach gates) plus the actual
 * round when it was a Thompson round, p̂_TS = wins / rounds. Counting the actual round keeps the
 * estimate above zero for the action that was in fact chosen. Each simulated round stops as soon
 * as its winner is known (see estimateWins), and the rounds stop once the estimate's standard
 * error is below 0.03 (at least 16 rounds, at most `rounds`), so a clear favourite is cheap.
 */
import { createSampler, type Sampler } from '../random/distributions';
import { randomInt, type Random } from '../random/prng';
import { drawEnvelope, type BetaPosterior } from './propensity';

export interface Contender {
  readonly posterior: BetaPosterior;
  /** C × V × L. */
  readonly weight: number;
  /** Share of rounds the action may enter; 1 for an action with enough evidence. */
  readonly reach: number;
}

export interface SelectionSettings {
  readonly randomControlShare: number;
  readonly rounds: number;
}

export interface SelectionResult {
  /** Index of the chosen contender. */
  readonly chosen: number;
  readonly mode: 'model' | 'random_control';
  /** The propensity draw θ of every contender in the actual round (NaN where it did not compete). */
  readonly draws: Float64Array;
  /** Whether each contender entered the actual round (false: held back by its reach cap). */
  readonly entered: Uint8Array;
  /** True when no capped action entered and the cap was lifted so that someone is chosen. */
  readonly capLifted: boolean;
  /** Selection probability of `chosen`. */
  readonly probability: number;
}

interface Round {
  winner: number;
  capLifted: boolean;
}

/** One Thompson round over `members` (indexes into contenders); fills draws/entered when given. */
function thompsonRound(
  contenders: readonly Contender[],
  members: readonly number[],
  sampler: Sampler,
  draws: Float64Array | null,
  entered: Uint8Array | null,
): Round {
  let best = -1;
  let bestScore = -Infinity;
  let bestTheta = -Infinity;
  let anyEntered = false;
  for (let pass = 0; pass < 2; pass++) {
    // Pass 0 applies the reach caps; pass 1 (only when nobody entered) lifts them so that someone is chosen.
    for (let m = 0; m < members.length; m++) {
      const index = members[m] as number;
      const contender = contenders[index] as Contender;
      if (pass === 0 && contender.reach < 1 && sampler.rng.next() >= contender.reach) continue;
      anyEntered = true;
      if (entered) entered[index] = 1;
      const theta = sampler.beta(contender.posterior.alpha, contender.posterior.beta);
      if (draws) draws[index] = theta;
      const score = theta * contender.weight;
      if (score > bestScore || (score === bestScore && theta > bestTheta)) {
        best = index;
        bestScore = score;
        bestTheta = theta;
      }
    }
    if (anyEntered) return { winner: best, capLifted: pass === 1 };
  }
  return { winner: best, capLifted: true };
}

/**
 * Share of simulated Thompson rounds that `chosen` wins. Each round is simulated lazily and ends as
 * soon as its result is known: the chosen action draws first, then the others in decreasing order
 * of their score envelope; a competitor whose envelope lies wholly below the chosen draw cannot
 * beat it, and neither can any after it, so the round ends there; it also ends when a competitor
 * wins. This gives the same answer as drawing everyone (up to the envelope's 4-sigma tails) at a
 * fraction of the cost.
 */
function estimateWins(
  contenders: readonly Contender[],
  chosen: number,
  maxRounds: number,
  sampler: Sampler,
): { wins: number; rounds: number } {
  const rng = sampler.rng;
  const target = contenders[chosen] as Contender;
  const others: { contender: Contender; high: number }[] = [];
  let anyMature = false;
  contenders.forEach((contender, index) => {
    if (contender.reach >= 1) anyMature = true;
    if (index !== chosen) others.push({ contender, high: drawEnvelope(contender.posterior).high * contender.weight });
  });
  others.sort((a, b) => b.high - a.high);
  // Shortcuts when the envelopes already settle it: a fully-reached action whose floor is above every
  // competitor's ceiling always wins; one whose ceiling is below a fully-reached competitor's floor never does.
  const envelope = drawEnvelope(target.posterior);
  const topOther = others[0]?.high ?? -Infinity;
  if (target.reach >= 1 && envelope.low * target.weight > topOther) return { wins: maxRounds, rounds: maxRounds };
  if (envelope.high * target.weight < matureFloor(contenders, chosen)) return { wins: 0, rounds: maxRounds };
  let wins = 0;
  let rounds = 0;
  while (rounds < maxRounds) {
    if (rounds >= MIN_ROUNDS && rounds % 8 === 0) {
      const p = wins / rounds;
      if ((p * (1 - p)) / rounds <= TARGET_VARIANCE) break;
    }
    rounds++;
    if (target.reach < 1 && rng.next() >= target.reach) {
      // Held back: it can only win if nobody entered and the cap is lifted for everyone.
      if (anyMature) continue;
      let someoneEntered = false;
      for (const other of others) {
        if (rng.next() < other.contender.reach) {
          someoneEntered = true;
          break;
        }
      }
      if (!someoneEntered && winsUngated(target, others, sampler)) wins++;
      continue;
    }
    if (winsRound(target, others, sampler, true)) wins++;
  }
  return { wins, rounds };
}

/** Simulated rounds stop early once the estimate's standard error is below 0.03 (after at least 16 rounds). */
const MIN_ROUNDS = 16;
const TARGET_VARIANCE = 0.03 * 0.03;

/** The highest score floor among fully-reached competitors (they are in every round). */
function matureFloor(contenders: readonly Contender[], except: number): number {
  let floor = -Infinity;
  contenders.forEach((contender, index) => {
    if (index !== except && contender.reach >= 1) floor = Math.max(floor, drawEnvelope(contender.posterior).low * contender.weight);
  });
  return floor;
}

function winsRound(
  target: Contender,
  others: readonly { contender: Contender; high: number }[],
  sampler: Sampler,
  gated: boolean,
): boolean {
  const theta = sampler.beta(target.posterior.alpha, target.posterior.beta);
  const score = theta * target.weight;
  for (const other of others) {
    if (other.high < score) return true;
    const contender = other.contender;
    if (gated && contender.reach < 1 && sampler.rng.next() >= contender.reach) continue;
    const otherTheta = sampler.beta(contender.posterior.alpha, contender.posterior.beta);
    const otherScore = otherTheta * contender.weight;
    if (otherScore > score || (otherScore === score && otherTheta > theta)) return false;
  }
  return true;
}

function winsUngated(target: Contender, others: readonly { contender: Contender; high: number }[], sampler: Sampler): boolean {
  return winsRound(target, others, sampler, false);
}

export function selectAction(contenders: readonly Contender[], settings: SelectionSettings, rng: Random): SelectionResult | null {
  const n = contenders.length;
  if (n === 0) return null;
  const sampler = createSampler(rng);
  const draws = new Float64Array(n).fill(Number.NaN);
  const entered = new Uint8Array(n);
  const all = contenders.map((_, index) => index);
  const randomControl = rng.next() < settings.randomControlShare;
  let chosen: number;
  let capLifted = false;
  if (randomControl) {
    // Still draw every θ so the explanation shows each action's sampled propensity.
    for (let i = 0; i < n; i++) {
      const contender = contenders[i];
      if (contender === undefined) continue;
      draws[i] = sampler.beta(contender.posterior.alpha, contender.posterior.beta);
      entered[i] = 1;
    }
    chosen = randomInt(rng, n);
  } else {
    const round = thompsonRound(contenders, all, sampler, draws, entered);
    chosen = round.winner;
    capLifted = round.capLifted;
  }
  if (n === 1) return { chosen, mode: randomControl ? 'random_control' : 'model', draws, entered, capLifted, probability: 1 };

  // The actual round counts as one observation when it was a Thompson round (it keeps the estimate above zero).
  const simulated = estimateWins(contenders, chosen, settings.rounds, sampler);
  const wins = simulated.wins + (randomControl ? 0 : 1);
  const rounds = simulated.rounds + (randomControl ? 0 : 1);
  const share = settings.randomControlShare;
  const probability = share / n + (1 - share) * (wins / rounds);
  return { chosen, mode: randomControl ? 'random_control' : 'model', draws, entered, capLifted, probability };
}
