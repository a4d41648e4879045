import type { JsonValue } from '../../app/orchestration';
import type { EffectLedger } from './client/actions';
import type { Queryable } from '../../server/platform';

/** The HubSpot effect ledger in SQL (hubspot_effects): one row per (tenant, idempotency key). */
export class SqlEffectLedger implements EffectLedger {
  constructor(private readonly db: Queryable) {}

  async begin(tenantId: string, key: string, portalId: string, kind: string): Promise<{ state: 'new' | 'retry' } | { state: 'done'; output: JsonValue }> {
    const inserted = await this.db.query(
      `INSERT INTO hubspot_effects (tenant_id, idempotency_key, portal_id, kind, status) VALUES ($1, $2, $3, $4, 'attempting')
       ON CONFLICT (tenant_id, idempotency_key) DO NOTHING`,
      [tenantId, key, portalId, kind],
    );
    if (inserted.rowCount === 1) return { state: 'new' };
    const r = await this.db.query<{ status: string; output: JsonValue }>(
      `UPDATE hubspot_effects SET attempts = attempts + 1, updated_at = now() WHERE tenant_id = $1 AND idempotency_key = $2 RETURNING status, output`,
      [tenantId, key],
    );
    const row = r.rows[0];
    if (row?.status === 'done') return { state: 'done', output: row.output };
    return { state: 'retry' };
  }

  async finish(tenantId: string, key: string, output: JsonValue): Promise<void> {
    await this.db.query(`UPDATE hubspot_effects SET status = 'done', output = $3, updated_at = now() WHERE tenant_id = $1 AND idempotency_key = $2`, [tenantId, key, JSON.stringify(output)]);
  }
}
