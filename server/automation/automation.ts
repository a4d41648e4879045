/**
 * The last link of the pipeline: event → (decision) → run. After the decisioning stage has handled
 * an event, the automation stage (automation.stage.ts) asks this whether to start runs:
 *   1. the tenant's automation policy (`config.automation.events`): the pipeline's decision for this
 *      event is accepted and its action's playbook runs it (key: the decision id; the run id is
 *      recorded on the decision and the decision id is in the run's context);
 *   2. published playbooks with a `trigger` whose event types match and whose `when` (JSON-logic
 *      over `{ event, profile }`, app/decisioning/expressions.ts) holds (key: event id + playbook id).
 * Holdout profiles never get an automated run (their decisions carry no action; triggers check the
 * persistent holdout assignment). Safe to run again for a redelivered event.
 */
import { evaluateRule, type JsonLogicRule } from '../../app/shared/json-logic';
import { matchesEventType, primaryLanguage, toJson, isJsonObject, type JsonObject } from '../../app/orchestration';
import type { Signals } from '../../app/signals';
import type { Database } from '../db/database';
import type { StoredDecision } from '../decisioning/decision.repository';
import { inHoldout, type Decisioning } from '../decisioning/decisioning';
import type { StoredEvent } from '../events/events.repository';
import { profileAliases } from '../identity/profiles.repository';
import type { Logger } from '../observability/logger';
import type { RunsService } from '../runs/runs.service';
import { startTriggeredRun, TriggeredPlaybooks } from '../runs/triggered-runs';
import { ACCEPT_PLAYBOOK_ID, installAcceptPlaybook } from '../decisioning/card.adapter';
import { ACCEPTED_DECISION_KEY } from '../decisioning/decider.adapter';
import { languageTrait, latestMessageLanguage, loadState, type ProfileState } from '../decisioning/profile-state.repository';

export interface AutomationDeps {
  readonly db: Database;
  readonly decisioning: Decisioning;
  readonly runs: RunsService;
  readonly logger: Logger;
}

export interface AutomationInput {
  readonly tenantId: string;
  readonly event: StoredEvent;
  readonly profileId: string;
  readonly signals: Signals | null;
  /** The pipeline's decision for this event, when it made one. */
  readonly decision: StoredDecision | null;
  /** The person's ids (live first), when an earlier stage read them. */
  readonly aliases?: readonly string[];
  /** The person's journey state as this event left it, when an earlier stage wrote it. */
  readonly state?: ProfileState;
}

export interface AutomationResult {
  readonly runs: { playbookId: string; runId: string; created: boolean; decisionId?: string }[];
}

export class PipelineAutomation {
  private readonly triggers: TriggeredPlaybooks;
  /** Tenants this process has installed the accept playbook for. */
  private readonly installed = new Set<string>();

  constructor(private readonly deps: AutomationDeps) {
    this.triggers = new TriggeredPlaybooks(deps.db, deps.decisioning.clock);
  }

  async run(input: AutomationInput): Promise<AutomationResult> {
    const { runs } = this.deps;
    const started: AutomationResult['runs'] = [];
    const decided = await this.runDecision(runs, input);
    if (decided !== null) started.push(decided);
    started.push(...(await this.runTriggers(runs, input)));
    return { runs: started };
  }

  /** Automation policy: carry out the pipeline's decision for this event at once. */
  private async runDecision(runs: RunsService, input: AutomationInput): Promise<AutomationResult['runs'][number] | null> {
    const { tenantId, event, decision } = input;
    if (decision === null || decision.record.action === null || decision.record.holdout) return null;
    const { config } = await this.deps.decisioning.settings.settings(tenantId);
    if (!matchesEventType(config.automation.events, event.type)) return null;
    const action = decision.record.action;
    if (action.requiresApproval) return null;
    const decisionId = decision.record.decisionId;
    if (decision.status !== 'accepted') {
      const moved = await this.deps.decisioning.decisions.transition(
        this.deps.db,
        tenantId,
        decisionId,
        ['proposed', 'deferred'],
        'accepted',
      );
      if (!moved) return null; // a person dismissed or snoozed it meanwhile
    } else if (decision.runId !== null) {
      return { playbookId: '', runId: decision.runId, created: false, decisionId };
    }
    const playbookId = config.actionSettings[action.id]?.playbook ?? config.automation.playbook ?? ACCEPT_PLAYBOOK_ID;
    if (playbookId === ACCEPT_PLAYBOOK_ID) await installAcceptPlaybook(runs, tenantId, this.installed);
    const start = await startTriggeredRun(runs, {
      tenantId,
      playbookId,
      profileId: input.profileId,
      key: `decision:${decisionId}`,
      context: { [ACCEPTED_DECISION_KEY]: decisionId, trigger: triggerContext(event, decisionId) },
    });
    if (!start.ok) {
      this.deps.logger.warn({ tenantId, decisionId, playbookId, code: start.code }, `automated decision not run: ${start.message}`);
      return null;
    }
    await this.deps.decisioning.decisions.setRun(this.deps.db, tenantId, decisionId, start.runId);
    return { playbookId, runId: start.runId, created: start.created, decisionId };
  }

  /** Playbook triggers: every matching published playbook starts once for this event. */
  private async runTriggers(runs: RunsService, input: AutomationInput): Promise<AutomationResult['runs']> {
    const { tenantId, event, profileId } = input;
    const candidates = await this.triggers.matching(tenantId, event.type);
    if (candidates.length === 0) return [];
    if (await inHoldout(this.deps.decisioning, tenantId, profileId)) return [];
    const scope = await this.scopeOf(input);
    const started: AutomationResult['runs'] = [];
    for (const { playbookId, trigger } of candidates) {
      if (trigger.when !== undefined) {
        const verdict = evaluateRule(trigger.when as JsonLogicRule, scope);
        if (verdict.error !== undefined)
          this.deps.logger.warn({ tenantId, playbookId, err: verdict.error }, 'playbook trigger condition failed to evaluate; not started');
        if (!verdict.value) continue;
      }
      const decisionId = input.decision?.record.decisionId;
      const start = await startTriggeredRun(runs, {
        tenantId,
        playbookId,
        profileId,
        key: `event:${event.id}:${playbookId}`,
        context: { trigger: triggerContext(event, decisionId), profile: profileContext(scope) },
      });
      if (!start.ok) {
        this.deps.logger.warn({ tenantId, playbookId, code: start.code }, `triggered playbook not started: ${start.message}`);
        continue;
      }
      started.push({ playbookId, runId: start.runId, created: start.created, ...(decisionId === undefined ? {} : { decisionId }) });
    }
    return started;
  }

  private async scopeOf(input: AutomationInput): Promise<{ event: JsonObject; profile: JsonObject }> {
    const { event, signals } = input;
    const aliases = input.aliases ?? (await profileAliases(this.deps.db, input.tenantId, input.profileId));
    const state = input.state ?? (await loadState(this.deps.db, input.tenantId, aliases));
    const merged = { ...(state?.traits ?? {}), ...event.subject.traits };
    const traits = toJson(merged);
    const language =
      languageTrait(merged) ?? primaryLanguage(signals?.language) ?? (await latestMessageLanguage(this.deps.db, input.tenantId, aliases));
    return {
      event: {
        id: event.id,
        type: event.type,
        source: event.source,
        occurredAt: event.occurredAt,
        text: event.text,
        properties: isJsonObject(toJson(event.properties)) ? (toJson(event.properties) as JsonObject) : {},
      },
      profile: {
        id: input.profileId,
        stage: state?.stage ?? null,
        hotness: state?.hotness.score ?? 0,
        traits: isJsonObject(traits) ? traits : {},
        signal:
          signals === null
            ? null
            : {
                intent: signals.intent,
                sentiment: signals.sentiment,
                urgency: signals.urgency,
                ...(signals.language === undefined ? {} : { language: signals.language }),
              },
        ...(language === undefined ? {} : { language }),
      },
    };
  }
}

function triggerContext(event: StoredEvent, decisionId: string | undefined): JsonObject {
  return { eventId: event.id, eventType: event.type, source: event.source, ...(decisionId === undefined ? {} : { decisionId }) };
}

/** What a triggered run's expressions usually need about the person (time-window waits read `context.profile.timeZone`). */
function profileContext(scope: { profile: JsonObject }): JsonObject {
  const traits = isJsonObject(scope.profile['traits']) ? scope.profile['traits'] : {};
  return {
    id: scope.profile['id'] ?? null,
    stage: scope.profile['stage'] ?? null,
    ...(typeof traits['timeZone'] === 'string' ? { timeZone: traits['timeZone'] } : {}),
    // Localized action steps pick their text by this (LANGUAGE_SCOPE_PATH).
    ...(typeof scope.profile['language'] === 'string' ? { language: scope.profile['language'] } : {}),
  };
}
