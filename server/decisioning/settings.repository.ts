/** The tenant's action catalog and decisioning policies, as stored by PUT /actions and PUT /policies. */
import { parseDecisioningConfig, defaultDecisioningConfig, type Action, type DecisioningConfig } from '../../app/decisioning';
import type { Queryable } from '../db/database';

export async function loadCatalog(q: Queryable, tenantId: string): Promise<Action[]> {
  const r = await q.query<{ definition: Action }>('SELECT definition FROM decisioning_actions WHERE tenant_id = $1 ORDER BY position', [
    tenantId,
  ]);
  return r.rows.map((row) => row.definition);
}

/** Replaces the catalog (one transaction: readers see the old or the new catalog, never a mix). */
export async function saveCatalog(tx: Queryable, tenantId: string, actions: readonly Action[]): Promise<void> {
  await tx.query('DELETE FROM decisioning_actions WHERE tenant_id = $1', [tenantId]);
  if (actions.length === 0) return;
  await tx.query(
    `INSERT INTO decisioning_actions (tenant_id, id, position, definition)
     SELECT $1, x.definition->>'id', x.position::int - 1, x.definition FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS x(definition, position)`,
    [tenantId, JSON.stringify(actions)],
  );
}

/** The tenant's policies as they were given (null when never set). */
export async function loadPolicyInput(
  q: Queryable,
  tenantId: string,
): Promise<{ config: unknown; version: number; updatedAt: string } | null> {
  const r = await q.query<{ config: unknown; version: number; updated_at: Date | string }>(
    'SELECT config, version, updated_at FROM decisioning_policies WHERE tenant_id = $1',
    [tenantId],
  );
  const row = r.rows[0];
  return row === undefined ? null : { config: row.config, version: row.version, updatedAt: new Date(row.updated_at).toISOString() };
}

/** The effective configuration (defaults filled in); a stored value that no longer parses falls back to the defaults. */
export async function loadConfig(q: Queryable, tenantId: string): Promise<DecisioningConfig> {
  const stored = await loadPolicyInput(q, tenantId);
  if (stored === null) return defaultDecisioningConfig();
  const parsed = parseDecisioningConfig(stored.config);
  return parsed.ok ? parsed.config : defaultDecisioningConfig();
}

export async function savePolicies(q: Queryable, tenantId: string, input: unknown): Promise<void> {
  await q.query(
    `INSERT INTO decisioning_policies (tenant_id, config) VALUES ($1, $2::jsonb)
     ON CONFLICT (tenant_id) DO UPDATE SET config = excluded.config, version = decisioning_policies.version + 1, updated_at = now()`,
    [tenantId, JSON.stringify(input)],
  );
}
