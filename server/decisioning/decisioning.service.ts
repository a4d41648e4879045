/**
 * Decisioning inside the service: loads the tenant's catalog and policies and the person's snapshot,
 * keeps the holdout assignment persistent, runs the pure core through DecisioningService over the
 * SQL ports, and tracks what happened to each decision (status, outcome, contact).
 */
import { createSeededRandom, DecisioningService, isInHoldout, type Action, type Channel, type DecisionContext, type DecisionRecord, type DecisioningConfig, type LiftReport, type Outcome, type Settlement } from '../../app/decisioning';
import type { Database, Queryable } from '../db/database';
import { newId, newToken } from '../security/ids';
import { profileAliases } from '../identity/profiles.repository';
import { loadSnapshot } from './profile-state.repository';
import { loadCatalog, loadConfig } from './settings.repository';
import { initialStatus, iso, SqlContactHistory, SqlDecisionStore, SqlPosteriorStore, toMs, type DecisionOrigin, type DecisionStatus } from './sql-stores';

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

export interface DecideOptions {
  readonly origin: DecisionOrigin;
  /** Asking again with the same key returns the logged decision instead of deciding anew. */
  readonly idempotencyKey?: string;
  /** The caller knows no decision was logged under the key yet (skips the look-up; a race still resolves to the first). */
  readonly fresh?: boolean;
  /** The profile's aliases (live id first), when the caller has them already. */
  readonly aliases?: readonly string[];
}

/** Holdout assignments never change once drawn: remembered per (tenant, profile) in this process. */
const HOLDOUT_CACHE_MAX = 100_000;

/** How long a process reuses a tenant's catalog and policies before reading them again (other processes' PUTs show up within this). */
const SETTINGS_TTL_MS = 2_000;

export class DecisioningFacade {
  private readonly random = createSeededRandom(newToken(12));
  private readonly settingsCache = new Map<string, { until: number; value: Promise<{ catalog: Action[]; config: DecisioningConfig }> }>();
  private readonly holdoutCache = new Map<string, boolean>();

  constructor(private readonly db: Database, private readonly clock: () => number = Date.now) {}

  /** The tenant's catalog and effective policies, cached briefly (decisions read them on every event). */
  settings(tenantId: string): Promise<{ catalog: Action[]; config: DecisioningConfig }> {
    const hit = this.settingsCache.get(tenantId);
    if (hit !== undefined && hit.until > Date.now()) return hit.value;
    const value = Promise.all([loadCatalog(this.db, tenantId), loadConfig(this.db, tenantId)]).then(([catalog, config]) => ({ catalog, config }));
    if (this.settingsCache.size > 10_000) this.settingsCache.clear();
    this.settingsCache.set(tenantId, { until: Date.now() + SETTINGS_TTL_MS, value });
    value.catch(() => this.settingsCache.delete(tenantId));
    return value;
  }

  /** Called after this process changed the tenant's catalog or policies. */
  invalidate(tenantId: string): void {
    this.settingsCache.delete(tenantId);
  }

  now(): number {
    return this.clock();
  }

  async findByKey(q: Queryable, tenantId: string, key: string): Promise<StoredDecision | undefined> {
    const r = await q.query<DecisionDbRow>(`${DECISION_SELECT} WHERE d.tenant_id = $1 AND d.idempotency_key = $2`, [tenantId, key]);
    const row = r.rows[0];
    return row === undefined ? undefined : fromRow(row);
  }

  /** A page of the tenant's decisions, newest first (by decided_at, then id), optionally of some profile ids or one action. */
  async list(q: Queryable, tenantId: string, filter: { profileIds?: readonly string[]; actionId?: string; limit: number; before?: { decidedAt: number; id: string } }): Promise<StoredDecision[]> {
    const r = await q.query<DecisionDbRow>(
      `${DECISION_SELECT}
        WHERE d.tenant_id = $1 AND ($2::text[] IS NULL OR d.profile_id = ANY($2::text[])) AND ($3::text IS NULL OR d.action_id = $3)
          AND ($4::timestamptz IS NULL OR (d.decided_at, d.id) < ($4::timestamptz, $5::text))
        ORDER BY d.decided_at DESC, d.id DESC
        LIMIT $6`,
      [tenantId, filter.profileIds === undefined ? null : [...filter.profileIds], filter.actionId ?? null, filter.before === undefined ? null : new Date(filter.before.decidedAt).toISOString(), filter.before?.id ?? null, filter.limit],
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

  /**
   * The holdout assignment, drawn once per profile and kept: changing the share or salt later does
   * not move people who were already assigned (their history would otherwise mix both groups).
   */
  private async holdoutOf(tenantId: string, profileId: string, config: DecisioningConfig): Promise<boolean> {
    const cacheKey = `${tenantId}\u0000${profileId}`;
    const cached = this.holdoutCache.get(cacheKey);
    if (cached !== undefined) return cached;
    const assigned = await this.assignHoldout(tenantId, profileId, config);
    if (this.holdoutCache.size >= HOLDOUT_CACHE_MAX) this.holdoutCache.clear();
    this.holdoutCache.set(cacheKey, assigned);
    return assigned;
  }

  private async assignHoldout(tenantId: string, profileId: string, config: DecisioningConfig): Promise<boolean> {
    const select = 'SELECT in_holdout FROM holdout_assignments WHERE tenant_id = $1 AND profile_id = $2';
    const known = await this.db.query<{ in_holdout: boolean }>(select, [tenantId, profileId]);
    if (known.rows[0] !== undefined) return known.rows[0].in_holdout;
    const drawn = isInHoldout(profileId, config.holdout);
    await this.db.query(
      `INSERT INTO holdout_assignments (tenant_id, profile_id, in_holdout, share, salt) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [tenantId, profileId, drawn, config.holdout.share, config.holdout.salt],
    );
    // Under a race the first assignment wins.
    const r = await this.db.query<{ in_holdout: boolean }>(select, [tenantId, profileId]);
    return r.rows[0]?.in_holdout ?? drawn;
  }

  /** Whether the profile is in the persistent holdout group (assigned now if it never was). */
  async inHoldout(tenantId: string, profileId: string): Promise<boolean> {
    const { config } = await this.settings(tenantId);
    return this.holdoutOf(tenantId, profileId, config);
  }

  /** Decides for a live profile id and logs the decision with its explanation. */
  async decide(tenantId: string, profileId: string, context: DecisionContext, options: DecideOptions): Promise<StoredDecision> {
    if (options.idempotencyKey !== undefined && options.fresh !== true) {
      const logged = await this.findByKey(this.db, tenantId, options.idempotencyKey);
      if (logged !== undefined) return logged;
    }
    const now = this.clock();
    const aliases = options.aliases ?? (await profileAliases(this.db, tenantId, profileId));
    const [{ catalog, config }, { snapshot }] = await Promise.all([this.settings(tenantId), loadSnapshot(this.db, tenantId, aliases, now)]);
    const inHoldout = await this.holdoutOf(tenantId, profileId, config);
    const overridden = inHoldout !== isInHoldout(profileId, config.holdout);
    const effective: DecisioningConfig = overridden ? { ...config, holdout: { ...config.holdout, share: inHoldout ? 1 : 0 } } : config;
    const decisions = new SqlDecisionStore(this.db, tenantId, { origin: options.origin, ...(options.idempotencyKey === undefined ? {} : { idempotencyKey: options.idempotencyKey }) });
    const service = new DecisioningService({
      clock: { now: () => now },
      random: this.random,
      ids: { newId },
      posteriors: new SqlPosteriorStore(this.db, tenantId),
      contacts: new SqlContactHistory(this.db, tenantId, aliases),
      decisions: {
        get: (id) => decisions.get(id),
        settle: (s) => decisions.settle(s),
        openFor: (p, at) => decisions.openFor(p, at),
        expired: (n, l) => decisions.expired(n, l),
        liftRows: () => decisions.liftRows(),
        // The persistent assignment decided the group; say so instead of quoting the overriding share.
        save: (record) => {
          saved = overridden ? { ...record, notes: record.notes.map((n) => n.replace(/in the [\d.]+% holdout group/, 'in the holdout group (assigned at first decision; kept when the share changes)')) } : record;
          return decisions.save(saved);
        },
      },
    });
    let saved: DecisionRecord | undefined;
    // The person's language rides on the decision so the chosen action goes out in it (actionParams).
    const decisionContext = snapshot.language !== undefined && context['language'] === undefined ? { ...context, language: snapshot.language } : context;
    await service.decide({ profile: snapshot, context: decisionContext, catalog, config: effective });
    if (saved !== undefined && decisions.lastSaveInserted) {
      const { status, until } = initialStatus(saved);
      return { record: saved, settlement: null, origin: options.origin, status, until, statusAt: saved.decidedAt, draft: null, runId: null };
    }
    // Under a race on the idempotency key the first decision wins: read it back.
    const stored = options.idempotencyKey !== undefined ? await this.findByKey(this.db, tenantId, options.idempotencyKey) : undefined;
    if (stored === undefined) throw new Error('a decision was not stored');
    return stored;
  }

  private service(q: Queryable, tenantId: string): DecisioningService {
    return new DecisioningService({
      clock: { now: this.clock },
      random: this.random,
      ids: { newId },
      posteriors: new SqlPosteriorStore(q, tenantId),
      contacts: new SqlContactHistory(q, tenantId),
      decisions: new SqlDecisionStore(q, tenantId),
    });
  }

  async recordOutcome(tenantId: string, decisionId: string, outcome: Outcome, value?: number): Promise<Awaited<ReturnType<DecisioningService['recordOutcome']>>> {
    return this.db.transaction((tx) => this.service(tx, tenantId).recordOutcome(decisionId, outcome, value));
  }

  /**
   * An outcome-type event (reply, meeting booked…) settles the decision it is attributed to, also a
   * decision made on a profile id that has since been merged into this one; q is the pipeline's transaction.
   */
  async recordOutcomeEvent(q: Queryable, tenantId: string, profileId: string, outcomeType: string, at: number, knownAliases?: readonly string[]): Promise<boolean> {
    const aliases = knownAliases ?? (await profileAliases(q, tenantId, profileId));
    const result = await this.service(q, tenantId).recordOutcomeEvent(aliases, outcomeType, at);
    return result?.ok === true;
  }

  async lift(tenantId: string, confidenceLevel: number): Promise<LiftReport> {
    return this.service(this.db, tenantId).lift(confidenceLevel);
  }

  /** Settles every decision whose attribution window ran out (implicit negatives), for all tenants. */
  async expireDue(limitPerTenant = 500): Promise<number> {
    const tenants = await this.db.query<{ tenant_id: string }>(
      `SELECT DISTINCT d.tenant_id FROM decisions d WHERE d.attribution_ends_at < $1 AND (d.action_id IS NOT NULL OR d.holdout)
         AND NOT EXISTS (SELECT 1 FROM decision_outcomes o WHERE o.tenant_id = d.tenant_id AND o.decision_id = d.id) LIMIT 1000`,
      [iso(this.clock())],
    );
    let settled = 0;
    for (const { tenant_id } of tenants.rows) settled += await this.service(this.db, tenant_id).expireDue(limitPerTenant);
    return settled;
  }

  /** Moves a decision's status if it is currently in one of `from`; false when it was not (stale card, double click). */
  async transition(q: Queryable, tenantId: string, decisionId: string, from: readonly DecisionStatus[], to: DecisionStatus, extra: { until?: number; draft?: { subject?: string; body: string }; runId?: string } = {}): Promise<boolean> {
    const r = await q.query(
      `UPDATE decisions SET status = $4, status_until = $5, status_at = $6, draft = coalesce($7::jsonb, draft), run_id = coalesce($8, run_id)
        WHERE tenant_id = $1 AND id = $2 AND status = ANY($3::text[])`,
      [tenantId, decisionId, [...from], to, extra.until === undefined ? null : iso(extra.until), iso(this.clock()), extra.draft === undefined ? null : JSON.stringify(extra.draft), extra.runId ?? null],
    );
    return r.rowCount === 1;
  }

  async setRun(q: Queryable, tenantId: string, decisionId: string, runId: string): Promise<void> {
    await q.query('UPDATE decisions SET run_id = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, decisionId, runId]);
  }

  /**
   * An outbound contact a run made (email, message, task step that succeeded): counts towards
   * frequency caps, once per key (the decision id, or the step's idempotency key).
   */
  async recordContact(q: Queryable, tenantId: string, profileId: string, key: string, contact: { actionId: string; channel: Channel }): Promise<void> {
    await new SqlContactHistory(q, tenantId).recordDelivery(profileId, key, { ...contact, at: this.clock() });
  }

  /** A card button's verdict as learning feedback (card_accept positive, card_dismiss negative), if the decision is still open. */
  async feedback(tenantId: string, decision: StoredDecision, outcome: Outcome): Promise<boolean> {
    if (decision.settlement !== null) return false;
    const result = await this.recordOutcome(tenantId, decision.record.decisionId, outcome);
    return result.ok;
  }
}
