/**
 * CardService (server/cards/card.service.ts) for every record surface: assembles the CardView from
 * journey, hotness, the current decision, runs (through RUNS_SERVICE), identities and possible
 * matches (identity tables), recent signals, the conversation and the profile's traits (with source and
 * time), and performs card buttons.
 */
import { CUSTOMER_CONTACT_CHANNELS } from '../../app/shared/channels';
import {
  emptyCard,
  type CardActionRequest,
  type CardActionResult,
  type CardNextAction,
  type CardRun,
  type CardSignal,
  type CardView,
} from '../../app/cards/card-view';
import type { CandidateExplanation } from '../../app/decisioning';
import { definePlaybook, resumeRun, startRun, type Playbook } from '../../app/orchestration';
import type { CardService } from '../cards/card.service';
import type { Database } from '../db/database';
import { HttpError } from '../http/errors';
import { decidePossibleMatch } from '../identity/review-actions';
import type { IdentityService } from '../identity/identity.service';
import { loadIdentityEvidence } from '../identity/link-evidence.repository';
import { currentProfileId, loadProfileIdentity, profileAliases, profileSummaries } from '../identity/profiles.repository';
import type { RunsService } from '../runs/runs.service';
import { conversationCard } from '../conversation/conversation.card';
import { traitsCard } from '../warehouse/traits.card';
import { ACCEPTED_DECISION_KEY, localizedAction } from './decider.adapter';
import type { DecisionRepository, StoredDecision } from './decision.repository';
import type { Decisioning } from './decisioning';
import { hotnessView, latestEventSignals, loadState, loadTransitions } from './profile-state.repository';
import { iso, toMs } from './stores.repository';

/** The one-step playbook an accepted card decision runs: its decide step executes the accepted decision. */
export const ACCEPT_PLAYBOOK_ID = 'baton-accepted-action';
export const acceptPlaybook: Playbook = definePlaybook({
  id: ACCEPT_PLAYBOOK_ID,
  version: 1,
  name: 'Accepted next best action',
  description: 'Runs the next best action a person accepted on a record card.',
  status: 'published',
  concurrency: 'unlimited',
  steps: [{ id: 'execute', kind: 'decide', context: {} }],
});

/** Installs the accept playbook for a tenant (once per process; an existing version is kept). */
export async function installAcceptPlaybook(runs: RunsService, tenantId: string, installed: Set<string>): Promise<void> {
  if (installed.has(tenantId)) return;
  await runs.deps.playbooks.insert(tenantId, acceptPlaybook, runs.deps.clock.now());
  installed.add(tenantId);
}

const MESSAGE_CHANNELS: ReadonlySet<string> = new Set(CUSTOMER_CONTACT_CHANNELS);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

export interface CardDeps {
  readonly db: Database;
  readonly decisioning: Decisioning;
  /** Absent when the service runs without the runs module: the card shows no runs, accepting answers 503. */
  readonly runs: RunsService | undefined;
  readonly identity: IdentityService | undefined;
}

function reasonsOf(decision: StoredDecision): CardNextAction['reasons'] {
  const { record } = decision;
  const reasons: CardNextAction['reasons'] = [];
  const chosen = record.explanation.find((c) => c.fate === 'chosen');
  if (chosen?.factors !== undefined) {
    const f = chosen.factors;
    reasons.push({
      code: 'score.propensity',
      text: `Likely to work: ${pct(f.propensityMean)} expected response from ${f.evidence} past outcomes; score ${f.score.toFixed(2)} = P ${f.propensity.toFixed(3)} × C ${f.contextWeight.toFixed(2)} × V ${f.value.toFixed(2)} × L ${f.levers.toFixed(2)}.`,
    });
    if (chosen.deferReason !== undefined) reasons.push({ code: 'policy.quiet_hours', text: chosen.deferReason });
  }
  const signal = record.context['signal'] as { intent?: unknown; sentiment?: unknown; urgency?: unknown } | undefined;
  if (signal !== undefined && typeof signal.intent === 'string') {
    reasons.push({
      code: 'signal.intent',
      text: `Latest message: ${signal.intent.replace(/_/g, ' ')}, sentiment ${Number(signal.sentiment).toFixed(2)}, urgency ${String(signal.urgency)}.`,
    });
  }
  for (const note of record.notes) reasons.push({ code: 'decision.note', text: note });
  const others = record.explanation.filter((c) => c.fate !== 'chosen').slice(0, 8);
  for (const c of others) reasons.push(otherReason(c));
  return reasons.slice(0, 20);
}

function otherReason(c: CandidateExplanation): { code: string; text: string } {
  if (c.fate === 'blocked' && c.blockedBy !== undefined)
    return { code: `policy.${c.blockedBy.policy}`, text: `Not "${c.label}": ${c.blockedBy.reason}` };
  if (c.fate === 'held_back')
    return { code: 'exploration.reach', text: `Not "${c.label}": new action, held back by its reach cap (${pct(c.reach ?? 0)}).` };
  return { code: 'rank.runner_up', text: `Not "${c.label}": ranked #${c.rank ?? '?'} with score ${(c.factors?.score ?? 0).toFixed(2)}.` };
}

/** The route a step's output names (`route`, or a decide step's `result.route`), for the card. */
function routeOf(output: unknown): { route?: string } {
  const obj = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const o = obj(output);
  const route = o?.['route'] ?? obj(o?.['result'])?.['route'];
  return typeof route === 'string' && route !== '' ? { route: route.slice(0, 64) } : {};
}

function nextActionOf(decision: StoredDecision | undefined): CardNextAction | null {
  if (decision === undefined || decision.status === 'none') return null;
  const { record } = decision;
  if (record.action === null) return null;
  // The draft a rep approves is in the person's language when the catalog has it (see localizedAction).
  const action = localizedAction(record.action, record.context['language']).action;
  const template = typeof action.template === 'string' ? action.template : action.template?.name;
  const draft =
    decision.draft ??
    (MESSAGE_CHANNELS.has(action.channel) && action.requiresApproval
      ? {
          ...(action.channel === 'email' ? { subject: action.params?.subject ?? action.label } : {}),
          body: action.params?.body ?? template ?? action.label,
        }
      : undefined);
  return {
    decisionId: record.decisionId,
    action: { id: action.id, label: action.label, channel: action.channel },
    score: record.score,
    propensity: Math.max(0, Math.min(1, record.propensity)),
    reasons: reasonsOf(decision),
    requiresApproval: action.requiresApproval,
    ...(draft === undefined ? {} : { draft }),
    status: decision.status,
    ...(decision.until === null ? {} : { until: iso(decision.until) }),
    decidedAt: iso(record.decidedAt),
  };
}

export class DecisioningCardService implements CardService {
  private readonly installed = new Set<string>();

  constructor(private readonly deps: CardDeps) {}

  async view(tenantId: string, profileId: string): Promise<CardView> {
    const { db, decisioning } = this.deps;
    const now = decisioning.clock.now();
    const live = await currentProfileId(db, tenantId, profileId);
    if (live === undefined) return emptyCard(new Date(now));
    const aliases = await profileAliases(db, tenantId, live);
    const [identity, evidence, state, transitions, decision, signals, runs, summary] = await Promise.all([
      loadProfileIdentity(db, tenantId, live),
      loadIdentityEvidence(db, tenantId, live),
      loadState(db, tenantId, aliases),
      loadTransitions(db, tenantId, live, 20),
      decisioning.decisions.current(db, tenantId, aliases),
      this.signals(tenantId, aliases),
      this.runsOf(tenantId, aliases),
      profileSummaries(db, tenantId, [live]),
    ]);
    const conversation = await conversationCard(db, tenantId, aliases);
    const profileTraits = await traitsCard(db, tenantId, aliases);
    const possible = identity?.possibleMatches ?? [];
    const others = possible.map((m) => m.profiles.find((p) => p !== null && p !== live) ?? null);
    const otherNames = await profileSummaries(
      db,
      tenantId,
      others.filter((p): p is string => p !== null),
    );
    const traits = state?.traits ?? {};
    const traitName = [traits['firstName'], traits['lastName']].filter((x): x is string => typeof x === 'string' && x !== '').join(' ');
    return {
      profileId: live,
      displayName: traitName !== '' ? traitName : (summary[0]?.name ?? null),
      journey:
        state === null
          ? null
          : {
              stage: state.stage,
              enteredAt: iso(state.enteredAt),
              timeInStageMs: Math.floor(Math.max(0, now - state.enteredAt)),
              history: transitions.map((t) => ({ from: t.from, to: t.to, at: iso(t.at), reason: t.reason })),
            },
      hotness: state === null ? null : hotnessView(state, now),
      nextBestAction: nextActionOf(decision),
      runs,
      identities: (identity?.identities ?? []).slice(0, 100).map((i) => {
        const why = evidence.get(i.key);
        return {
          type: i.type,
          value: i.value,
          ...(i.scope === null ? {} : { scope: i.scope }),
          source: i.provenance[0]?.source ?? 'unknown',
          linkedAt: new Date(i.provenance[0]?.at ?? identity?.createdAt ?? now).toISOString(),
          ...(why === undefined ? {} : { evidence: why }),
        };
      }),
      possibleMatches: possible.slice(0, 20).map((m, index) => ({
        matchId: m.id,
        otherProfileId: others[index] ?? '',
        displayName: otherNames.find((s) => s.id === others[index])?.name ?? null,
        probability: Math.max(0, Math.min(1, m.probability ?? 0)),
        reasons: [
          ...(m.reason === null ? [] : [m.reason]),
          ...(m.fields ?? []).map((f) => `${f.field}: ${f.level} (${f.weight >= 0 ? '+' : ''}${f.weight.toFixed(1)})`),
        ].slice(0, 20),
      })),
      signals,
      conversation,
      traits: profileTraits,
      generatedAt: iso(now),
    };
  }

  private async signals(tenantId: string, aliases: readonly string[]): Promise<CardSignal[]> {
    const rows = await latestEventSignals(this.deps.db, tenantId, aliases, 50);
    return rows.map((row) => ({
      eventId: row.id,
      source: row.source,
      type: row.type,
      occurredAt: iso(toMs(row.occurred_at)),
      excerpt: row.text === null ? null : Array.from(row.text).slice(0, 280).join(''),
      intent: row.intent,
      intentConfidence: row.intent_confidence === null ? null : Number(row.intent_confidence),
      sentiment: row.sentiment === null ? null : Number(row.sentiment),
      sentimentLabel: row.sentiment_label,
      urgency: row.urgency,
      language: row.language,
    }));
  }

  private async runsOf(tenantId: string, aliases: readonly string[]): Promise<CardRun[]> {
    const service = this.deps.runs;
    if (service === undefined) return [];
    const { deps } = service;
    const runs = (await Promise.all(aliases.map((profileId) => deps.runs.list(tenantId, { profileId, limit: 20 }))))
      .flat()
      .sort((a, b) => b.createdAt - a.createdAt)
      .slice(0, 20);
    const names = new Map<string, string>();
    return Promise.all(
      runs.map(async (run): Promise<CardRun> => {
        const key = `${run.playbookId}@${run.playbookVersion}`;
        if (!names.has(key))
          names.set(key, (await deps.playbooks.get(tenantId, run.playbookId, run.playbookVersion))?.playbook.name ?? run.playbookId);
        const snapshot = await deps.runs.load(tenantId, run.id);
        return {
          runId: run.id,
          playbookId: run.playbookId,
          playbookName: names.get(key) ?? run.playbookId,
          playbookVersion: run.playbookVersion,
          status: run.status,
          startedAt: iso(run.startedAt ?? run.createdAt),
          updatedAt: iso(run.updatedAt),
          canRetry: run.status === 'failed',
          steps: (snapshot?.steps ?? []).slice(-50).map((s) => ({
            stepId: s.stepId,
            kind: s.kind,
            status: s.status,
            attempts: s.attempt,
            ...(s.error === null ? {} : { error: { code: s.error.code, message: s.error.message } }),
            ...routeOf(s.output),
            updatedAt: iso(s.updatedAt),
          })),
        };
      }),
    );
  }

  async act(tenantId: string, request: CardActionRequest, actor: { source: string; userId?: string }): Promise<CardActionResult> {
    const live = await currentProfileId(this.deps.db, tenantId, request.profileId);
    if (live === undefined) throw new HttpError(404, 'not_found', `no profile ${request.profileId} in your tenant`);
    const aliases = await profileAliases(this.deps.db, tenantId, live);
    let message: string;
    let show = live;
    switch (request.type) {
      case 'accept':
      case 'approve_draft':
        message = await this.accept(tenantId, live, aliases, request, actor);
        break;
      case 'snooze': {
        const decision = await this.decisionOf(tenantId, aliases, request.decisionId);
        const until = this.deps.decisioning.clock.now() + request.hours * 3_600_000;
        await this.move(tenantId, decision, ['proposed', 'deferred', 'snoozed'], 'snoozed', { until });
        message = `Snoozed "${decision.record.action?.label ?? 'the action'}" until ${iso(until)}.`;
        break;
      }
      case 'dismiss': {
        const decision = await this.decisionOf(tenantId, aliases, request.decisionId);
        await this.move(tenantId, decision, ['proposed', 'deferred', 'snoozed'], 'dismissed');
        await this.deps.decisioning.outcomes.feedback(tenantId, decision, 'negative');
        message = `Dismissed "${decision.record.action?.label ?? 'the action'}"; Baton will learn from it.`;
        break;
      }
      case 'retry_step': {
        const runs = this.requireRuns();
        const snapshot = await runs.deps.runs.load(tenantId, request.runId);
        if (snapshot === null) throw new HttpError(404, 'run_not_found', `no run ${request.runId} in your tenant`);
        if (!aliases.includes(snapshot.run.profileId))
          throw new HttpError(409, 'stale', `run ${request.runId} is not about profile ${request.profileId}; refresh the card`);
        const result = await resumeRun(runs.deps, tenantId, request.runId);
        if (!result.ok) throw new HttpError(result.code === 'run_not_found' ? 404 : 409, result.code, result.message);
        message = result.alreadyApplied ? `Run ${request.runId} was already resumed.` : `Retrying the failed step of run ${request.runId}.`;
        break;
      }
      case 'confirm_match':
      case 'reject_match': {
        const identity = this.deps.identity;
        if (identity === undefined)
          throw new HttpError(503, 'identity_unavailable', 'identity resolution is not installed in this service');
        const decision = request.type === 'confirm_match' ? 'confirm' : 'reject';
        const out = await decidePossibleMatch(
          this.deps.db,
          identity,
          { tenantId, profileId: live, reviewId: request.matchId, decision, actor: `card:${actor.source}` },
          this.deps.decisioning.clock,
        );
        if (out.profileId !== null) show = out.profileId;
        message =
          decision === 'confirm' ? 'Confirmed: the two profiles are now one person.' : 'Rejected: Baton will keep these profiles apart.';
        break;
      }
    }
    return { message, card: await this.view(tenantId, show) };
  }

  private requireRuns(): RunsService {
    const runs = this.deps.runs;
    if (runs === undefined) throw new HttpError(503, 'runs_unavailable', 'orchestration is not installed in this service');
    return runs;
  }

  private async decisionOf(tenantId: string, aliases: readonly string[], decisionId: string): Promise<StoredDecision> {
    const decision = await this.deps.decisioning.decisions.get(this.deps.db, tenantId, decisionId);
    if (decision === undefined) throw new HttpError(404, 'decision_not_found', `no decision ${decisionId} in your tenant`);
    if (!aliases.includes(decision.record.profileId))
      throw new HttpError(409, 'stale', `decision ${decisionId} is not about this profile; refresh the card`);
    return decision;
  }

  private async move(
    tenantId: string,
    decision: StoredDecision,
    from: Parameters<DecisionRepository['transition']>[3],
    to: Parameters<DecisionRepository['transition']>[4],
    extra: Parameters<DecisionRepository['transition']>[5] = {},
  ): Promise<void> {
    if (decision.record.action === null) throw new HttpError(409, 'no_action', `decision ${decision.record.decisionId} proposed no action`);
    const moved = await this.deps.decisioning.decisions.transition(this.deps.db, tenantId, decision.record.decisionId, from, to, extra);
    if (!moved)
      throw new HttpError(409, 'already_decided', `decision ${decision.record.decisionId} is already ${decision.status}; refresh the card`);
  }

  /** Accept (or approve the draft): the decision becomes a run of the accept playbook, visible on the card. */
  private async accept(
    tenantId: string,
    live: string,
    aliases: readonly string[],
    request: Extract<CardActionRequest, { type: 'accept' | 'approve_draft' }>,
    actor: { source: string; userId?: string },
  ): Promise<string> {
    const runs = this.requireRuns();
    const decision = await this.decisionOf(tenantId, aliases, request.decisionId);
    const action = decision.record.action;
    if (request.type === 'approve_draft' && (action === null || !MESSAGE_CHANNELS.has(action.channel))) {
      throw new HttpError(409, 'no_draft', `decision ${request.decisionId} does not send a message, so there is no draft to approve`);
    }
    await this.move(
      tenantId,
      decision,
      ['proposed', 'deferred', 'snoozed'],
      'accepted',
      request.type === 'approve_draft'
        ? { draft: { body: request.draft.body, ...(request.draft.subject === undefined ? {} : { subject: request.draft.subject }) } }
        : {},
    );
    await installAcceptPlaybook(runs, tenantId, this.installed);
    const started = await startRun(runs.deps, {
      tenantId,
      playbookId: ACCEPT_PLAYBOOK_ID,
      profileId: live,
      context: {
        [ACCEPTED_DECISION_KEY]: request.decisionId,
        actor: { source: actor.source, ...(actor.userId === undefined ? {} : { userId: actor.userId }) },
      },
    });
    if (!started.ok) throw new HttpError(500, started.error.code, started.error.message);
    await this.deps.decisioning.decisions.setRun(this.deps.db, tenantId, request.decisionId, started.snapshot.run.id);
    await this.deps.decisioning.outcomes.feedback(tenantId, decision, 'positive');
    return `${request.type === 'approve_draft' ? 'Approved and sending' : 'Accepted'} "${action?.label ?? ''}": run ${started.snapshot.run.id} started.`;
  }
}
