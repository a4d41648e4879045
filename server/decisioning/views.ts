/** API representations of decisions (their contract: app/contracts/decisions.ts): ISO timestamps instead of epoch milliseconds. */
import type { CandidateBody, DecisionBody, DecisionSummaryBody } from '../../app/contracts';
import { toDecisionResponse, type CandidateExplanation } from '../../app/decisioning';
import type { StoredDecision } from './decision.repository';
import { iso } from './stores.repository';

export function explanationView(explanation: readonly CandidateExplanation[]): CandidateBody[] {
  return explanation.map((c) => ({ ...c, ...(c.deferredUntil === undefined ? {} : { deferredUntil: iso(c.deferredUntil) }) }));
}

/** The body of POST /api/v1/decisions (brief 4.3), plus the status. */
export function decisionResponse(decision: StoredDecision): DecisionBody {
  const body = toDecisionResponse(decision.record);
  return {
    ...body,
    explanation: explanationView(body.explanation),
    status: decision.status,
    ...(decision.until === null ? {} : { until: iso(decision.until) }),
  };
}

/** One row of GET /api/v1/decisions: what was chosen for whom, and what came of it (details at /decisions/:id). */
export function decisionSummary(decision: StoredDecision) {
  const { record, settlement } = decision;
  return {
    decisionId: record.decisionId,
    profileId: record.profileId,
    decidedAt: iso(record.decidedAt),
    origin: decision.origin,
    mode: record.mode,
    holdout: record.holdout,
    action: record.action === null ? null : { id: record.action.id, label: record.action.label, channel: record.action.channel },
    propensity: record.propensity,
    score: record.score,
    status: decision.status,
    runId: decision.runId,
    outcome:
      settlement === null
        ? null
        : { outcome: settlement.outcome, value: settlement.value, at: iso(settlement.at), implicit: settlement.implicit },
  } satisfies DecisionSummaryBody;
}

/** GET /api/v1/decisions/:id: everything that was decided and why, and what happened since. */
export function decisionDetail(decision: StoredDecision): DecisionBody {
  const { record } = decision;
  return {
    ...decisionSummary(decision),
    segment: record.segment,
    action:
      record.action === null
        ? null
        : { ...record.action, ...(record.action.deliverAt === undefined ? {} : { deliverAt: iso(record.action.deliverAt) }) },
    counterfactualActionId: record.counterfactualActionId,
    explanation: explanationView(record.explanation),
    notes: record.notes,
    ...(record.escalation === undefined ? {} : { escalation: record.escalation }),
    context: record.context,
    attributionEndsAt: iso(record.attributionEndsAt),
    until: decision.until === null ? null : iso(decision.until),
  };
}
