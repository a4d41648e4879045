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
    const cached = this.known(tenantId, profileId);
    if (cached !== undefined) return cached;
    const assigned = await this.assign(tenantId, profileId, config);
    this.remember(tenantId, profileId, assigned);
    return assigned;
  }

  /** The assignment this process knows already (undefined: read or draw it). */
  known(tenantId: string, profileId: string): boolean | undefined {
    return this.cache.get(`${tenantId}\u0000${profileId}`);
  }

  /** What a draw for this profile stores if it never was assigned (for a statement that draws it, e.g. decide's snapshot). */
  draw(profileId: string, config: DecisioningConfig): { drawn: boolean; share: number; salt: string } {
    return { drawn: isInHoldout(profileId, config.holdout), share: config.holdout.share, salt: config.holdout.salt };
  }

  /** Keeps an assignment read from the database (stored: it never changes). */
  remember(tenantId: string, profileId: string, inHoldout: boolean): void {
    if (this.cache.size >= HOLDOUT_CACHE_MAX) this.cache.clear();
    this.cache.set(`${tenantId}\u0000${profileId}`, inHoldout);
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
