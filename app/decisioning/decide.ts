/**
 * The next-best-action decision as one pure function over plain data:
 *
 *   catalog → engagement policies (eligibility, applicability, suitability)
 *           → contact policies (consent, WhatsApp window, high risk, ticket and sentiment
 *             suppression, frequency caps, quiet hours → defer)
 *           → arbitration: Priority = P × C × V × L with P a Thompson draw from the
 *             (action, segment) Beta posterior, reach caps for new actions, random control
 *           → holdout (no automated action) / high-risk escalation to a person
 *
 * Time and randomness come in as `now` and `rng`; the same inputs and seed give the same record.
 */
import { type Action, type ActionCatalog } from './catalog';
import { type DecisioningConfig } from './config';
import { bindContextWeights } from './arbitration/contextWeights';
import { posteriorFor, posteriorMean, reachFor, segmentCounts, type BetaPosterior } from './arbitration/propensity';
import { selectAction, type Contender } from './arbitration/selection';
import { isInHoldout } from './holdout';
import { bindEngagement } from './policies/engagement';
import { CONTACT_POLICIES } from './policies/index';
import { findHighRisk, type HighRiskFinding } from './policies/highRisk';
import { HOUR_MS, formatInstant, type PolicyId, type PolicyInput } from './policies/types';
import { prepareCatalog, type PreparedAction, type PreparedCatalog } from './prepared';
import { type Random } from './random/prng';
import { type CandidateExplanation, type ChosenAction, type DecisionFactors, type DecisionMode, type DecisionRecord } from './record';
import { collectSignals } from './signals';
import { type ContactRecord, type DecisionContext, type ProfileSnapshot, type PropensityTable } from './types';

export interface DecisionInput {
  readonly decisionId: string;
  readonly profile: ProfileSnapshot;
  readonly context?: DecisionContext;
  readonly catalog: ActionCatalog | readonly Action[];
  readonly config: DecisioningConfig;
  /** Outcome counts per action (and segment). */
  readonly propensities: PropensityTable;
  /** This profile's past contacts (at least the last 7 days). */
  readonly contactHistory: readonly ContactRecord[];
  /** Epoch ms. */
  readonly now: number;
  /**
   * The profile's persistent holdout assignment, when the caller keeps one (drawn at the first
   * decision and kept when the share or salt changes). Absent: drawn from `config.holdout` now.
   */
  readonly holdoutAssignment?: boolean;
}

export interface Survivor {
  readonly prepared: PreparedAction;
  readonly index: number;
  readonly posterior: BetaPosterior;
  readonly evidence: number;
  readonly contextWeight: number;
  readonly contextRules: readonly string[];
  readonly reach: number;
  readonly deferredUntil?: number;
  readonly deferReason?: string;
  readonly notes: string[];
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

export type Fate =
  | { readonly kind: 'blocked'; readonly policy: PolicyId; readonly reason: string }
  | { readonly kind: 'survivor'; readonly survivor: Survivor };

export interface Funnel {
  readonly prepared: PreparedCatalog;
  /** One per catalog action, in catalog order. */
  readonly fates: readonly Fate[];
  readonly survivors: readonly Survivor[];
  readonly segment: string;
  readonly holdout: boolean;
  /** The kept assignment differs from what the current share and salt would draw. */
  readonly holdoutKept: boolean;
  readonly risk: HighRiskFinding | null;
  readonly context: DecisionContext;
}

export function segmentOf(profile: ProfileSnapshot): string {
  return profile.segment ?? profile.stage ?? 'all';
}

/** The policy funnel without arbitration: every candidate's fate, and the survivors with their factors. */
export function runFunnel(input: DecisionInput): Funnel {
  const { profile, config, now } = input;
  const context: DecisionContext = input.context ?? {};
  const prepared = prepareCatalog(input.catalog, config);
  const policyInput: PolicyInput = {
    profile,
    context,
    config,
    contactHistory: input.contactHistory,
    now,
    signals: collectSignals(profile, context),
  };
  const contactChecks = CONTACT_POLICIES.map((policy) => ({ id: policy.id, check: policy.bind(policyInput) }));
  const engagement = bindEngagement(profile, context, now, prepared.sharedSlots, prepared.keyedSlots);
  const weights = bindContextWeights(config, profile, context, now);
  const segment = segmentOf(profile);
  const drawn = isInHoldout(profile.profileId, config.holdout);
  const holdout = input.holdoutAssignment ?? drawn;
  const holdoutKept = holdout !== drawn;
  const risk = findHighRisk(policyInput);

  const fates: Fate[] = [];
  const survivors: Survivor[] = [];
  for (const candidate of prepared.actions) {
    const fate = judge(candidate);
    fates.push(fate);
    if (fate.kind === 'survivor') survivors.push(fate.survivor);
  }

  function judge(candidate: PreparedAction): Fate {
    const failure = engagement.check(candidate);
    if (failure !== null) return { kind: 'blocked', policy: failure.kind, reason: failure.reason };
    const notes: string[] = [];
    let deferredUntil: number | undefined;
    let deferReason: string | undefined;
    for (const policy of contactChecks) {
      const verdict = policy.check(candidate);
      if (verdict.kind === 'block') return { kind: 'blocked', policy: policy.id, reason: verdict.reason };
      if (verdict.kind === 'defer') {
        if (deferredUntil === undefined || verdict.until > deferredUntil) {
          deferredUntil = verdict.until;
          deferReason = verdict.reason;
        }
      } else if (verdict.note !== undefined) {
        notes.push(verdict.note);
      }
    }
    const actionId = candidate.action.id;
    const evidence = input.propensities[actionId];
    const own = segmentCounts(evidence, segment);
    const { weight, matched } = weights.weightFor(candidate);
    return {
      kind: 'survivor',
      survivor: {
        prepared: candidate,
        index: survivors.length,
        posterior: posteriorFor(evidence, segment, config.prior),
        evidence: own.positives + own.negatives,
        contextWeight: weight,
        contextRules: matched,
        reach: reachFor(evidence?.positives ?? 0, config.reach),
        ...(deferredUntil !== undefined ? { deferredUntil } : {}),
        ...(deferReason !== undefined ? { deferReason } : {}),
        notes,
      },
    };
  }

  return { prepared, fates, survivors, segment, holdout, holdoutKept, risk, context };
}

export function decide(input: DecisionInput, rng: Random): DecisionRecord {
  const { profile, config, now } = input;
  const { prepared, fates, survivors, segment, holdout, holdoutKept, risk, context } = runFunnel(input);
  const contenders: Contender[] = survivors.map((s) => ({
    posterior: s.posterior,
    weight: s.contextWeight * s.prepared.netValue * s.prepared.levers,
    reach: s.reach,
  }));
  const selection = selectAction(contenders, { randomControlShare: config.randomControlShare, rounds: config.selectionRounds }, rng);

  const notes: string[] = [];
  const factorsOf = (s: Survivor): DecisionFactors => {
    const drawn = selection?.draws[s.index];
    const mean = posteriorMean(s.posterior);
    const propensity = drawn !== undefined && !Number.isNaN(drawn) ? drawn : mean;
    const weight = contenders[s.index]?.weight ?? 0;
    return {
      propensity,
      propensityMean: mean,
      evidence: s.evidence,
      contextWeight: s.contextWeight,
      value: s.prepared.netValue,
      levers: s.prepared.levers,
      score: propensity * weight,
      contextRules: s.contextRules,
    };
  };
  const factors = survivors.map(factorsOf);
  const competing = survivors.filter((s) => selection?.entered[s.index] === 1);
  const ranks = new Map<number, number>();
  [...competing]
    .sort((a, b) => (factors[b.index]?.score ?? 0) - (factors[a.index]?.score ?? 0))
    .forEach((s, position) => ranks.set(s.index, position + 1));

  let mode: DecisionMode;
  let action: ChosenAction | null = null;
  let counterfactualActionId: string | null = null;
  let propensity = 1;
  let score: number | null = null;
  let escalation: DecisionRecord['escalation'];
  const winner = selection === null ? undefined : survivors[selection.chosen];

  if (selection?.capLifted)
    notes.push('every eligible action is new and none entered under its reach cap: cap lifted so the person still gets an action');
  if (risk !== null) notes.push(`high risk: ${risk.description}; automated actions blocked, a person follows up`);

  if (holdout && risk === null) {
    mode = 'holdout';
    counterfactualActionId = winner?.prepared.action.id ?? null;
    notes.push(
      // A kept assignment decided the group, not the current share: say so instead of quoting the share.
      `profile is in the ${holdoutKept ? 'holdout group (assigned at first decision; kept when the share changes)' : `${(config.holdout.share * 100).toFixed(1)}% holdout group`}: no automated action` +
        (counterfactualActionId !== null ? ` (would have chosen ${counterfactualActionId})` : ''),
    );
  } else if (winner !== undefined && selection !== null) {
    mode = selection.mode;
    const chosen = winner.prepared.action;
    action = {
      id: chosen.id,
      label: chosen.label,
      channel: chosen.channel,
      requiresApproval: chosen.requiresApproval === true,
      ...(chosen.template !== undefined ? { template: chosen.template } : {}),
      ...(chosen.params !== undefined ? { params: chosen.params } : {}),
      ...(chosen.localized !== undefined ? { localized: chosen.localized } : {}),
      ...(winner.deferredUntil !== undefined ? { deliverAt: winner.deferredUntil } : {}),
    };
    propensity = selection.probability;
    score = factors[winner.index]?.score ?? null;
    if (mode === 'random_control')
      notes.push(
        `random-control decision (${(config.randomControlShare * 100).toFixed(1)}% share): action picked uniformly among eligible actions`,
      );
    if (winner.deferredUntil !== undefined) notes.push(`delivery deferred to ${formatInstant(winner.deferredUntil)}`);
  } else if (risk !== null) {
    mode = 'escalation';
    action = {
      id: config.highRisk.escalationActionId,
      label: `Human follow-up: ${risk.description}`,
      channel: 'task',
      requiresApproval: false,
      builtIn: true,
    };
    escalation = { kind: risk.kind, reason: risk.description };
  } else {
    mode = 'no_action';
    notes.push(prepared.actions.length === 0 ? 'the catalog is empty' : 'no action passed the policies');
  }
  if (risk !== null && escalation === undefined) escalation = { kind: risk.kind, reason: risk.description };
  if (holdout && risk !== null) notes.push('profile is in the holdout group, but high-risk escalations to a person are never held out');

  const counterfactualIndex = holdout && action === null ? (winner?.index ?? -1) : -1;
  const winnerIndex = action !== null && action.builtIn !== true ? (winner?.index ?? -1) : -1;
  const explanation: CandidateExplanation[] = fates.map((fate, position) => {
    const base = prepared.actions[position]?.action;
    const actionId = base?.id ?? '';
    const label = base?.label ?? '';
    const channel = base?.channel ?? 'none';
    if (fate.kind === 'blocked')
      return { actionId, label, channel, fate: 'blocked', blockedBy: { policy: fate.policy, reason: fate.reason } };
    const s = fate.survivor;
    const entered = selection?.entered[s.index] === 1;
    const entry: Writable<CandidateExplanation> = {
      actionId,
      label,
      channel,
      fate: s.index === winnerIndex ? 'chosen' : entered ? 'eligible' : 'held_back',
      factors: factors[s.index] ?? factorsOf(s),
    };
    const rank = ranks.get(s.index);
    if (rank !== undefined) entry.rank = rank;
    if (s.reach < 1) entry.reach = s.reach;
    if (s.deferredUntil !== undefined) entry.deferredUntil = s.deferredUntil;
    if (s.deferReason !== undefined) entry.deferReason = s.deferReason;
    if (s.index === counterfactualIndex) s.notes.push('would have been chosen (holdout)');
    if (s.notes.length > 0) entry.notes = s.notes;
    return entry;
  });

  return {
    decisionId: input.decisionId,
    profileId: profile.profileId,
    decidedAt: now,
    segment,
    holdout,
    mode,
    action,
    counterfactualActionId,
    propensity,
    score,
    explanation,
    notes,
    ...(escalation !== undefined ? { escalation } : {}),
    attributionEndsAt: now + config.attributionWindowHours * HOUR_MS,
    context,
  };
}
