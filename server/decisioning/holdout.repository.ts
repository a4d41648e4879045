/**
 * The persistent holdout assignment: drawn once per profile (app/decisioning/holdout.ts) and kept in
 * holdout_assignments, so changing the share or salt later does not move people who were already
 * assigned (their history would otherwise mix both groups). Remembered per process, since it never changes.
 */
import { isInHoldout, type DecisioningConfig } from '../../app/decisioning';
import { prepared, type Database } from '../db/database';

/** Holdout assignments never change once drawn: remembered per (tenant, profile) in this process. */
const HOLDOUT_CACHE_MAX = 100_000;

export class HoldoutAssignments {
  private readonly cache = new Map<string, boolean>();

  constructor(private readonly db: Database) {}

  /** Whether the profile is in the holdout group, assigned now (under `config.holdout`) if it never was. */
  async of(tenantId: string, profileId: string, config: DecisioningConfig): Promise<boolean> {
    const cacheKey = `${tenantId}\u0000${profileId}`;
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined) return cached;
    const assigned = await this.assign(tenantId, profileId, config);
    if (this.cache.size >= HOLDOUT_CACHE_MAX) this.cache.clear();
    this.cache.set(cacheKey, assigned);
    return assigned;
  }

  /**
   * Assigns every one of these profiles not remembered yet in one statement (a micro-batch's people,
   * before their decisions), so each `of` after it is answered from memory: draws stored now, stored
   * ones read. A profile whose draw a concurrent statement is storing is left to `of`. The draw is the
   * one `of` would make (a hash of the id under `config.holdout`), made at the person's event rather
   * than at their first decision.
   */
  async assignMany(tenantId: string, profileIds: readonly string[], config: DecisioningConfig): Promise<void> {
    // Sorted: concurrent batches insert shared people in one order (no deadlock between their inserts).
    const unknown = [...new Set(profileIds)].filter((id) => !this.cache.has(`${tenantId}\u0000${id}`)).sort();
    if (unknown.length === 0) return;
    const r = await this.db.query<{ profile_id: string; in_holdout: boolean }>(
      prepared(`WITH input AS (SELECT * FROM unnest($2::text[], $3::boolean[]) AS i(profile_id, in_holdout)),
       drawn AS (
         INSERT INTO holdout_assignments (tenant_id, profile_id, in_holdout, share, salt)
         SELECT $1, i.profile_id, i.in_holdout, $4, $5 FROM input i ORDER BY i.profile_id
         ON CONFLICT DO NOTHING RETURNING profile_id, in_holdout)
       SELECT profile_id, in_holdout FROM drawn
       UNION ALL
       SELECT h.profile_id, h.in_holdout FROM holdout_assignments h JOIN input i ON h.profile_id = i.profile_id WHERE h.tenant_id = $1`),
      [tenantId, unknown, unknown.map((id) => isInHoldout(id, config.holdout)), config.holdout.share, config.holdout.salt],
    );
    if (this.cache.size + r.rows.length >= HOLDOUT_CACHE_MAX) this.cache.clear();
    for (const row of r.rows) this.cache.set(`${tenantId}\u0000${row.profile_id}`, row.in_holdout);
  }

  private async assign(tenantId: string, profileId: string, config: DecisioningConfig): Promise<boolean> {
    const drawn = isInHoldout(profileId, config.holdout);
    // One statement: the stored assignment, or this draw stored now. The first assignment wins: on a
    // conflict the stored row is answered (read in the statement's snapshot).
    const r = await this.db.query<{ in_holdout: boolean }>(
      prepared(`WITH drawn AS (
         INSERT INTO holdout_assignments (tenant_id, profile_id, in_holdout, share, salt) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING in_holdout)
       SELECT in_holdout FROM drawn
       UNION ALL
       SELECT in_holdout FROM holdout_assignments WHERE tenant_id = $1 AND profile_id = $2
       LIMIT 1`),
      [tenantId, profileId, drawn, config.holdout.share, config.holdout.salt],
    );
    if (r.rows[0] !== undefined) return r.rows[0].in_holdout;
    // A racing assignment committed while this statement ran (not in its snapshot): read it.
    const again = await this.db.query<{ in_holdout: boolean }>(
      'SELECT in_holdout FROM holdout_assignments WHERE tenant_id = $1 AND profile_id = $2',
      [tenantId, profileId],
    );
    return again.rows[0]?.in_holdout ?? drawn;
  }
}
