/**
 * The decisions table: logged decisions with their status (proposed, accepted, snoozed…), draft, run
 * and settlement. Every read and status move of a decision goes through here; deciding and settling
 * are the use cases' (decide.use-case.ts, outcomes.use-case.ts).
 */
import type { DecisionRecord, Settlement } from '../../app/decisioning';
import type { Clock } from '../../app/shared/clock';
import type { Queryable } from '../db/database';
import { iso, toMs, type DecisionOrigin, type DecisionStatus } from './stores.repository';

export interface StoredDecision {
  readonly record: DecisionRecord;
  readonly settlement: Settlement | null;
  readonly origin: DecisionOrigin;
  readonly status: DecisionStatus;
  readonly until: number | null;
  readonly statusAt: number;
  readonly draft: { subject?: string; body: string } | null;
  readonly runId: string | null;
}

interface DecisionDbRow {
  record: DecisionRecord;
  settlement: Settlement | null;
  origin: DecisionOrigin;
  status: DecisionStatus;
  status_until: Date | string | null;
  status_at: Date | string;
  draft: { subject?: string; body: string } | null;
  run_id: string | null;
}

const DECISION_SELECT = `SELECT d.record, o.settlement, d.origin, d.status, d.status_until, d.status_at, d.draft, d.run_id
  FROM decisions d LEFT JOIN decision_outcomes o ON o.tenant_id = d.tenant_id AND o.decision_id = d.id`;

function fromRow(row: DecisionDbRow): StoredDecision {
  return {
    record: row.record,
    settlement: row.settlement,
    origin: row.origin,
    status: row.status,
    until: row.status_until === null ? null : toMs(row.status_until),
    statusAt: toMs(row.status_at),
    draft: row.draft,
    runId: row.run_id,
  };
}

/** What a status move may change besides the status. */
export interface TransitionExtra {
  readonly until?: number;
  readonly draft?: { subject?: string; body: string };
  readonly runId?: string;
}

export class DecisionRepository {
  constructor(private readonly clock: Clock) {}

  async findByKey(q: Queryable, tenantId: string, key: string): Promise<StoredDecision | undefined> {
    const r = await q.query<DecisionDbRow>(`${DECISION_SELECT} WHERE d.tenant_id = $1 AND d.idempotency_key = $2`, [tenantId, key]);
    const row = r.rows[0];
    return row === undefined ? undefined : fromRow(row);
  }

  /** A page of the tenant's decisions, newest first (by decided_at, then id), optionally of some profile ids or one action. */
  async list(
    q: Queryable,
    tenantId: string,
    filter: { profileIds?: readonly string[]; actionId?: string; limit: number; before?: { decidedAt: number; id: string } },
  ): Promise<StoredDecision[]> {
    const r = await q.query<DecisionDbRow>(
      `${DECISION_SELECT}
        WHERE d.tenant_id = $1 AND ($2::text[] IS NULL OR d.profile_id = ANY($2::text[])) AND ($3::text IS NULL OR d.action_id = $3)
          AND ($4::timestamptz IS NULL OR (d.decided_at, d.id) < ($4::timestamptz, $5::text))
        ORDER BY d.decided_at DESC, d.id DESC
        LIMIT $6`,
      [
        tenantId,
        filter.profileIds === undefined ? null : [...filter.profileIds],
        filter.actionId ?? null,
        filter.before === undefined ? null : new Date(filter.before.decidedAt).toISOString(),
        filter.before?.id ?? null,
        filter.limit,
      ],
    );
    return r.rows.map(fromRow);
  }

  async get(q: Queryable, tenantId: string, decisionId: string): Promise<StoredDecision | undefined> {
    const r = await q.query<DecisionDbRow>(`${DECISION_SELECT} WHERE d.tenant_id = $1 AND d.id = $2`, [tenantId, decisionId]);
    const row = r.rows[0];
    return row === undefined ? undefined : fromRow(row);
  }

  /**
   * The latest decision about a person (any of their merged ids). The latest id per profile id is
   * found on the (tenant, profile, decided_at DESC) index first: with `profile_id = ANY(...)` the
   * planner would read and sort every decision of the person (records included) for the card.
   */
  async current(q: Queryable, tenantId: string, profileIds: readonly string[]): Promise<StoredDecision | undefined> {
    const r = await q.query<DecisionDbRow>(
      `${DECISION_SELECT} WHERE d.tenant_id = $1 AND d.id = (
         SELECT latest.id FROM unnest($2::text[]) AS p(id)
           CROSS JOIN LATERAL (SELECT x.id, x.decided_at FROM decisions x WHERE x.tenant_id = $1 AND x.profile_id = p.id ORDER BY x.decided_at DESC LIMIT 1) AS latest
          ORDER BY latest.decided_at DESC LIMIT 1)`,
      [tenantId, [...profileIds]],
    );
    const row = r.rows[0];
    return row === undefined ? undefined : fromRow(row);
  }

  /** Moves a decision's status if it is currently in one of `from`; false when it was not (stale card, double click). */
  async transition(
    q: Queryable,
    tenantId: string,
    decisionId: string,
    from: readonly DecisionStatus[],
    to: DecisionStatus,
    extra: TransitionExtra = {},
  ): Promise<boolean> {
    const r = await q.query(
      `UPDATE decisions SET status = $4, status_until = $5, status_at = $6, draft = coalesce($7::jsonb, draft), run_id = coalesce($8, run_id)
        WHERE tenant_id = $1 AND id = $2 AND status = ANY($3::text[])`,
      [
        tenantId,
        decisionId,
        [...from],
        to,
        extra.until === undefined ? null : iso(extra.until),
        iso(this.clock.now()),
        extra.draft === undefined ? null : JSON.stringify(extra.draft),
        extra.runId ?? null,
      ],
    );
    return r.rowCount === 1;
  }

  async setRun(q: Queryable, tenantId: string, decisionId: string, runId: string): Promise<void> {
    await q.query('UPDATE decisions SET run_id = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, decisionId, runId]);
  }

  /** The latest decision behind a run that is not settled and whose attribution window is still open. */
  async openDecisionOfRun(q: Queryable, tenantId: string, runId: string): Promise<string | undefined> {
    const r = await q.query<{ id: string }>(
      `SELECT d.id FROM decisions d WHERE d.tenant_id = $1 AND d.run_id = $2 AND d.attribution_ends_at > now()
         AND NOT EXISTS (SELECT 1 FROM decision_outcomes o WHERE o.tenant_id = d.tenant_id AND o.decision_id = d.id)
       ORDER BY d.decided_at DESC LIMIT 1`,
      [tenantId, runId],
    );
    return r.rows[0]?.id;
  }

  /** Tenants with a decision whose attribution window ended before `now` and that nothing settled yet (at most 1000). */
  async tenantsWithExpired(q: Queryable, now: number): Promise<string[]> {
    const r = await q.query<{ tenant_id: string }>(
      `SELECT DISTINCT d.tenant_id FROM decisions d WHERE d.attribution_ends_at < $1 AND (d.action_id IS NOT NULL OR d.holdout)
         AND NOT EXISTS (SELECT 1 FROM decision_outcomes o WHERE o.tenant_id = d.tenant_id AND o.decision_id = d.id) LIMIT 1000`,
      [iso(now)],
    );
    return r.rows.map((row) => row.tenant_id);
  }
}
