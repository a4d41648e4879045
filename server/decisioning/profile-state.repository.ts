/**
 * Per-profile state the pipeline keeps for decisioning: journey stage (with transition history),
 * hotness, traits, last inbound message per channel, open tickets and consent; plus the reads the
 * decision, the profile sections and the card need. Every statement is scoped by tenant_id.
 */
import type { Channel } from '../../app/decisioning/catalog';
import type { ConsentStatus, OpenTicket, ProfileSnapshot, SignalObservation, TicketPriority, Urgency } from '../../app/decisioning/types';
import { primaryLanguage } from '../../app/orchestration';
import { addSignal, applyJourneyEvent, hotnessIndex, isStage, signalWeight, type JourneyState, type Stage } from '../../app/journey';
import type { Signals } from '../../app/signals';
import { prepared, type Queryable } from '../db/database';
import type { EventMeaning } from './event-interpretation';
import type { DecisionRecord } from '../../app/decisioning/record';
import { iso, toMs, type ContactRow, type PosteriorRow } from './stores.repository';

const DAY_MS = 24 * 3_600_000;

interface StateRow {
  profile_id: string;
  stage: string;
  entered_at: Date | string;
  hotness_score: number;
  hotness_as_of: Date | string;
  last_signal_at: Date | string | null;
  last_signal_weight: number | null;
  traits: Record<string, unknown>;
  last_inbound: Record<string, number>;
  updated_at: Date | string;
}

export interface ProfileState {
  readonly profileId: string;
  readonly stage: Stage;
  readonly enteredAt: number;
  readonly hotness: { score: number; asOf: number };
  readonly lastSignalAt: number | null;
  readonly lastSignalWeight: number | null;
  readonly traits: Readonly<Record<string, unknown>>;
  readonly lastInbound: Readonly<Partial<Record<Channel, number>>>;
  readonly updatedAt: number;
}

export interface TransitionView {
  readonly from: Stage | null;
  readonly to: Stage;
  readonly at: number;
  readonly ruleId: string;
  readonly reason: string;
  readonly eventId: string | null;
}

export interface SignalView {
  readonly eventId: string;
  readonly at: number;
  readonly intent: string;
  readonly intentConfidence: number;
  readonly sentiment: number;
  readonly sentimentLabel: 'positive' | 'neutral' | 'negative';
  readonly urgency: Urgency;
  readonly legalThreat: boolean;
  readonly channel: Channel | null;
  /** ISO 639-1 when the extractor could tell. */
  readonly language: string | null;
}

const STATE_COLUMNS =
  'profile_id, stage, entered_at, hotness_score, hotness_as_of, last_signal_at, last_signal_weight, traits, last_inbound, updated_at';

function stateFromRow(row: StateRow): ProfileState {
  return {
    profileId: row.profile_id,
    stage: isStage(row.stage) ? row.stage : 'lead',
    enteredAt: toMs(row.entered_at),
    hotness: { score: Number(row.hotness_score), asOf: toMs(row.hotness_as_of) },
    lastSignalAt: row.last_signal_at === null ? null : toMs(row.last_signal_at),
    lastSignalWeight: row.last_signal_weight === null ? null : Number(row.last_signal_weight),
    traits: row.traits,
    lastInbound: row.last_inbound as Partial<Record<Channel, number>>,
    updatedAt: toMs(row.updated_at),
  };
}

export interface ApplyInput {
  readonly tenantId: string;
  readonly profileId: string;
  readonly eventId: string;
  readonly at: number;
  readonly traits: Readonly<Record<string, unknown>>;
  readonly signals: Signals | null;
  readonly meaning: EventMeaning;
  /**
   * The person's ids (live first) when the event is an outcome: their open decisions at `at` (what
   * `DecisionStore.openFor` reads) come back with the state, read in the same statement.
   */
  readonly openDecisionsOf?: readonly string[];
  /** Signals extracted for this event, stored (once: the first writer wins) by the same statement. */
  readonly storeSignals?: EventSignalsRow;
}

/** What one event makes of a person's state (pure): the new values and the transitions, in order. */
interface NextState {
  readonly journey: JourneyState;
  readonly transitions: readonly { from_stage: string; to_stage: string; at: string; rule_id: string; reason: string; ord: number }[];
  readonly hotness: { score: number; asOf: number };
  readonly lastSignalAt: number | null;
  readonly lastSignalWeight: number | null;
  readonly lastInbound: Partial<Record<Channel, number>>;
  readonly traits: Record<string, unknown>;
}

function nextState(state: ProfileState, input: ApplyInput): NextState {
  const { at, signals, meaning } = input;
  let journey: JourneyState = { stage: state.stage, enteredAt: state.enteredAt, history: [] };
  const transitions: NextState['transitions'][number][] = [];
  for (const event of meaning.journey) {
    const step = applyJourneyEvent(journey, event);
    if (!step.changed) continue;
    journey = step.state;
    const t = step.transition;
    transitions.push({ from_stage: t.from, to_stage: t.to, at: iso(t.at), rule_id: t.ruleId, reason: t.reason, ord: transitions.length });
  }
  let hotness = state.hotness;
  let lastSignalAt = state.lastSignalAt;
  let lastSignalWeight = state.lastSignalWeight;
  if (signals !== null) {
    const signal = { intent: signals.intent, at, urgency: signals.urgency, confidence: signals.intentConfidence };
    hotness = addSignal(hotness, signal);
    if (lastSignalAt === null || at >= lastSignalAt) {
      lastSignalAt = at;
      lastSignalWeight = signalWeight(signal);
    }
  }
  const lastInbound: Partial<Record<Channel, number>> = { ...state.lastInbound };
  if (meaning.inbound !== null) lastInbound[meaning.inbound] = Math.max(lastInbound[meaning.inbound] ?? 0, at);
  const traits = { ...state.traits, ...Object.fromEntries(Object.entries(input.traits).filter(([, v]) => v !== null && v !== '')) };
  return { journey, transitions, hotness, lastSignalAt, lastSignalWeight, lastInbound, traits };
}

/** The journey_states values of a next state: stage … last_inbound (8 parameters, in the UPDATE's order). */
function stateValues(next: NextState): unknown[] {
  return [
    next.journey.stage,
    iso(next.journey.enteredAt),
    next.hotness.score,
    iso(next.hotness.asOf),
    next.lastSignalAt === null ? null : iso(next.lastSignalAt),
    next.lastSignalWeight,
    JSON.stringify(next.traits),
    JSON.stringify(next.lastInbound),
  ];
}

/** The row as written (what loadState would read back now), for the stages after this one. */
function writtenState(profileId: string, next: NextState, updatedAt: Date | string | number): ProfileState {
  return {
    profileId,
    stage: next.journey.stage,
    enteredAt: next.journey.enteredAt,
    hotness: { score: next.hotness.score, asOf: next.hotness.asOf },
    lastSignalAt: next.lastSignalAt,
    lastSignalWeight: next.lastSignalWeight,
    traits: next.traits,
    lastInbound: next.lastInbound,
    updatedAt: typeof updatedAt === 'number' ? updatedAt : toMs(updatedAt),
  };
}

/** The CTE `sig` storing an event's signals (first writer wins), its values given as placeholders. */
const signalsCte = (values: readonly string[]): string => `sig AS (
       INSERT INTO event_signals (${SIGNALS_INSERT_COLUMNS}) VALUES (${values.join(', ')}) ON CONFLICT DO NOTHING RETURNING 1),
     `;

/** The text of the error an optimistic apply raises to undo itself (applyEventOptimistic). */
const CONCURRENT_APPLY = 'baton: event applied concurrently';

/** A person's state as read for an optimistic apply, with the row version it was read at. */
export interface VersionedState {
  readonly state: ProfileState;
  /** The row version (PostgreSQL's xmin: changes with every write of the row, by anyone). */
  readonly version: string;
}

/** What `loadStatesForApply` read for a micro-batch. */
export interface StatesForApply {
  /** The people's state rows (absent: no row yet), by profile id. */
  readonly states: Map<string, VersionedState>;
  /** Of the events asked about, those applied already (a redelivery). */
  readonly applied: ReadonlySet<string>;
  /**
   * Of these people, those with a decision an outcome could settle (unsettled, with an action or in
   * the holdout, its attribution window open at or after `openSince`), with the span their open
   * decisions cover (earliest decision to latest end of window): a hint that their outcomes in that
   * span take the transaction (applyEventOptimistic would answer 'stale'); an outcome outside it has
   * nothing to settle. Decisions on merged ids are not in it (the statement's own check covers them).
   */
  readonly open: Map<string, OpenSpan>;
}

/** The times (epoch ms) a person's open decisions cover: an outcome in [from, until] may settle one. */
export interface OpenSpan {
  readonly from: number;
  readonly until: number;
}

/** The open span widened by another open decision (decided at `from`, its window ending at `until`). */
export function widenOpen(open: Map<string, OpenSpan>, profileId: string, span: OpenSpan): void {
  const known = open.get(profileId);
  open.set(profileId, known === undefined ? span : { from: Math.min(known.from, span.from), until: Math.max(known.until, span.until) });
}

/** Whether an outcome at `at` may settle one of the person's open decisions (false: none covers it). */
export function mayBeOpenAt(span: OpenSpan | undefined, at: number): boolean {
  return span !== undefined && span.from <= at && at <= span.until;
}

/**
 * A micro-batch's journey states, applied marks and open decisions in one statement, for
 * `applyEventOptimistic`: the rows of these people (with their versions), which of these events were
 * applied already, and who has a decision open at or after `openSince` (epoch ms: the batch's earliest
 * event). Planned per call (an id array with a time range: not `prepared`); one a batch.
 */
export async function loadStatesForApply(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
  eventIds: readonly string[],
  openSince: number,
): Promise<StatesForApply> {
  const r = await q.query<{
    state: (StateRow & { v: string }) | null;
    applied: string | null;
    open: string | null;
    open_from: number | null;
    open_until: number | null;
  }>(
    `SELECT to_jsonb(s) AS state, NULL AS applied, NULL AS open, NULL::float8 AS open_from, NULL::float8 AS open_until FROM (SELECT ${STATE_COLUMNS}, xmin::text AS v FROM journey_states
        WHERE tenant_id = $1 AND profile_id = ANY($2::text[])) s
      UNION ALL
      SELECT NULL, event_id, NULL, NULL, NULL FROM decisioning_applied_events WHERE tenant_id = $1 AND event_id = ANY($3::text[])
      UNION ALL
      SELECT NULL::jsonb, NULL::text, d.profile_id,
             (extract(epoch FROM min(d.decided_at)) * 1000)::float8, (extract(epoch FROM max(d.attribution_ends_at)) * 1000)::float8
        FROM decisions d
       WHERE d.tenant_id = $1 AND d.profile_id = ANY($2::text[]) AND d.attribution_ends_at >= $4::timestamptz
         AND (d.action_id IS NOT NULL OR d.holdout)
         AND NOT EXISTS (SELECT 1 FROM decision_outcomes o WHERE o.tenant_id = d.tenant_id AND o.decision_id = d.id)
       GROUP BY d.profile_id`,
    [tenantId, [...profileIds], [...eventIds], iso(openSince)],
  );
  const states = new Map<string, VersionedState>();
  const applied = new Set<string>();
  const open = new Map<string, OpenSpan>();
  for (const row of r.rows) {
    if (row.state !== null) states.set(row.state.profile_id, { state: stateFromRow(row.state), version: row.state.v });
    if (row.applied !== null) applied.add(row.applied);
    if (row.open !== null && row.open_from !== null && row.open_until !== null)
      open.set(row.open, { from: Number(row.open_from), until: Number(row.open_until) });
  }
  return { states, applied, open };
}

/**
 * Whether an event can be applied without a transaction (`applyEventOptimistic`): it changes no ticket
 * or consent, and if it is an outcome, the person's ids to look for open decisions are given (it then
 * applies only while none is open: settling one takes the transaction).
 */
export function appliesOptimistically(input: Pick<ApplyInput, 'meaning' | 'openDecisionsOf'>): boolean {
  return (
    input.meaning.ticket === null &&
    input.meaning.consent === null &&
    (input.meaning.outcome === null || input.openDecisionsOf !== undefined)
  );
}

/**
 * Applies an event that only changes the person's journey_states row (appliesOptimistically) in ONE
 * autocommit statement, against the state the caller read (`known`; null: no row yet): the row is
 * written only if it is still at the version read (or, with no row, created only if still absent),
 * and the event is marked applied, its transitions and its signals stored, in the same statement. An
 * outcome (`openDecisionsOf` given) is written only while no decision of those ids is open at its time:
 * it has nothing to settle then (recordOutcomeEvent would find nothing); one open answers 'stale'.
 * Answers `'stale'` when the row changed since it was read (another writer, or this event applied
 * meanwhile: nothing was written but the signals, first writer wins), for the caller to take the
 * transactional path (applyEventToProfile), which locks the row. The caller checks the applied mark
 * first: a concurrent application of the same event to this row moves the row's version, and one to
 * another row (another profile id of the person) fails the statement (nothing of it stands: 'stale').
 */
export async function applyEventOptimistic(
  q: Queryable,
  input: ApplyInput,
  known: VersionedState | null,
): Promise<{ stageChanged: boolean; state: ProfileState; version: string; signalsStored?: boolean } | 'stale'> {
  const { tenantId, profileId, eventId, at } = input;
  const base: ProfileState = known?.state ?? {
    profileId,
    stage: 'lead',
    enteredAt: at,
    hotness: { score: 0, asOf: at },
    lastSignalAt: null,
    lastSignalWeight: null,
    traits: {},
    lastInbound: {},
    updatedAt: at,
  };
  const next = nextState(base, input);
  // A new row's first transition is its first sighting (as applyEventToProfile records it).
  const transitions =
    known === null
      ? [{ from_stage: null, to_stage: 'lead', at: iso(at), rule_id: 'first-seen', reason: 'first seen', ord: -1 }, ...next.transitions]
      : next.transitions;
  const sig = input.storeSignals;
  const params: unknown[] = [tenantId, profileId, ...stateValues(next), JSON.stringify(transitions), eventId, known?.version ?? null];
  const sigValues = sig === undefined ? [] : signalsValues(sig).map((v) => `$${params.push(v)}`);
  const openOf = input.openDecisionsOf;
  // An outcome's open decisions, asked through a function (migration 032) that plans its read per call,
  // so this statement stays prepared: its own reads are key lookups.
  const noneOpen =
    openOf === undefined
      ? ''
      : ` AND NOT decisions_open_exists($1, $${params.push([...openOf])}::text[], $${params.push(iso(at))}::timestamptz)`;
  const sql = `WITH ${sig === undefined ? '' : signalsCte(sigValues)}upd AS (
       UPDATE journey_states SET stage = $3, entered_at = $4, hotness_score = $5, hotness_as_of = $6, last_signal_at = $7, last_signal_weight = $8,
              traits = $9::jsonb, last_inbound = $10::jsonb, updated_at = now()
        WHERE tenant_id = $1 AND profile_id = $2 AND $13::text IS NOT NULL AND xmin::text = $13::text${noneOpen}
        RETURNING updated_at, xmin::text AS v),
     ins AS (
       INSERT INTO journey_states (tenant_id, profile_id, stage, entered_at, hotness_score, hotness_as_of, last_signal_at, last_signal_weight, traits, last_inbound)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb WHERE $13::text IS NULL${noneOpen}
       ON CONFLICT DO NOTHING RETURNING updated_at, xmin::text AS v),
     done AS (SELECT updated_at, v FROM upd UNION ALL SELECT updated_at, v FROM ins),
     applied AS (
       INSERT INTO decisioning_applied_events (tenant_id, event_id, profile_id) SELECT $1, $12, $2 WHERE EXISTS (SELECT 1 FROM done)
       ON CONFLICT DO NOTHING RETURNING 1),
     moved AS (
       INSERT INTO journey_transitions (tenant_id, profile_id, from_stage, to_stage, at, rule_id, reason, event_id)
       SELECT $1, $2, t.from_stage, t.to_stage, t.at, t.rule_id, t.reason, $12
         FROM jsonb_to_recordset($11::jsonb) AS t(from_stage text, to_stage text, at timestamptz, rule_id text, reason text, ord int)
        WHERE EXISTS (SELECT 1 FROM applied)
        ORDER BY t.ord)
     SELECT d.updated_at, d.v${sig === undefined ? '' : ', EXISTS (SELECT 1 FROM sig) AS signals_stored'},
            -- Written, but the event's mark was taken meanwhile by a write to another row (another profile
            -- id of the person, after a merge): the statement fails, so nothing of it stands.
            CASE WHEN d.v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM applied)
                 THEN (SELECT '${CONCURRENT_APPLY} ' || count(*) FROM done)::int END AS guard
       FROM (SELECT 1) one LEFT JOIN done d ON true`;
  const r = await q
    .query<{ updated_at: Date | string | null; v: string | null; signals_stored?: boolean }>(prepared(sql), params)
    .catch((err: unknown) => {
      if (err instanceof Error && err.message.includes(CONCURRENT_APPLY)) return 'stale' as const;
      throw err;
    });
  if (r === 'stale') return 'stale';
  const row = r.rows[0];
  if (row === undefined || row.v === null || row.updated_at === null) return 'stale';
  return {
    stageChanged: next.transitions.length > 0,
    state: writtenState(profileId, next, row.updated_at),
    version: row.v,
    ...(sig === undefined ? {} : { signalsStored: row.signals_stored === true }),
  };
}

/**
 * Applies one event to the profile's state, once: returns null when the event was applied before
 * (a redelivery). Must run inside a transaction (the state row is locked while it changes).
 */
export async function applyEventToProfile(
  tx: Queryable,
  input: ApplyInput,
): Promise<{ stageChanged: boolean; state: ProfileState; openDecisions?: DecisionRecord[]; signalsStored?: boolean } | null> {
  const { tenantId, profileId, eventId, at, meaning } = input;
  const openOf = input.openDecisionsOf;
  const params: unknown[] = [tenantId, eventId, profileId, iso(at)];
  const openParam = openOf === undefined ? '' : `$${params.push([...openOf])}`;
  const sig = input.storeSignals;
  const sigValues = sig === undefined ? [] : signalsValues(sig).map((v) => `$${params.push(v)}`);
  // One statement: mark the event applied (nothing more on a redelivery), create the state row on the
  // person's first event (with its first-seen transition), or lock the existing one. All three CTEs see
  // the statement's snapshot: a row another transaction created after it is locked by the read below.
  // Prepared in every variant: key equality only (see `prepared`); an outcome's open decisions come from a
  // function that plans its own read per call (migration 034, the rows of openDecisionsSql).
  const applySql = `WITH ${sig === undefined ? '' : signalsCte(sigValues)}applied AS (
       INSERT INTO decisioning_applied_events (tenant_id, event_id, profile_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING 1),
     created AS (
       INSERT INTO journey_states (tenant_id, profile_id, stage, entered_at, hotness_as_of)
       SELECT $1, $3, 'lead', $4, $4 WHERE EXISTS (SELECT 1 FROM applied)
       ON CONFLICT DO NOTHING RETURNING ${STATE_COLUMNS}),
     first_seen AS (
       INSERT INTO journey_transitions (tenant_id, profile_id, from_stage, to_stage, at, rule_id, reason, event_id)
       SELECT $1, $3, NULL, 'lead', $4, 'first-seen', 'first seen', $2 FROM created),
     existing AS (
       SELECT ${STATE_COLUMNS} FROM journey_states WHERE tenant_id = $1 AND profile_id = $3 AND EXISTS (SELECT 1 FROM applied) FOR UPDATE)
     SELECT EXISTS (SELECT 1 FROM applied) AS applied,
            (SELECT to_jsonb(c) FROM created c) AS created,
            (SELECT to_jsonb(e) FROM existing e) AS existing${
              openOf === undefined
                ? ''
                : `,
            decisions_open($1, ${openParam}::text[], $4::timestamptz) AS open`
            }${
              sig === undefined
                ? ''
                : `,
            EXISTS (SELECT 1 FROM sig) AS signals_stored`
            }`;
  const first = await tx.query<{
    applied: boolean;
    created: StateRow | null;
    existing: StateRow | null;
    open?: DecisionRecord[];
    signals_stored?: boolean;
  }>(prepared(applySql), params);
  const outcome = first.rows[0];
  if (outcome?.applied !== true) return null;
  let row = outcome.created ?? outcome.existing ?? undefined;
  if (row === undefined) {
    // Created by another transaction after this statement's snapshot: lock it now.
    const r = await tx.query<StateRow>(`SELECT ${STATE_COLUMNS} FROM journey_states WHERE tenant_id = $1 AND profile_id = $2 FOR UPDATE`, [
      tenantId,
      profileId,
    ]);
    row = r.rows[0];
  }
  if (row === undefined) throw new Error(`journey state of ${profileId} vanished`);
  const state = stateFromRow(row);
  const next = nextState(state, input);
  const stageChanged = next.transitions.length > 0;
  // The state and the transitions this event made (in order), in one statement.
  const updated = await tx.query<{ updated_at: Date | string }>(
    prepared(`${
      stageChanged
        ? `WITH moved AS (
       INSERT INTO journey_transitions (tenant_id, profile_id, from_stage, to_stage, at, rule_id, reason, event_id)
       SELECT $1, $2, t.from_stage, t.to_stage, t.at, t.rule_id, t.reason, $12
         FROM jsonb_to_recordset($11::jsonb) AS t(from_stage text, to_stage text, at timestamptz, rule_id text, reason text, ord int)
        ORDER BY t.ord)
     `
        : ''
    }UPDATE journey_states SET stage = $3, entered_at = $4, hotness_score = $5, hotness_as_of = $6, last_signal_at = $7, last_signal_weight = $8,
        traits = $9::jsonb, last_inbound = $10::jsonb, updated_at = now()
      WHERE tenant_id = $1 AND profile_id = $2 RETURNING updated_at`),
    [tenantId, profileId, ...stateValues(next), ...(stageChanged ? [JSON.stringify(next.transitions), eventId] : [])],
  );

  if (meaning.ticket !== null) {
    const t = meaning.ticket;
    await tx.query(
      `INSERT INTO profile_tickets (tenant_id, profile_id, ticket_id, priority, status, opened_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (tenant_id, profile_id, ticket_id) DO UPDATE SET priority = excluded.priority, status = excluded.status, updated_at = excluded.updated_at
        WHERE profile_tickets.updated_at <= excluded.updated_at`,
      [tenantId, profileId, t.id, t.priority, t.status, iso(at)],
    );
  }
  if (meaning.consent !== null) await setConsent(tx, tenantId, profileId, meaning.consent.channel, meaning.consent.status, 'event', at);
  // The row as written (what loadState would read back now), for the stages after this one.
  const written = writtenState(profileId, next, updated.rows[0]?.updated_at ?? state.updatedAt);
  return {
    stageChanged,
    state: written,
    ...(openOf === undefined ? {} : { openDecisions: outcome.open ?? [] }),
    ...(sig === undefined ? {} : { signalsStored: outcome.signals_stored === true }),
  };
}

export async function setConsent(
  q: Queryable,
  tenantId: string,
  profileId: string,
  channel: string,
  status: ConsentStatus,
  source: string,
  at: number,
): Promise<void> {
  await q.query(
    `INSERT INTO profile_consent (tenant_id, profile_id, channel, status, source, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, profile_id, channel) DO UPDATE SET status = excluded.status, source = excluded.source, updated_at = excluded.updated_at
      WHERE profile_consent.updated_at <= excluded.updated_at`,
    [tenantId, profileId, channel, status, source, iso(at)],
  );
}

/** The profile's state: its own row, or (after a merge) the most recently updated row among its aliases. */
export async function loadState(q: Queryable, tenantId: string, profileIds: readonly string[]): Promise<ProfileState | null> {
  const r = await q.query<StateRow>(
    `SELECT ${STATE_COLUMNS} FROM journey_states WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) ORDER BY (profile_id = $3) DESC, updated_at DESC LIMIT 1`,
    [tenantId, [...profileIds], profileIds[0] ?? ''],
  );
  const row = r.rows[0];
  return row === undefined ? null : stateFromRow(row);
}

export async function loadTransitions(q: Queryable, tenantId: string, profileId: string, limit = 20): Promise<TransitionView[]> {
  const r = await q.query<{
    from_stage: string | null;
    to_stage: string;
    at: Date | string;
    rule_id: string;
    reason: string;
    event_id: string | null;
  }>(
    `SELECT from_stage, to_stage, at, rule_id, reason, event_id FROM journey_transitions WHERE tenant_id = $1 AND profile_id = $2 ORDER BY seq DESC LIMIT $3`,
    [tenantId, profileId, limit],
  );
  return r.rows.map((row) => ({
    from: isStage(row.from_stage) ? row.from_stage : null,
    to: isStage(row.to_stage) ? row.to_stage : 'lead',
    at: toMs(row.at),
    ruleId: row.rule_id,
    reason: row.reason,
    eventId: row.event_id,
  }));
}

interface SignalRow {
  event_id: string;
  occurred_at: Date | string;
  intent: string;
  intent_confidence: number;
  sentiment: number;
  sentiment_label: SignalView['sentimentLabel'];
  urgency: Urgency;
  legal_threat: boolean;
  channel: string | null;
  language: string | null;
}

const SIGNAL_COLUMNS =
  'event_id, occurred_at, intent, intent_confidence, sentiment, sentiment_label, urgency, legal_threat, channel, language';

/** One id (the usual case): equality lets the (tenant, profile, occurred_at DESC) index stop after `limit` rows. */
const signalsWhere = (ids: readonly string[], p: string): string =>
  ids.length === 1 ? `profile_id = ${p}` : `profile_id = ANY(${p}::text[])`;

const signalFromRow = (row: SignalRow): SignalView => ({
  eventId: row.event_id,
  at: toMs(row.occurred_at),
  intent: row.intent,
  intentConfidence: Number(row.intent_confidence),
  sentiment: Number(row.sentiment),
  sentimentLabel: row.sentiment_label,
  urgency: row.urgency,
  legalThreat: row.legal_threat,
  channel: row.channel as Channel | null,
  language: row.language,
});

export async function loadSignals(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
  limit: number,
  since?: number,
): Promise<SignalView[]> {
  const r = await q.query<SignalRow>(
    `SELECT ${SIGNAL_COLUMNS} FROM event_signals
      WHERE tenant_id = $1 AND ${signalsWhere(profileIds, '$2')} AND occurred_at >= $3 ORDER BY occurred_at DESC LIMIT $4`,
    [tenantId, profileIds.length === 1 ? profileIds[0] : [...profileIds], iso(since ?? 0), limit],
  );
  return r.rows.map(signalFromRow);
}

const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : undefined;
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** The person's language trait (a CRM language field), when one is set; ISO 639-1. */
export function languageTrait(traits: Readonly<Record<string, unknown>>): string | undefined {
  return (
    primaryLanguage(traits['language']) ??
    primaryLanguage(traits['locale']) ??
    primaryLanguage(traits['preferredLanguage']) ??
    primaryLanguage(traits['hs_language'])
  );
}

/** The language of the person's latest understood message that had one (ISO 639-1). */
export async function latestMessageLanguage(q: Queryable, tenantId: string, profileIds: readonly string[]): Promise<string | undefined> {
  const r = await q.query<{ language: string }>(
    `SELECT language FROM event_signals WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) AND language IS NOT NULL AND language <> 'und' ORDER BY occurred_at DESC LIMIT 1`,
    [tenantId, [...profileIds]],
  );
  return primaryLanguage(r.rows[0]?.language);
}

/** Everything `decide` needs about one person, read in a few statements. */
/** What the decision reads besides the snapshot, fetched in the snapshot's statement when asked for. */
export interface SnapshotAhead {
  /** The catalog's actions: their posteriors (decisioning_posteriors rows). */
  readonly actionIds: readonly string[];
  /** The person's contacts (every alias) at or after this time (epoch ms), oldest first. */
  readonly contactsSince: number;
  /**
   * The holdout assignment of `profileId` (the person's live id), drawn in the same statement if it never
   * was: this draw is stored unless one is (as HoldoutAssignments.assign: the first wins).
   */
  readonly holdout?: { readonly profileId: string; readonly drawn: boolean; readonly share: number; readonly salt: string };
}

export async function loadSnapshot(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
  now: number,
  ahead?: SnapshotAhead,
): Promise<{
  snapshot: ProfileSnapshot;
  state: ProfileState | null;
  posteriors?: PosteriorRow[];
  contacts?: ContactRow[];
  /** With `ahead.holdout`: the stored assignment (null: a racing draw committed meanwhile, not in this statement's view). */
  inHoldout?: boolean | null;
}> {
  const profileId = profileIds[0] ?? '';
  // One statement for the state, the recent signals, open tickets and consent (each a JSON column), and
  // when asked the posteriors and contacts the decision reads next. A person with one id (the usual
  // case) is read by equality on that id: every read is a key lookup whatever the values, so the
  // statement is kept prepared (a generic plan of the `= ANY` form read a whole tenant's states and
  // contacts: measured); a merged person's several ids take the `= ANY` form, planned per call.
  const single = profileIds.length === 1;
  const byProfile = single ? 'profile_id = $2' : 'profile_id = ANY($2::text[])';
  const params: unknown[] = [
    tenantId,
    single ? profileId : [...profileIds],
    iso(now - 30 * DAY_MS),
    ...(single ? [] : [profileId]),
    ...(ahead === undefined ? [] : [[...ahead.actionIds], iso(ahead.contactsSince)]),
  ];
  // The holdout draw (a person's first decision): stored unless one is, in this statement (one round
  // trip fewer than HoldoutAssignments.assign's own statement); the stored one answered.
  const holdout = ahead?.holdout;
  const drawSql =
    holdout === undefined
      ? ''
      : `WITH drawn AS (
         INSERT INTO holdout_assignments (tenant_id, profile_id, in_holdout, share, salt)
         VALUES ($1, $${params.push(holdout.profileId)}, $${params.push(holdout.drawn)}, $${params.push(holdout.share)}, $${params.push(holdout.salt)})
         ON CONFLICT DO NOTHING RETURNING in_holdout)
     `;
  const sql = `${drawSql}SELECT
       (SELECT to_jsonb(s) FROM (SELECT ${STATE_COLUMNS} FROM journey_states WHERE tenant_id = $1 AND ${byProfile}
          ${single ? '' : `ORDER BY (profile_id = $4) DESC, updated_at DESC `}LIMIT 1) s) AS state,
       (SELECT coalesce(jsonb_agg(g ORDER BY g.occurred_at DESC), '[]'::jsonb) FROM (SELECT ${SIGNAL_COLUMNS} FROM event_signals
          WHERE tenant_id = $1 AND ${signalsWhere(profileIds, '$2')} AND occurred_at >= $3 ORDER BY occurred_at DESC LIMIT 50) g) AS signals,
       (SELECT coalesce(jsonb_agg(t), '[]'::jsonb) FROM (SELECT ticket_id, priority, opened_at FROM profile_tickets
          WHERE tenant_id = $1 AND ${byProfile} AND status = 'open') t) AS tickets,
       (SELECT coalesce(jsonb_agg(c ORDER BY c.updated_at), '[]'::jsonb) FROM (SELECT channel, status, updated_at FROM profile_consent
          WHERE tenant_id = $1 AND ${byProfile}) c) AS consent${
            ahead === undefined
              ? ''
              : `,
       (SELECT coalesce(jsonb_agg(p), '[]'::jsonb) FROM (SELECT action_id, segment, positives, negatives FROM decisioning_posteriors
          WHERE tenant_id = $1 AND action_id = ANY($${single ? 4 : 5}::text[])) p) AS posteriors,
       (SELECT coalesce(jsonb_agg(h ORDER BY h.at), '[]'::jsonb) FROM (SELECT action_id, channel, at FROM contact_history
          WHERE tenant_id = $1 AND ${byProfile} AND at >= $${single ? 5 : 6}) h) AS contacts`
          }${
            holdout === undefined
              ? ''
              : `,
       coalesce((SELECT in_holdout FROM drawn),
                (SELECT in_holdout FROM holdout_assignments WHERE tenant_id = $1 AND profile_id = $${params.length - 3})) AS in_holdout`
          }`;
  const r = await q.query<{
    state: StateRow | null;
    signals: SignalRow[];
    tickets: { ticket_id: string; priority: TicketPriority; opened_at: string }[];
    consent: { channel: Channel; status: ConsentStatus }[];
    posteriors?: PosteriorRow[];
    contacts?: ContactRow[];
    in_holdout?: boolean | null;
  }>(single ? prepared(sql) : sql, params);
  const row = r.rows[0];
  const state = row?.state === null || row?.state === undefined ? null : stateFromRow(row.state);
  const signals = (row?.signals ?? []).map(signalFromRow);
  const tickets = { rows: row?.tickets ?? [] };
  const consent = { rows: row?.consent ?? [] };
  const traits = state?.traits ?? {};
  const timeZone = text(traits['timeZone']) ?? text(traits['timezone']) ?? text(traits['tz']);
  const accountValue = num(traits['accountValue']) ?? num(traits['arr']) ?? num(traits['annualRevenue']) ?? num(traits['amount']);
  const segment = text(traits['segment']);
  // An explicit preference (a CRM language field) wins over what the person last wrote in.
  const language = languageTrait(traits) ?? signals.map((s) => primaryLanguage(s.language)).find((l) => l !== undefined);
  const recentSignals: SignalObservation[] = signals.map((s) => ({
    intent: s.intent,
    sentiment: s.sentiment,
    urgency: s.urgency,
    at: s.at,
    ...(s.legalThreat ? { legalThreat: true } : {}),
    ...(s.channel !== null ? { channel: s.channel } : {}),
  }));
  const openTickets: OpenTicket[] = tickets.rows.map((t) => ({ id: t.ticket_id, priority: t.priority, openedAt: toMs(t.opened_at) }));
  const snapshot: ProfileSnapshot = {
    profileId,
    ...(segment !== undefined ? { segment } : {}),
    ...(state !== null ? { stage: state.stage, hotness: hotnessIndex(state.hotness, now), lastInboundAt: state.lastInbound } : {}),
    ...(timeZone !== undefined ? { timeZone } : {}),
    ...(language !== undefined ? { language } : {}),
    ...(accountValue !== undefined ? { accountValue } : {}),
    traits,
    consent: Object.fromEntries(consent.rows.map((c) => [c.channel, c.status])),
    openTickets,
    recentSignals,
  };
  return {
    snapshot,
    state,
    ...(row?.posteriors === undefined ? {} : { posteriors: row.posteriors }),
    ...(row?.contacts === undefined ? {} : { contacts: row.contacts }),
    ...(holdout === undefined ? {} : { inHoldout: row?.in_holdout ?? null }),
  };
}

/** Display hotness: 0–100 now, and whether it is rising (a recent warming signal), cooling (quiet for two days) or steady. */
export function hotnessView(
  state: ProfileState,
  now: number,
): { score: number; trend: 'rising' | 'steady' | 'cooling'; updatedAt: string } {
  const score = hotnessIndex(state.hotness, now);
  const last = state.lastSignalAt;
  const trend =
    last !== null && now - last < DAY_MS && (state.lastSignalWeight ?? 0) > 0
      ? 'rising'
      : last === null || now - last > 2 * DAY_MS
        ? score > 0
          ? 'cooling'
          : 'steady'
        : 'steady';
  return { score, trend, updatedAt: iso(Math.max(state.hotness.asOf, state.updatedAt)) };
}

/** The signals stored for one event (null: none yet). */
export async function eventSignals(q: Queryable, tenantId: string, eventId: string): Promise<Signals | null> {
  const r = await q.query<{
    intent: Signals['intent'];
    intent_confidence: number;
    sentiment: number;
    sentiment_label: Signals['sentimentLabel'];
    urgency: Signals['urgency'];
    language: string | null;
  }>(
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

export interface EventSignalsRow {
  readonly tenantId: string;
  readonly eventId: string;
  readonly profileId: string;
  /** Epoch ms. */
  readonly occurredAt: number;
  readonly signals: Signals;
  readonly legalThreat: boolean;
  readonly channel: string | null;
  /** Which extractor produced them (offline, openai, anthropic). */
  readonly extractor: string;
}

const SIGNALS_INSERT_COLUMNS =
  'tenant_id, event_id, profile_id, occurred_at, intent, intent_confidence, sentiment, sentiment_label, urgency, language, legal_threat, channel, extractor';

/** The values of an event_signals row, in SIGNALS_INSERT_COLUMNS order. */
function signalsValues(row: EventSignalsRow): unknown[] {
  const s = row.signals;
  return [
    row.tenantId,
    row.eventId,
    row.profileId,
    iso(row.occurredAt),
    s.intent,
    s.intentConfidence,
    s.sentiment,
    s.sentimentLabel,
    s.urgency,
    s.language ?? null,
    row.legalThreat,
    row.channel,
    row.extractor,
  ];
}

/** Whether this event moved the person's journey stage (from the transition history). */
export async function eventMovedStage(q: Queryable, tenantId: string, profileId: string, eventId: string): Promise<boolean> {
  const moved = await q.query(
    `SELECT 1 FROM journey_transitions WHERE tenant_id = $1 AND profile_id = $2 AND event_id = $3 AND from_stage IS NOT NULL LIMIT 1`,
    [tenantId, profileId, eventId],
  );
  return moved.rows.length > 0;
}

/** One of a person's latest events with the signals read from it (the record card's signals). */
export interface EventSignalRow {
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly occurred_at: Date | string;
  readonly text: string | null;
  readonly intent: string | null;
  readonly intent_confidence: number | null;
  readonly sentiment: number | null;
  readonly sentiment_label: 'positive' | 'neutral' | 'negative' | null;
  readonly urgency: Urgency | null;
  readonly language: string | null;
}

/** The `limit` latest events of these profiles (a person's aliases), newest first, with their signals. */
export async function latestEventSignals(
  q: Queryable,
  tenantId: string,
  aliases: readonly string[],
  limit: number,
): Promise<EventSignalRow[]> {
  const r = await q.query<EventSignalRow>(
    `SELECT e.id, e.source, e.type, e.occurred_at, e.text, s.intent, s.intent_confidence, s.sentiment, s.sentiment_label, s.urgency, s.language
       FROM events e LEFT JOIN event_signals s ON s.tenant_id = e.tenant_id AND s.event_id = e.id
      WHERE e.tenant_id = $1 AND ${aliases.length === 1 ? 'e.profile_id = $2' : 'e.profile_id = ANY($2::text[])'} ORDER BY e.occurred_at DESC LIMIT $3`,
    [tenantId, aliases.length === 1 ? aliases[0] : [...aliases], limit],
  );
  return r.rows;
}
