/**
 * The Decider the runs module calls for `decide` steps: real decisioning, logged under the step's
 * idempotency key so a retried or re-asked step gets the same decision. A run started by a card's
 * "accept" carries `acceptedDecisionId` and executes exactly that decision instead of deciding anew.
 */
import type { ChosenAction } from '../../app/decisioning';
import type { DecideMeta, Decider, DecideResult, JsonObject } from '../../app/orchestration';
import type { Database } from '../db/database';
import type { DecisioningFacade, StoredDecision } from './decisioning.service';
import { iso } from './sql-stores';

export const ACCEPTED_DECISION_KEY = 'acceptedDecisionId';

/** Parameters for the port call that performs a chosen action (see CHANNEL_TO_ACTION_KIND). */
export function actionParams(action: ChosenAction, draft: StoredDecision['draft']): JsonObject {
  const templateName = typeof action.template === 'string' ? action.template : action.template?.name;
  const params: JsonObject = {
    templateId: templateName ?? action.id,
    subject: draft?.subject ?? action.label,
    body: draft?.body ?? templateName ?? action.label,
  };
  if (action.template !== undefined) params['template'] = JSON.parse(JSON.stringify(action.template)) as JsonObject;
  if (action.channel === 'sms' || action.channel === 'whatsapp') params['channel'] = action.channel;
  if (action.deliverAt !== undefined) params['deliverAt'] = iso(action.deliverAt);
  if (action.builtIn === true) params['priority'] = 'high';
  return params;
}

export function toDecideResult(decision: StoredDecision): DecideResult {
  const { record } = decision;
  if (record.action === null) return { decisionId: record.decisionId, action: null };
  return {
    decisionId: record.decisionId,
    action: { id: record.action.id, label: record.action.label, channel: record.action.channel, params: actionParams(record.action, decision.draft) },
  };
}

export class DecisioningDecider implements Decider {
  constructor(private readonly db: Database, private readonly facade: DecisioningFacade) {}

  async decide(profileId: string, context: JsonObject, meta: DecideMeta): Promise<DecideResult> {
    const accepted = context[ACCEPTED_DECISION_KEY];
    if (typeof accepted === 'string') return this.executeAccepted(meta.tenantId, accepted);
    const { [ACCEPTED_DECISION_KEY]: _ignored, ...rest } = context;
    const decision = await this.facade.decide(meta.tenantId, profileId, { ...rest, trigger: 'run', runId: meta.runId, stepId: meta.stepId }, { origin: 'run', idempotencyKey: `run:${meta.idempotencyKey}` });
    if (decision.record.action !== null) {
      await this.db.transaction(async (tx) => {
        await this.facade.transition(tx, meta.tenantId, decision.record.decisionId, ['proposed', 'deferred'], 'accepted', { runId: meta.runId });
        await this.facade.recordContact(tx, meta.tenantId, decision.record);
      });
    }
    return toDecideResult(decision);
  }

  private async executeAccepted(tenantId: string, decisionId: string): Promise<DecideResult> {
    const decision = await this.facade.get(this.db, tenantId, decisionId);
    // Never act on a decision nobody accepted (or one of another tenant); the step records "no action".
    if (decision === undefined || decision.status !== 'accepted') {
      return { decisionId: `none:not-accepted:${decisionId}`, action: null };
    }
    await this.facade.recordContact(this.db, tenantId, decision.record);
    return toDecideResult(decision);
  }
}
