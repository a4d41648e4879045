/**
 * A tenant's action catalog and effective policies, read on every decision: cached briefly per
 * process, so another process's PUT shows up within SETTINGS_TTL_MS and this process's at once
 * (`invalidate`).
 */
import type { Action, DecisioningConfig } from '../../app/decisioning';
import type { Clock } from '../../app/shared/clock';
import type { Queryable } from '../db/database';
import { loadCatalog, loadConfig } from './settings.repository';

export interface DecisioningSettings {
  readonly catalog: Action[];
  readonly config: DecisioningConfig;
}

/** How long a process reuses a tenant's catalog and policies before reading them again (other processes' PUTs show up within this). */
const SETTINGS_TTL_MS = 2_000;
const MAX_TENANTS = 10_000;

export class SettingsCache {
  private readonly cache = new Map<string, { until: number; value: Promise<DecisioningSettings> }>();

  constructor(
    private readonly q: Queryable,
    private readonly clock: Clock,
  ) {}

  /** The tenant's catalog and effective policies, cached briefly (decisions read them on every event). */
  settings(tenantId: string): Promise<DecisioningSettings> {
    const now = this.clock.now();
    const hit = this.cache.get(tenantId);
    if (hit !== undefined && hit.until > now) return hit.value;
    const value = Promise.all([loadCatalog(this.q, tenantId), loadConfig(this.q, tenantId)]).then(([catalog, config]) => ({
      catalog,
      config,
    }));
    if (this.cache.size > MAX_TENANTS) this.cache.clear();
    this.cache.set(tenantId, { until: now + SETTINGS_TTL_MS, value });
    value.catch(() => this.cache.delete(tenantId));
    return value;
  }

  /** Called after this process changed the tenant's catalog or policies. */
  invalidate(tenantId: string): void {
    this.cache.delete(tenantId);
  }
}
