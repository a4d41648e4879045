/**
 * hubspot_writeback: per (profile, portal, contact), whether Baton's contact properties need writing
 * again (pending) and the hash and values last written.
 */
import type { Queryable } from '../../server/platform';

export interface PendingWriteback {
  readonly profileId: string;
  readonly contactId: string;
  readonly valuesHash: string;
  /** updated_at as text: a row marked again after it was read keeps pending. */
  readonly stamp: string;
}

/** Marks a contact's Baton values as needing a write (the row is created on first use). */
export async function markWritebackPending(
  q: Queryable,
  tenantId: string,
  profileId: string,
  portalId: string,
  contactId: string,
): Promise<void> {
  await q.query(
    `INSERT INTO hubspot_writeback (tenant_id, profile_id, portal_id, contact_id, values_hash, properties, pending)
     VALUES ($1, $2, $3, $4, '', '{}'::jsonb, true)
     ON CONFLICT (tenant_id, profile_id, portal_id, contact_id) DO UPDATE SET pending = true, updated_at = now()`,
    [tenantId, profileId, portalId, contactId],
  );
}

/** Up to 100 pending rows of a portal, oldest mark first. */
export async function pendingWritebacks(q: Queryable, tenantId: string, portalId: string): Promise<PendingWriteback[]> {
  const r = await q.query<{ profile_id: string; contact_id: string; values_hash: string; stamp: string }>(
    `SELECT profile_id, contact_id, values_hash, updated_at::text AS stamp FROM hubspot_writeback
      WHERE tenant_id = $1 AND portal_id = $2 AND pending ORDER BY updated_at LIMIT 100`,
    [tenantId, portalId],
  );
  return r.rows.map((row) => ({ profileId: row.profile_id, contactId: row.contact_id, valuesHash: row.values_hash, stamp: row.stamp }));
}

/** Records what was written, unless the row was marked again since it was read (its stamp moved). */
export async function writebackDone(
  q: Queryable,
  tenantId: string,
  portalId: string,
  row: PendingWriteback,
  valuesHash: string,
  properties: Record<string, string>,
): Promise<void> {
  await q.query(
    `UPDATE hubspot_writeback SET pending = false, values_hash = $6, properties = $7, written_at = now()
      WHERE tenant_id = $1 AND profile_id = $2 AND portal_id = $3 AND contact_id = $4 AND updated_at::text = $5`,
    [tenantId, row.profileId, portalId, row.contactId, row.stamp, valuesHash, JSON.stringify(properties)],
  );
}
