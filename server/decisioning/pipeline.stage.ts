/**
 * The decisioning stage of the event pipeline (after identity, before runs): for every event about a
 * known profile it
 *   1. extracts signals from the event's text (the configured extractor; stored once per event),
 *   2. updates journey stage, hotness, traits, tickets and consent, and settles the decision an
 *      outcome-type event is attributed to (one transaction, applied once per event),
 *   3. decides the next best action again when something relevant changed (logged under the
 *      event's key, so a redelivery returns the same decision),
 *   4. starts the runs the automation policy or a playbook trigger asks for (automation.ts).
 * Safe to run twice for one event.
 */
import { classifyMessage } from '../../app/conversation';
import { matchesEventType } from '../../app/orchestration';
import type { Signals, SignalExtractor } from '../../app/signals';
import type { Database, Queryable } from '../db/database';
import type { EventStage } from '../events/event-processor';
import type { StoredEvent } from '../events/events.repository';
import type { Logger } from '../observability/logger';
import type { PipelineAutomation } from './automation';
import type { DecisioningFacade, StoredDecision } from './decisioning.service';
import { channelOf, interpretEvent, mentionsLegalThreat, type EventFacts } from './event-interpretation';
import { profileAliases } from '../identity/profiles.repository';
import { applyEventToProfile } from './profile-state.repository';
import { iso } from './sql-stores';

export interface PipelineDeps {
  readonly db: Database;
  readonly facade: DecisioningFacade;
  readonly extractor: SignalExtractor;
  /** Stored with each signal: which extractor produced it (offline, openai, anthropic). */
  readonly extractorName: string;
  readonly logger: Logger;
  /** Starts runs from events and decisions (automation policy, playbook triggers); absent: none. */
  readonly automation?: PipelineAutomation;
}

export const pipelineDecisionKey = (eventId: string): string => `event:${eventId}`;

async function storedSignals(q: Queryable, tenantId: string, eventId: string): Promise<Signals | null> {
  const r = await q.query<{ intent: Signals['intent']; intent_confidence: number; sentiment: number; sentiment_label: Signals['sentimentLabel']; urgency: Signals['urgency']; language: string | null }>(
    'SELECT intent, intent_confidence, sentiment, sentiment_label, urgency, language FROM event_signals WHERE tenant_id = $1 AND event_id = $2',
    [tenantId, eventId],
  );
  const row = r.rows[0];
  if (row === undefined) return null;
  return {
    intent: row.intent,
    intentConfidence: Number(row.intent_confidence),
    sentiment: Number(row.sentiment),
    sentimentLabel: row.sentiment_label,
    urgency: row.urgency,
    ...(row.language === null ? {} : { language: row.language }),
  };
}

function factsOf(event: StoredEvent): EventFacts {
  return {
    type: event.type,
    source: event.source,
    at: Date.parse(event.occurredAt),
    text: event.text === null || event.text.trim() === '' ? null : event.text,
    properties: event.properties,
    traits: event.subject.traits,
  };
}

/** Whether an event's text is the customer's: anything but a message a rep or Baton wrote. */
export function customerWords(event: StoredEvent): boolean {
  const speaker = classifyMessage({ type: event.type, source: event.source, text: event.text, properties: event.properties, identifiers: event.subject.identifiers })?.speaker;
  return speaker !== 'rep' && speaker !== 'bot';
}

/** The person's names from the event's traits, for redaction before text leaves the process. */
export function namesOf(traits: EventFacts['traits']): string[] {
  const names: string[] = [];
  for (const key of ['firstName', 'lastName', 'name', 'fullName', 'firstname', 'lastname']) {
    const v = traits[key];
    if (typeof v === 'string' && v.trim().length > 1) names.push(v.trim());
  }
  return [...new Set(names)];
}

export function decisioningStage(deps: PipelineDeps): EventStage {
  const { db, facade, extractor, logger } = deps;

  async function signalsFor(tenantId: string, event: StoredEvent, facts: EventFacts, profileId: string, firstClaim: boolean): Promise<Signals | null> {
    if (facts.text === null) return null;
    // A rep's or Baton's own words are part of the conversation, not signals of the customer (app/conversation).
    if (!customerWords(event)) return null;
    // On the event's first processing nothing can be stored yet; on a later one the stored signals win.
    const known = firstClaim ? null : await storedSignals(db, tenantId, event.id);
    if (known !== null) return known;
    const names = namesOf(facts.traits);
    const s = await extractor.extract(facts.text, names.length === 0 ? {} : { knownNames: names });
    const inserted = await db.query(
      `INSERT INTO event_signals (tenant_id, event_id, profile_id, occurred_at, intent, intent_confidence, sentiment, sentiment_label, urgency, language, legal_threat, channel, extractor)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
      [tenantId, event.id, profileId, iso(facts.at), s.intent, s.intentConfidence, s.sentiment, s.sentimentLabel, s.urgency, s.language ?? null, mentionsLegalThreat(facts.text), channelOf(facts), deps.extractorName],
    );
    if (inserted.rowCount === 1) return s;
    // Under a race the first writer's signals win; read them back so every step uses the same ones.
    return (await storedSignals(db, tenantId, event.id)) ?? s;
  }

  return {
    name: 'decisioning',
    async run({ tenantId, event, profileId, firstClaim, shared }) {
      if (profileId === null) return {};
      const facts = factsOf(event);
      if (!Number.isFinite(facts.at)) return {};
      const signals = await signalsFor(tenantId, event, facts, profileId, firstClaim === true);
      // Later stages (conversation) take these instead of reading them back.
      if (shared !== undefined) shared.signals = signals;
      const meaning = interpretEvent(facts, signals);

      // The person's ids (live first, then those merged into it), read once for outcomes and the decision.
      let aliases: Promise<string[]> | undefined;
      const aliasesOf = (): Promise<string[]> =>
        (aliases ??= profileAliases(db, tenantId, profileId).then((ids) => {
          if (shared !== undefined) shared.aliases = ids;
          return ids;
        }));
      // Read before the transaction: embedded mode has one connection, a query outside it would wait for it.
      const outcomeAliases = meaning.outcome !== null ? await aliasesOf() : undefined;
      const applied = await db.transaction(async (tx) => {
        const result = await applyEventToProfile(tx, { tenantId, profileId, eventId: event.id, at: facts.at, traits: facts.traits, signals, meaning });
        if (result !== null && meaning.outcome !== null) await facade.recordOutcomeEvent(tx, tenantId, profileId, meaning.outcome, facts.at, outcomeAliases);
        return result;
      });
      let stageChanged = applied?.stageChanged ?? false;
      if (applied === null) {
        // A redelivery: whether this event moved the stage is in the transition history.
        const moved = await db.query(`SELECT 1 FROM journey_transitions WHERE tenant_id = $1 AND profile_id = $2 AND event_id = $3 AND from_stage IS NOT NULL LIMIT 1`, [tenantId, profileId, event.id]);
        stageChanged = moved.rows.length > 0;
      }
      // Decide when something relevant changed, or when the automation policy acts on this event type.
      const automated = matchesEventType((await facade.settings(tenantId)).config.automation.events, event.type);
      // First application of this event: no decision can be logged under its key yet.
      const decision = meaning.relevant || stageChanged || automated ? await decideAfter(tenantId, event, facts, signals, profileId, { fresh: applied !== null, aliases: await aliasesOf() }) : null;
      if (deps.automation !== undefined) await deps.automation.run({ tenantId, event, profileId, signals, decision });
      return {};
    },
  };

  /** The next best action after a relevant event, logged under the event's key. */
  async function decideAfter(tenantId: string, event: StoredEvent, facts: EventFacts, signals: Signals | null, profileId: string, known: { fresh: boolean; aliases: readonly string[] }): Promise<StoredDecision | null> {
    if ((await facade.settings(tenantId)).catalog.length === 0 && signals === null) return null;
    const context = {
      trigger: event.type,
      eventId: event.id,
      source: event.source,
      ...(signals === null
        ? {}
        : {
            signal: {
              intent: signals.intent,
              sentiment: signals.sentiment,
              urgency: signals.urgency,
              at: facts.at,
              ...(facts.text !== null && mentionsLegalThreat(facts.text) ? { legalThreat: true } : {}),
              ...(channelOf(facts) === null ? {} : { channel: channelOf(facts) }),
            },
          }),
    };
    const decision = await facade.decide(tenantId, profileId, context, { origin: 'pipeline', idempotencyKey: pipelineDecisionKey(event.id), ...known });
    logger.debug({ tenantId, eventId: event.id, decisionId: decision.record.decisionId, action: decision.record.action?.id ?? null }, 'decided after event');
    return decision;
  }
}
