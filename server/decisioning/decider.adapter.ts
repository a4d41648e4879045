/**
 * The Decider the runs module calls for `decide` steps: real decisioning, logged under the step's
 * idempotency key so a retried or re-asked step gets the same decision. The contact counts for
 * frequency caps when the run's action step succeeds (server/runs/contact-recording.adapter.ts). A run started by a card's
 * "accept" carries `acceptedDecisionId` and executes exactly that decision instead of deciding anew.
 */
import type { ChosenAction } from '../../app/decisioning';
import { primaryLanguage, type DecideMeta, type Decider, type DecideResult, type JsonObject } from '../../app/orchestration';
import type { Database } from '../db/database';
import type { StoredDecision } from './decision.repository';
import type { Decisioning } from './decisioning';

export const ACCEPTED_DECISION_KEY = 'acceptedDecisionId';

/** Task priorities as both CRMs' task ports read them (HubSpot HIGH/MEDIUM/LOW; Salesforce any case). */
const TASK_PRIORITY = { low: 'LOW', normal: 'MEDIUM', high: 'HIGH', urgent: 'HIGH' } as const;

/**
 * Parameters for the port call that performs a chosen action (the port kind is CHANNEL_TO_ACTION_KIND
 * of its channel), from the catalog action's `params` and `template`:
 * - email: templateId = params.templateId ?? the template's name ?? the action id; subject and body =
 *   the card draft ?? params ?? the template object's `subject`/`body` ?? the label (subject and body);
 * - sms / whatsapp: channel, body (draft ?? params.body ?? template body ?? a string template, which
 *   for a text message is its text ?? the label) and the template (WhatsApp outside the 24 h window);
 * - task: subject, body, priority (HIGH/MEDIUM/LOW; Baton's own escalation task is HIGH);
 * - ticket: subject, body, priority (low/normal/high/urgent);
 * - crm_update: the properties to write (an action without them is never chosen; see prepared.ts).
 */
export function actionParams(chosen: ChosenAction, draft: StoredDecision['draft'], language?: unknown): JsonObject {
  const { action, language: applied } = localizedAction(chosen, language);
  return { ...channelParams(action, draft), ...(applied === null ? {} : { language: applied }) };
}

/**
 * The catalog action in the person's language: the variant's template and params (key by key) over the
 * base ones; the base action, and a null language, when the catalog has no variant for it.
 */
export function localizedAction(action: ChosenAction, language: unknown): { action: ChosenAction; language: string | null } {
  const code = primaryLanguage(language);
  const variant = code === undefined ? undefined : action.localized?.[code];
  if (code === undefined || variant === undefined) return { action, language: null };
  const template = variant.template ?? action.template;
  const params = variant.params === undefined ? action.params : { ...(action.params ?? {}), ...variant.params };
  return {
    action: { ...action, ...(template === undefined ? {} : { template }), ...(params === undefined ? {} : { params }) },
    language: code,
  };
}

function channelParams(action: ChosenAction, draft: StoredDecision['draft']): JsonObject {
  const p = action.params ?? {};
  const template = typeof action.template === 'object' ? action.template : undefined;
  const templateName = typeof action.template === 'string' ? action.template : template?.name;
  const fromTemplate = (key: 'subject' | 'body'): string | undefined => (typeof template?.[key] === 'string' ? template[key] : undefined);
  const subject = draft?.subject ?? p.subject ?? fromTemplate('subject');
  const body = draft?.body ?? p.body ?? fromTemplate('body');
  const templateJson = (): JsonObject =>
    action.template === undefined ? {} : { template: JSON.parse(JSON.stringify(action.template)) as JsonObject };
  switch (action.channel) {
    case 'email':
      return {
        templateId: p.templateId ?? templateName ?? action.id,
        subject: subject ?? action.label,
        body: body ?? action.label,
        ...templateJson(),
      };
    case 'sms':
    case 'whatsapp':
      return {
        channel: action.channel,
        body: body ?? (typeof action.template === 'string' ? action.template : action.label),
        ...templateJson(),
      };
    case 'task': {
      const priority = p.priority ?? (action.builtIn === true ? 'high' : undefined);
      return {
        subject: subject ?? action.label,
        ...(body === undefined ? {} : { body }),
        ...(priority === undefined ? {} : { priority: TASK_PRIORITY[priority] }),
      };
    }
    case 'ticket':
      return {
        subject: subject ?? action.label,
        ...(body === undefined ? (typeof action.template === 'string' ? { body: action.template } : {}) : { body }),
        ...(p.priority === undefined ? {} : { priority: p.priority }),
      };
    case 'crm_update':
      return { properties: { ...(p.properties ?? {}) } };
    case 'none':
      return {};
  }
}

export function toDecideResult(decision: StoredDecision): DecideResult {
  const { record } = decision;
  if (record.action === null) return { decisionId: record.decisionId, action: null, holdout: record.holdout };
  return {
    decisionId: record.decisionId,
    holdout: record.holdout,
    action: {
      id: record.action.id,
      label: record.action.label,
      channel: record.action.channel,
      params: actionParams(record.action, decision.draft, record.context['language']),
    },
    // Quiet hours: the run waits until the window opens, then acts (the engine's deferred attempt).
    ...(record.action.deliverAt === undefined ? {} : { notBefore: record.action.deliverAt }),
  };
}

export class DecisioningDecider implements Decider {
  constructor(
    private readonly db: Database,
    private readonly d: Decisioning,
  ) {}

  async decide(profileId: string, context: JsonObject, meta: DecideMeta): Promise<DecideResult> {
    const accepted = context[ACCEPTED_DECISION_KEY];
    if (typeof accepted === 'string') return this.executeAccepted(meta.tenantId, accepted);
    const { [ACCEPTED_DECISION_KEY]: _ignored, ...rest } = context;
    const decision = await this.d.decide.decide(
      meta.tenantId,
      profileId,
      { ...rest, trigger: 'run', runId: meta.runId, stepId: meta.stepId },
      { origin: 'run', idempotencyKey: `run:${meta.idempotencyKey}` },
    );
    if (decision.record.action !== null) {
      await this.d.decisions.transition(this.db, meta.tenantId, decision.record.decisionId, ['proposed', 'deferred'], 'accepted', {
        runId: meta.runId,
      });
    }
    return toDecideResult(decision);
  }

  private async executeAccepted(tenantId: string, decisionId: string): Promise<DecideResult> {
    const decision = await this.d.decisions.get(this.db, tenantId, decisionId);
    // Never act on a decision nobody accepted (or one of another tenant); the step records "no action".
    if (decision === undefined || decision.status !== 'accepted') {
      return { decisionId: `none:not-accepted:${decisionId}`, action: null };
    }
    return toDecideResult(decision);
  }
}
