/**
 * The decisioning stage of the event pipeline (after identity, before runs): for every event about a
 * known profile it
 *   1. extracts signals from the event's text (the configured extractor; stored once per event),
 *   2. updates journey stage, hotness, traits, tickets and consent, and settles the decision an
 *      outcome-type event is attributed to (one transaction, applied once per event),
 *   3. decides the next best action again when something relevant changed (logged under the
 *      event's key, so a redelivery returns the same decision),
 * and hands the event's signals and decision to the stages after it (StageShared): the automation
 * stage (server/automation) starts the runs they call for. Safe to run twice for one event.
 */
import { classifyMessage } from '../../app/conversation';
import { matchesEventType } from '../../app/orchestration';
import type { Signals, SignalExtractor } from '../../app/signals';
import type { Database } from '../db/database';
import type { BatchScope, EventStage } from '../events/event-processor';
import type { StoredEvent } from '../events/events.repository';
import type { Logger } from '../observability/logger';
import type { StoredDecision } from './decision.repository';
import type { Decisioning } from './decisioning';
import { channelOf, interpretEvent, mentionsLegalThreat, type EventFacts } from './event-interpretation';
import { profileAliases, profileAliasesMany } from '../identity/profiles.repository';
import {
  applyEventOptimistic,
  applyEventToProfile,
  appliesOptimistically,
  eventMovedStage,
  eventSignals,
  loadStatesForApply,
  mayBeOpenAt,
  widenOpen,
  type ApplyInput,
  type StatesForApply,
  type EventSignalsRow,
  type ProfileState,
} from './profile-state.repository';

/** What applying an event to the person's state answered (null: applied before). */
type Applied = { stageChanged: boolean; state: ProfileState; signalsStored?: boolean };

declare module '../events/event-processor' {
  interface StageShared {
    /**
     * The decisioning stage's decision for this event (null: it decided nothing), for the automation
     * stage after it. Unset: the decisioning stage passed the event over (or is not loaded).
     */
    decision?: StoredDecision | null;
    /** The person's journey state as this event left it (unset: not applied by this delivery; read it). */
    state?: ProfileState;
  }
}

export interface PipelineDeps {
  readonly db: Database;
  readonly decisioning: Decisioning;
  readonly extractor: SignalExtractor;
  /** Stored with each signal: which extractor produced it (offline, openai, anthropic). */
  readonly extractorName: string;
  readonly logger: Logger;
}

export const pipelineDecisionKey = (eventId: string): string => `event:${eventId}`;

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
  const speaker = classifyMessage({
    type: event.type,
    source: event.source,
    text: event.text,
    properties: event.properties,
    identifiers: event.subject.identifiers,
  })?.speaker;
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
  const { db, decisioning, extractor, logger } = deps;

  /**
   * The event's signals: none for an event without the customer's words; the stored ones on a later
   * processing; otherwise extracted now, with the row that stores them (`store`), which the state's
   * first statement writes (applyEventToProfile) — the first writer wins.
   */
  async function signalsFor(
    tenantId: string,
    event: StoredEvent,
    facts: EventFacts,
    profileId: string,
    firstClaim: boolean,
  ): Promise<{ signals: Signals | null; store?: EventSignalsRow }> {
    if (facts.text === null) return { signals: null };
    // A rep's or Baton's own words are part of the conversation, not signals of the customer (app/conversation).
    if (!customerWords(event)) return { signals: null };
    // On the event's first processing nothing can be stored yet; on a later one the stored signals win.
    const known = firstClaim ? null : await eventSignals(db, tenantId, event.id);
    if (known !== null) return { signals: known };
    const names = namesOf(facts.traits);
    const s = await extractor.extract(facts.text, names.length === 0 ? {} : { knownNames: names });
    return {
      signals: s,
      store: {
        tenantId,
        eventId: event.id,
        profileId,
        occurredAt: facts.at,
        signals: s,
        legalThreat: mentionsLegalThreat(facts.text),
        channel: channelOf(facts),
        extractor: deps.extractorName,
      },
    };
  }

  /**
   * The person's ids, read for the whole batch at once (the stages merge nobody; a merge an ingest lands
   * meanwhile is seen by the person's next event, as with a read a moment earlier), or alone.
   */
  async function aliasesIn(batch: BatchScope | undefined, tenantId: string, profileId: string): Promise<string[]> {
    if (batch?.profileIds.includes(profileId) === true) {
      const all = await batch.memo('identity.aliases', () => profileAliasesMany(db, tenantId, batch.profileIds));
      const ids = all.get(profileId);
      if (ids !== undefined) return [...ids];
    }
    return profileAliases(db, tenantId, profileId);
  }

  return {
    name: 'decisioning',
    async run({ tenantId, event, profileId, firstClaim, shared, batch }) {
      if (profileId === null) return {};
      const facts = factsOf(event);
      if (!Number.isFinite(facts.at)) return {};
      const extracted = await signalsFor(tenantId, event, facts, profileId, firstClaim === true);
      let signals = extracted.signals;
      const meaning = interpretEvent(facts, signals);

      // The person's ids (live first, then those merged into it), read once for outcomes and the decision.
      let aliases: Promise<string[]> | undefined;
      const aliasesOf = (): Promise<string[]> =>
        (aliases ??= aliasesIn(batch, tenantId, profileId).then((ids) => {
          if (shared !== undefined) shared.aliases = ids;
          return ids;
        }));
      // Read before the transaction: embedded mode has one connection, a query outside it would wait for it.
      const outcomeAliases = meaning.outcome !== null ? await aliasesOf() : undefined;
      const input: ApplyInput = {
        tenantId,
        profileId,
        eventId: event.id,
        at: facts.at,
        traits: facts.traits,
        signals,
        meaning,
        ...(meaning.outcome !== null && outcomeAliases !== undefined ? { openDecisionsOf: outcomeAliases } : {}),
        ...(extracted.store === undefined ? {} : { storeSignals: extracted.store }),
      };
      const fast = await applyInBatch(batch, input);
      const applied = fast !== undefined ? fast : await applyInTransaction(input, outcomeAliases);
      // Under a race (or a redelivery) the first writer's signals win: read them back so every step uses the same ones.
      if (extracted.store !== undefined && applied?.signalsStored !== true)
        signals = (await eventSignals(db, tenantId, event.id)) ?? signals;
      // Later stages (conversation) take these instead of reading them back.
      if (shared !== undefined) shared.signals = signals;
      if (applied !== null && shared !== undefined) shared.state = applied.state;
      let stageChanged = applied?.stageChanged ?? false;
      if (applied === null) {
        // A redelivery: whether this event moved the stage is in the transition history.
        stageChanged = await eventMovedStage(db, tenantId, profileId, event.id);
      }
      // Decide when something relevant changed, or when the automation policy acts on this event type.
      const automated = matchesEventType((await decisioning.settings.settings(tenantId)).config.automation.events, event.type);
      // First application of this event: no decision can be logged under its key yet.
      const decision =
        meaning.relevant || stageChanged || automated
          ? await decideAfter(tenantId, event, facts, signals, profileId, { fresh: applied !== null, aliases: await aliasesOf() })
          : null;
      // A decision an outcome can settle: the person's later outcomes in this batch take the transaction.
      if (
        batch?.profileIds.includes(profileId) === true &&
        decision !== null &&
        (decision.record.action !== null || decision.record.holdout)
      )
        widenOpen((await statesOf(batch, tenantId)).open, profileId, {
          from: decision.record.decidedAt,
          until: decision.record.attributionEndsAt,
        });
      // The automation stage (server/automation) starts the runs this calls for.
      if (shared !== undefined) shared.decision = decision;
      return {};
    },
  };

  /**
   * The event applied to the person's state in one statement, against the state the micro-batch read
   * for all its people at once (applyEventOptimistic; null: applied before, a redelivery), when it only
   * changes the state row (an outcome with no decision open to settle). Undefined: not so (outside a
   * batch, a ticket or consent, a decision to settle, or the row changed since it was read): the
   * transaction below applies it.
   */
  async function applyInBatch(batch: BatchScope | undefined, input: ApplyInput): Promise<Applied | null | undefined> {
    if (batch === undefined || !batch.profileIds.includes(input.profileId) || !appliesOptimistically(input)) return undefined;
    const read = await statesOf(batch, input.tenantId);
    if (read.applied.has(input.eventId)) return null;
    if (read.unknown.has(input.profileId)) return undefined;
    // An outcome with a decision to settle takes the transaction (the statement would only answer 'stale').
    // One outside every open decision's span (e.g. sent before the decision was made) settles nothing.
    if (input.meaning.outcome !== null && mayBeOpenAt(read.open.get(input.profileId), input.at)) return undefined;
    // Each person's events run one after another within the batch (their lane): the entry is this lane's.
    const result = await applyEventOptimistic(db, input, read.states.get(input.profileId) ?? null);
    if (result === 'stale') {
      read.unknown.add(input.profileId);
      return undefined;
    }
    read.states.set(input.profileId, { state: result.state, version: result.version });
    return result;
  }

  /** The batch's states, applied marks and open decisions, read once (loadStatesForApply). */
  function statesOf(batch: BatchScope, tenantId: string): Promise<StatesForApply & { unknown: Set<string> }> {
    return batch.memo('decisioning.states', async () => ({
      ...(await loadStatesForApply(db, tenantId, batch.profileIds, batch.eventIds, batch.earliestAt)),
      // People whose row this batch wrote through a transaction: their version is unknown here.
      unknown: new Set<string>(),
    }));
  }

  /** The event applied in one transaction that locks the person's state row (any event). */
  async function applyInTransaction(input: ApplyInput, outcomeAliases: readonly string[] | undefined): Promise<Applied | null> {
    return db.transaction(async (tx) => {
      const result = await applyEventToProfile(tx, input);
      if (result !== null && input.meaning.outcome !== null)
        await decisioning.outcomes.recordOutcomeEvent(
          tx,
          input.tenantId,
          input.profileId,
          input.meaning.outcome,
          input.at,
          outcomeAliases,
          result.openDecisions,
        );
      return result;
    });
  }

  /** The next best action after a relevant event, logged under the event's key. */
  async function decideAfter(
    tenantId: string,
    event: StoredEvent,
    facts: EventFacts,
    signals: Signals | null,
    profileId: string,
    known: { fresh: boolean; aliases: readonly string[] },
  ): Promise<StoredDecision | null> {
    if ((await decisioning.settings.settings(tenantId)).catalog.length === 0 && signals === null) return null;
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
    const decision = await decisioning.decide.decide(tenantId, profileId, context, {
      origin: 'pipeline',
      idempotencyKey: pipelineDecisionKey(event.id),
      ...known,
    });
    logger.debug(
      { tenantId, eventId: event.id, decisionId: decision.record.decisionId, action: decision.record.action?.id ?? null },
      'decided after event',
    );
    return decision;
  }
}
