/**
 * The journey state machine: a profile's stage, when it entered it, and every transition with the
 * rule and event that caused it. Events are applied one at a time; an event older than the current
 * stage's entry is stale (out-of-order delivery) and cannot move the stage back in time, but
 * `replayJourney` rebuilds the state from a full event list in time order.
 */
import { evaluateRule } from '../decisioning/expressions';
import { type JourneyEvent } from './events';
import { type Stage } from './stages';
import { DEFAULT_TRANSITIONS, type TransitionRule } from './transitions';

export interface StageTransition {
  readonly from: Stage;
  readonly to: Stage;
  /** Epoch ms. */
  readonly at: number;
  readonly ruleId: string;
  readonly reason: string;
  readonly eventKind: JourneyEvent['kind'];
}

export interface JourneyState {
  readonly stage: Stage;
  /** Epoch ms. */
  readonly enteredAt: number;
  /** Oldest first. */
  readonly history: readonly StageTransition[];
}

export type JourneyStep =
  | { readonly changed: true; readonly state: JourneyState; readonly transition: StageTransition }
  | { readonly changed: false; readonly state: JourneyState; readonly reason: 'stale' | 'no_rule' };

export function initialJourney(at: number, stage: Stage = 'lead'): JourneyState {
  return { stage, enteredAt: at, history: [] };
}

function matches(rule: TransitionRule, stage: Stage, event: JourneyEvent): boolean {
  if (rule.on !== event.kind) return false;
  if (rule.from !== 'any' && !rule.from.includes(stage)) return false;
  if (rule.to === stage) return false;
  return rule.when === undefined || evaluateRule(rule.when, event).value;
}

/** The rule that fires for this event in this stage, or null. */
export function findTransition(
  stage: Stage,
  event: JourneyEvent,
  rules: readonly TransitionRule[] = DEFAULT_TRANSITIONS,
): TransitionRule | null {
  for (const rule of rules) if (matches(rule, stage, event)) return rule;
  return null;
}

export function applyJourneyEvent(
  state: JourneyState,
  event: JourneyEvent,
  rules: readonly TransitionRule[] = DEFAULT_TRANSITIONS,
): JourneyStep {
  if (event.at < state.enteredAt) return { changed: false, state, reason: 'stale' };
  const rule = findTransition(state.stage, event, rules);
  if (rule === null) return { changed: false, state, reason: 'no_rule' };
  const transition: StageTransition = {
    from: state.stage,
    to: rule.to,
    at: event.at,
    ruleId: rule.id,
    reason: rule.description,
    eventKind: event.kind,
  };
  return { changed: true, state: { stage: rule.to, enteredAt: event.at, history: [...state.history, transition] }, transition };
}

/** Rebuilds a journey from events in time order (ties keep their given order). */
export function replayJourney(
  events: readonly JourneyEvent[],
  start: JourneyState,
  rules: readonly TransitionRule[] = DEFAULT_TRANSITIONS,
): JourneyState {
  const ordered = events.map((event, index) => ({ event, index })).sort((a, b) => a.event.at - b.event.at || a.index - b.index);
  let state = start;
  for (const { event } of ordered) state = applyJourneyEvent(state, event, rules).state;
  return state;
}

/** Milliseconds spent in the current stage at `now` (never negative). */
export function timeInStage(state: JourneyState, now: number): number {
  return Math.max(0, now - state.enteredAt);
}

/** Total time spent in each stage up to `now`, from the transition history. */
export function timePerStage(state: JourneyState, start: number, now: number): Partial<Record<Stage, number>> {
  const totals: Partial<Record<Stage, number>> = {};
  let cursor = start;
  for (const t of state.history) {
    totals[t.from] = (totals[t.from] ?? 0) + Math.max(0, t.at - cursor);
    cursor = t.at;
  }
  totals[state.stage] = (totals[state.stage] ?? 0) + Math.max(0, now - cursor);
  return totals;
}
