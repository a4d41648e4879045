/**
 * SQL adapters of the decisioning ports (app/decisioning/ports.ts), one instance per tenant, over a
 * Queryable (the database or an open transaction). `PosteriorStore.apply` is an atomic increment and
 * `DecisionStore.settle` a conditional insert, so several processes can learn at once.
 */
import type { ContactHistoryStore, DecisionStore, PosteriorStore } from '../../app/decisioning/ports';
import type { LiftRow } from '../../app/decisioning/learning/lift';
import type { PosteriorUpdate, Settlement } from '../../app/decisioning/learning/outcomes';
import type { DecisionRecord } from '../../app/decisioning/record';
import type { ActionEvidence, Channel, ContactRecord, PropensityTable } from '../../app/decisioning/types';
import { prepared, type Queryable } from '../db/database';

export const toMs = (v: Date | string | number): number => (typeof v === 'number' ? v : new Date(v).getTime());
export const iso = (ms: number): string => new Date(ms).toISOString();

export type DecisionOrigin = 'api' | 'pipeline' | 'run' | 'card';
export type DecisionStatus = 'proposed' | 'accepted' | 'snoozed' | 'dismissed' | 'deferred' | 'none';

export interface PosteriorRow {
  action_id: string;
  segment: string;
  positives: string | number;
  negatives: string | number;
}

/** Posterior rows (one per action and segment) as the table the core reads. */
export function propensityTable(rows: readonly PosteriorRow[]): PropensityTable {
  const table: Record<
    string,
    { positives: number; negatives: number; segments: Record<string, { positives: number; negatives: number }> }
  > = {};
  for (const row of rows) {
    const entry = (table[row.action_id] ??= { positives: 0, negatives: 0, segments: {} });
    const positives = Number(row.positives);
    const negatives = Number(row.negatives);
    entry.positives += positives;
    entry.negatives += negatives;
    entry.segments[row.segment] = { positives, negatives };
  }
  return table as Record<string, ActionEvidence>;
}

/**
 * The statement of `DecisionStore.openFor`: a person's unsettled decisions whose attribution window holds
 * `at`, newest first, with the placeholders given (so another statement can carry it as a subquery).
 */
export const openDecisionsSql = (tenant: string, ids: string, at: string): string =>
  `SELECT d.record FROM decisions d
    WHERE d.tenant_id = ${tenant} AND d.profile_id = ANY(${ids}::text[]) AND d.decided_at <= ${at}::timestamptz AND d.attribution_ends_at >= ${at}::timestamptz
      AND (d.action_id IS NOT NULL OR d.holdout)
      AND NOT EXISTS (SELECT 1 FROM decision_outcomes o WHERE o.tenant_id = d.tenant_id AND o.decision_id = d.id)
    ORDER BY d.decided_at DESC LIMIT 50`;

export class SqlPosteriorStore implements PosteriorStore {
  constructor(
    private readonly q: Queryable,
    private readonly tenantId: string,
  ) {}

  async load(actionIds: readonly string[]): Promise<PropensityTable> {
    if (actionIds.length === 0) return {};
    const r = await this.q.query<PosteriorRow>(
      'SELECT action_id, segment, positives, negatives FROM decisioning_posteriors WHERE tenant_id = $1 AND action_id = ANY($2::text[])',
      [this.tenantId, [...actionIds]],
    );
    return propensityTable(r.rows);
  }

  async apply(update: PosteriorUpdate): Promise<void> {
    const [p, n] = update.positive ? [1, 0] : [0, 1];
    await this.q.query(
      `INSERT INTO decisioning_posteriors (tenant_id, action_id, segment, positives, negatives) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, action_id, segment) DO UPDATE
         SET positives = decisioning_posteriors.positives + excluded.positives, negatives = decisioning_posteriors.negatives + excluded.negatives`,
      [this.tenantId, update.actionId, update.segment, p, n],
    );
  }
}

export interface ContactRow {
  action_id: string;
  channel: string;
  at: Date | string;
}

export const contactRecord = (row: ContactRow): ContactRecord => ({
  actionId: row.action_id,
  channel: row.channel as Channel,
  at: toMs(row.at),
});

/**
 * Posteriors read ahead (with the decision's snapshot, in the same statement): `load` of exactly those
 * actions is served from them, anything else and every write goes to `fallback`.
 */
export class PreloadedPosteriorStore implements PosteriorStore {
  constructor(
    private readonly actionIds: readonly string[],
    private readonly table: PropensityTable,
    private readonly fallback: PosteriorStore,
  ) {}

  load(actionIds: readonly string[]): Promise<PropensityTable> {
    const same = actionIds.length === this.actionIds.length && actionIds.every((id, i) => id === this.actionIds[i]);
    return same ? Promise.resolve(this.table) : this.fallback.load(actionIds);
  }

  apply(update: PosteriorUpdate): Promise<void> {
    return this.fallback.apply(update);
  }
}

/**
 * A person's contacts since `since` read ahead (with the decision's snapshot): `recent` for that person
 * and any later time is served from them (oldest first, as the SQL store returns them); anything else
 * and every write goes to `fallback`.
 */
export class PreloadedContactHistory implements ContactHistoryStore {
  constructor(
    private readonly profileId: string,
    private readonly since: number,
    private readonly records: readonly ContactRecord[],
    private readonly fallback: ContactHistoryStore,
  ) {}

  recent(profileId: string, since: number): Promise<ContactRecord[]> {
    if (profileId !== this.profileId || since < this.since) return this.fallback.recent(profileId, since);
    return Promise.resolve(this.records.filter((r) => r.at >= since));
  }

  append(profileId: string, record: ContactRecord): Promise<void> {
    return this.fallback.append(profileId, record);
  }
}

export class SqlContactHistory implements ContactHistoryStore {
  /** @param aliases Ids merged into the profile: their contacts count too. */
  constructor(
    private readonly q: Queryable,
    private readonly tenantId: string,
    private readonly aliases: readonly string[] = [],
  ) {}

  async recent(profileId: string, since: number): Promise<ContactRecord[]> {
    const r = await this.q.query<ContactRow>(
      'SELECT action_id, channel, at FROM contact_history WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) AND at >= $3 ORDER BY at',
      [this.tenantId, [profileId, ...this.aliases.filter((a) => a !== profileId)], iso(since)],
    );
    return r.rows.map(contactRecord);
  }

  async append(profileId: string, record: ContactRecord): Promise<void> {
    await this.recordDelivery(profileId, `${record.actionId}@${record.at}`, record);
  }

  /** One contact per decision: delivering the same decision again (a retried step) counts once. */
  async recordDelivery(profileId: string, decisionId: string, record: ContactRecord): Promise<void> {
    await this.q.query(
      `INSERT INTO contact_history (tenant_id, profile_id, decision_id, action_id, channel, at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT DO NOTHING`,
      [this.tenantId, profileId, decisionId, record.actionId, record.channel, iso(record.at)],
    );
  }
}

export interface DecisionSaveOptions {
  readonly origin: DecisionOrigin;
  /** Re-asks with the same key get the logged decision (run steps, pipeline events). */
  readonly idempotencyKey?: string;
}

interface DecisionRow {
  record: DecisionRecord;
  settlement: Settlement | null;
}

export function initialStatus(record: DecisionRecord): { status: DecisionStatus; until: number | null } {
  if (record.action === null) return { status: 'none', until: null };
  if (record.action.deliverAt !== undefined) return { status: 'deferred', until: record.action.deliverAt };
  return { status: 'proposed', until: null };
}

export class SqlDecisionStore implements DecisionStore {
  /** Whether the last `save` inserted its record (false: a decision with the same idempotency key was there). */
  lastSaveInserted = false;

  constructor(
    private readonly q: Queryable,
    private readonly tenantId: string,
    private readonly saveOptions: DecisionSaveOptions = { origin: 'api' },
  ) {}

  async save(record: DecisionRecord): Promise<void> {
    const { status, until } = initialStatus(record);
    const r = await this.q.query(
      prepared(`INSERT INTO decisions (tenant_id, id, profile_id, decided_at, origin, idempotency_key, action_id, holdout, mode, propensity, score,
          record, attribution_ends_at, status, status_until, status_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, $15, $4)
       ON CONFLICT DO NOTHING`),
      [
        this.tenantId,
        record.decisionId,
        record.profileId,
        iso(record.decidedAt),
        this.saveOptions.origin,
        this.saveOptions.idempotencyKey ?? null,
        record.action?.id ?? null,
        record.holdout,
        record.mode,
        record.propensity,
        record.score,
        JSON.stringify(record),
        iso(record.attributionEndsAt),
        status,
        until === null ? null : iso(until),
      ],
    );
    this.lastSaveInserted = r.rowCount === 1;
  }

  async get(decisionId: string): Promise<DecisionRow | undefined> {
    const r = await this.q.query<DecisionRow>(
      `SELECT d.record, o.settlement FROM decisions d LEFT JOIN decision_outcomes o ON o.tenant_id = d.tenant_id AND o.decision_id = d.id
        WHERE d.tenant_id = $1 AND d.id = $2`,
      [this.tenantId, decisionId],
    );
    return r.rows[0];
  }

  async settle(settlement: Settlement): Promise<boolean> {
    const lift = settlement.lift;
    const r = await this.q.query(
      `INSERT INTO decision_outcomes (tenant_id, decision_id, outcome, value, at, implicit, settlement, lift_group, lift_action_id, lift_positive)
       SELECT $1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10 WHERE EXISTS (SELECT 1 FROM decisions WHERE tenant_id = $1 AND id = $2)
       ON CONFLICT DO NOTHING`,
      [
        this.tenantId,
        settlement.decisionId,
        settlement.outcome,
        settlement.value,
        iso(settlement.at),
        settlement.implicit,
        JSON.stringify(settlement),
        lift?.group ?? null,
        lift?.actionId ?? null,
        lift === null ? null : lift.positive,
      ],
    );
    return r.rowCount === 1;
  }

  async openFor(profileIds: readonly string[], at: number): Promise<DecisionRecord[]> {
    const r = await this.q.query<{ record: DecisionRecord }>(openDecisionsSql('$1', '$2', '$3'), [this.tenantId, [...profileIds], iso(at)]);
    return r.rows.map((row) => row.record);
  }

  async expired(now: number, limit: number): Promise<DecisionRecord[]> {
    const r = await this.q.query<{ record: DecisionRecord }>(
      `SELECT d.record FROM decisions d
        WHERE d.tenant_id = $1 AND d.attribution_ends_at < $2 AND (d.action_id IS NOT NULL OR d.holdout)
          AND NOT EXISTS (SELECT 1 FROM decision_outcomes o WHERE o.tenant_id = d.tenant_id AND o.decision_id = d.id)
        ORDER BY d.attribution_ends_at LIMIT $3`,
      [this.tenantId, iso(now), limit],
    );
    return r.rows.map((row) => row.record);
  }

  async liftRows(): Promise<LiftRow[]> {
    const r = await this.q.query<{
      lift_group: 'treated' | 'holdout';
      lift_action_id: string | null;
      decisions: string | number;
      positives: string | number;
    }>(
      `SELECT lift_group, lift_action_id, count(*) AS decisions, count(*) FILTER (WHERE lift_positive) AS positives
         FROM decision_outcomes WHERE tenant_id = $1 AND lift_group IS NOT NULL GROUP BY lift_group, lift_action_id`,
      [this.tenantId],
    );
    return r.rows.map((row) => ({
      group: row.lift_group,
      actionId: row.lift_action_id,
      decisions: Number(row.decisions),
      positives: Number(row.positives),
    }));
  }
}
