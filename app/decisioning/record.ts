/**
 * What a decision produces: the record the server persists, with every candidate's fate, and the
 * exact response body of `POST /api/v1/decisions` derived from it.
 */
import { type ActionParams, type ActionTemplate, type Channel, type LocalizedAction } from './catalog';
import { type PolicyId } from './policies/types';
import { type DecisionContext } from './types';

export interface DecisionFactors {
  /** P: the Thompson draw used in the score. */
  readonly propensity: number;
  /** Posterior mean of the propensity for (action, segment). */
  readonly propensityMean: number;
  /** Outcomes observed for (action, segment). */
  readonly evidence: number;
  /** C, V, L. */
  readonly contextWeight: number;
  readonly value: number;
  readonly levers: number;
  /** P × C × V × L. */
  readonly score: number;
  readonly contextRules: readonly string[];
}

export type CandidateFate =
  /** Picked. */
  | 'chosen'
  /** Passed every policy and competed, but ranked lower. */
  | 'eligible'
  /** Passed every policy but was held back by its reach cap in this decision (new action). */
  | 'held_back'
  /** Stopped by a policy. */
  | 'blocked';

export interface CandidateExplanation {
  readonly actionId: string;
  readonly label: string;
  readonly channel: Channel;
  readonly fate: CandidateFate;
  /** For blocked candidates: the first policy that stopped it and why. */
  readonly blockedBy?: { readonly policy: PolicyId; readonly reason: string };
  /** Quiet hours: the action may run, but not before this instant (epoch ms). */
  readonly deferredUntil?: number;
  readonly deferReason?: string;
  readonly factors?: DecisionFactors;
  /** 1 = highest score among eligible candidates. */
  readonly rank?: number;
  /** Reach cap (share of decisions a new action may enter), when below 1. */
  readonly reach?: number;
  readonly notes?: readonly string[];
}

export interface ChosenAction {
  readonly id: string;
  readonly label: string;
  readonly channel: Channel;
  readonly requiresApproval: boolean;
  readonly template?: ActionTemplate;
  /** The catalog action's params (properties, template id, subject, body, priority). */
  readonly params?: ActionParams;
  /** The catalog action's variants by language (ISO 639-1), applied when the action is carried out. */
  readonly localized?: Readonly<Record<string, LocalizedAction>>;
  /** Quiet hours: run at this instant (epoch ms) instead of now. */
  readonly deliverAt?: number;
  /** True for Baton's own human-escalation task (not in the tenant's catalog). */
  readonly builtIn?: boolean;
}

export type DecisionMode =
  /** Thompson sampling chose. */
  | 'model'
  /** The random-control share chose uniformly. */
  | 'random_control'
  /** Profile in the holdout group: nothing sent (counterfactual recorded). */
  | 'holdout'
  /** High-risk situation and no human task in the catalog: Baton's escalation task. */
  | 'escalation'
  /** Nothing eligible. */
  | 'no_action';

export interface DecisionRecord {
  readonly decisionId: string;
  readonly profileId: string;
  /** Epoch ms. */
  readonly decidedAt: number;
  readonly segment: string;
  readonly holdout: boolean;
  readonly mode: DecisionMode;
  readonly action: ChosenAction | null;
  /** Holdout decisions: the action that would have been chosen (per-action lift compares against it). */
  readonly counterfactualActionId: string | null;
  /**
   * Selection probability of the logged outcome (the chosen action, or "no action" for holdout
   * profiles, which is certain), for off-policy evaluation. See arbitration/selection.ts.
   */
  readonly propensity: number;
  /** P × C × V × L of the chosen action (null when nothing was chosen). */
  readonly score: number | null;
  readonly explanation: readonly CandidateExplanation[];
  /** Decision-level reasons: holdout, random control, cap lifted, escalation, nothing eligible. */
  readonly notes: readonly string[];
  readonly escalation?: { readonly kind: string; readonly reason: string };
  /** Outcomes are attributed to this decision until this instant (epoch ms). */
  readonly attributionEndsAt: number;
  readonly context: DecisionContext;
}

/** The body of `POST /api/v1/decisions` (product brief 4.3). */
export interface DecisionResponse {
  decisionId: string;
  action: { id: string; label: string; channel: Channel } | null;
  holdout: boolean;
  propensity: number;
  score: number | null;
  explanation: readonly CandidateExplanation[];
}

export function toDecisionResponse(record: DecisionRecord): DecisionResponse {
  return {
    decisionId: record.decisionId,
    action: record.action === null ? null : { id: record.action.id, label: record.action.label, channel: record.action.channel },
    holdout: record.holdout,
    propensity: record.propensity,
    score: record.score,
    explanation: record.explanation,
  };
}
