/** The tenant's trained match model (migration 009): online matching uses it instead of the priors. */
import { systemClock, type Clock } from '../../app/shared/clock';
import { tenantModelSchema, type TenantModel } from '../../app/identity/model/tenant-model';
import type { Queryable } from '../db/database';

export interface StoredTenantModel extends TenantModel {
  readonly trainedAt: string;
}

export async function loadTenantModel(q: Queryable, tenantId: string): Promise<StoredTenantModel | undefined> {
  const r = await q.query<{ fields: unknown; params: unknown; records: number; pairs: number; trained_at: Date | string }>(
    'SELECT fields, params, records, pairs, trained_at FROM identity_models WHERE tenant_id = $1',
    [tenantId],
  );
  const row = r.rows[0];
  if (row === undefined) return undefined;
  // A model that no longer fits the comparisons (fields changed in a new version) is ignored.
  const parsed = tenantModelSchema.safeParse({ fields: row.fields, params: row.params });
  if (!parsed.success) return undefined;
  return { ...parsed.data, records: Number(row.records), pairs: Number(row.pairs), trainedAt: new Date(row.trained_at).toISOString() };
}

export async function saveTenantModel(q: Queryable, tenantId: string, model: TenantModel, clock: Clock = systemClock): Promise<string> {
  const r = await q.query<{ trained_at: Date | string }>(
    `INSERT INTO identity_models (tenant_id, fields, params, records, pairs, trained_at) VALUES ($1, $2, $3, $4, $5, now())
     ON CONFLICT (tenant_id) DO UPDATE SET fields = EXCLUDED.fields, params = EXCLUDED.params, records = EXCLUDED.records, pairs = EXCLUDED.pairs, trained_at = EXCLUDED.trained_at
     RETURNING trained_at`,
    [tenantId, JSON.stringify(model.fields), JSON.stringify(model.params), model.records, model.pairs],
  );
  return new Date(r.rows[0]?.trained_at ?? clock.now()).toISOString();
}

export async function deleteTenantModel(q: Queryable, tenantId: string): Promise<boolean> {
  return (await q.query('DELETE FROM identity_models WHERE tenant_id = $1', [tenantId])).rowCount > 0;
}

/** Match vectors of the tenant's records (newest first), the training data. */
export async function recordVectors(q: Queryable, tenantId: string, limit: number): Promise<Record<string, string>[]> {
  const r = await q.query<{ match: Record<string, string> }>(
    `SELECT match FROM identity_nodes WHERE tenant_id = $1 AND kind = 'record' AND match IS NOT NULL ORDER BY seq DESC LIMIT $2`,
    [tenantId, limit],
  );
  return r.rows.map((row) => row.match);
}
