/**
 * Outcomes → learning. A decision is settled at most once, by the first outcome inside its
 * attribution window (API, card button, or an attributed event); a decision that reaches the end
 * of its window unsettled counts as negative (no response), so the posteriors see the misses as
 * well as the hits. Holdout decisions never update posteriors (nothing was shown) but count for
 * lift under their counterfactual action.
 */
import { type DecisionRecord } from '../record';
import { type ActionEvidence, type PropensityTable } from '../types';

export type Outcome = 'positive' | 'negative';

/** Events that settle a decision when they arrive within its attribution window. */
export const OUTCOME_EVENTS: Readonly<Record<string, Outcome>> = {
  reply: 'positive',
  meeting_booked: 'positive',
  deal_stage_advanced: 'positive',
  /** Solved with a 'good' satisfaction rating (an unrated solved ticket is no outcome). */
  ticket_solved: 'positive',
  /** Solved, but the customer rated it 'bad'. */
  ticket_solved_unsatisfied: 'negative',
  card_accept: 'positive',
  unsubscribe: 'negative',
  card_dismiss: 'negative',
};

export function outcomeForEvent(eventType: string): Outcome | null {
  return Object.prototype.hasOwnProperty.call(OUTCOME_EVENTS, eventType) ? (OUTCOME_EVENTS[eventType] ?? null) : null;
}

/** Learn `positive` or not for (action, segment). */
export interface PosteriorUpdate {
  readonly actionId: string;
  readonly segment: string;
  readonly positive: boolean;
}

/** One observation for lift: which group, which (possibly counterfactual) action, engaged or not. */
export interface LiftObservation {
  readonly group: 'treated' | 'holdout';
  readonly actionId: string | null;
  readonly positive: boolean;
  readonly value: number;
}

export interface Settlement {
  readonly decisionId: string;
  readonly outcome: Outcome;
  /** Epoch ms. */
  readonly at: number;
  readonly value: number;
  /** True when settled by the window running out. */
  readonly implicit: boolean;
  readonly posteriorUpdate: PosteriorUpdate | null;
  readonly lift: LiftObservation | null;
}

export type SettleResult = { ok: true; settlement: Settlement } | { ok: false; reason: string };

type Settleable = Pick<
  DecisionRecord,
  'decisionId' | 'decidedAt' | 'attributionEndsAt' | 'holdout' | 'action' | 'counterfactualActionId' | 'segment' | 'mode'
>;

function build(decision: Settleable, outcome: Outcome, at: number, value: number, implicit: boolean): Settlement {
  const positive = outcome === 'positive';
  const shown = decision.action !== null && !decision.holdout;
  return {
    decisionId: decision.decisionId,
    outcome,
    at,
    value,
    implicit,
    posteriorUpdate: shown && decision.action !== null ? { actionId: decision.action.id, segment: decision.segment, positive } : null,
    lift:
      decision.holdout && decision.mode === 'holdout'
        ? { group: 'holdout', actionId: decision.counterfactualActionId, positive, value }
        : shown && decision.action !== null && decision.action.builtIn !== true
          ? { group: 'treated', actionId: decision.action.id, positive, value }
          : null,
  };
}

/** Settles a decision with an explicit outcome; refuses outcomes outside the window or a second one. */
export function settleDecision(
  decision: Settleable,
  outcome: Outcome,
  at: number,
  options: { value?: number; alreadySettled?: boolean } = {},
): SettleResult {
  if (options.alreadySettled === true) return { ok: false, reason: 'an outcome was already recorded for this decision' };
  if (at < decision.decidedAt) return { ok: false, reason: 'the outcome is earlier than the decision' };
  if (at > decision.attributionEndsAt) {
    return { ok: false, reason: `the attribution window closed at ${new Date(decision.attributionEndsAt).toISOString()}` };
  }
  const value = options.value ?? (outcome === 'positive' ? 1 : 0);
  return { ok: true, settlement: build(decision, outcome, at, value, false) };
}

/** Settles a decision whose window ran out without an outcome as negative; null if still open. */
export function expireDecision(decision: Settleable, now: number): Settlement | null {
  if (now <= decision.attributionEndsAt) return null;
  return build(decision, 'negative', decision.attributionEndsAt, 0, true);
}

/**
 * Picks the decision an outcome event belongs to: the latest unsettled decision for the profile
 * whose window contains the event time and that actually showed something (or is a holdout
 * decision, whose engagement is the baseline). Last touch wins.
 */
export function attributeEvent<T extends Settleable>(openDecisions: readonly T[], eventAt: number): T | null {
  let best: T | null = null;
  for (const decision of openDecisions) {
    if (eventAt < decision.decidedAt || eventAt > decision.attributionEndsAt) continue;
    if (decision.action === null && !decision.holdout) continue;
    if (best === null || decision.decidedAt > best.decidedAt) best = decision;
  }
  return best;
}

/** Applies a posterior update to a propensity table, returning a new table (the input is not changed). */
export function applyPosteriorUpdate(table: PropensityTable, update: PosteriorUpdate): PropensityTable {
  const current: ActionEvidence = table[update.actionId] ?? { positives: 0, negatives: 0, segments: {} };
  const segments = { ...(current.segments ?? {}) };
  const own = segments[update.segment] ?? { positives: 0, negatives: 0 };
  segments[update.segment] = update.positive
    ? { positives: own.positives + 1, negatives: own.negatives }
    : { positives: own.positives, negatives: own.negatives + 1 };
  return {
    ...table,
    [update.actionId]: {
      positives: current.positives + (update.positive ? 1 : 0),
      negatives: current.negatives + (update.positive ? 0 : 1),
      segments,
    },
  };
}
