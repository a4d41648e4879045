/**
 * The persistent holdout assignment: drawn once per profile (app/decisioning/holdout.ts) and kept in
 * holdout_assignments, so changing the share or salt later does not move people who were already
 * assigned (their history would otherwise mix both groups). Remembered per process, since it never changes.
 */
import { isInHoldout, type DecisioningConfig } from '../../app/decisioning';
import type { Database } from '../db/database';

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

  private async assign(tenantId: string, profileId: string, config: DecisioningConfig): Promise<boolean> {
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
}
