/** salesforce_stream_leases: which process follows a connection's change streams (one at a time, by lease). */
import type { Queryable } from '../../server/platform';

/** Takes the lease (or renews its own); false while another owner holds an unexpired one. */
export async function acquireStreamLease(
  q: Queryable,
  tenantId: string,
  connectionId: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const r = await q.query(
    `INSERT INTO salesforce_stream_leases (tenant_id, connection_id, owner, expires_at) VALUES ($1, $2, $3, now() + ($4 || ' milliseconds')::interval)
     ON CONFLICT (tenant_id, connection_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
       WHERE salesforce_stream_leases.owner = EXCLUDED.owner OR salesforce_stream_leases.expires_at < now()
     RETURNING owner`,
    [tenantId, connectionId, owner, String(leaseMs)],
  );
  return r.rows.length > 0;
}

/** Extends the owner's lease; false when it is no longer the owner. */
export async function renewStreamLease(
  q: Queryable,
  tenantId: string,
  connectionId: string,
  owner: string,
  leaseMs: number,
): Promise<boolean> {
  const r = await q.query(
    `UPDATE salesforce_stream_leases SET expires_at = now() + ($4 || ' milliseconds')::interval WHERE tenant_id = $1 AND connection_id = $2 AND owner = $3`,
    [tenantId, connectionId, owner, String(leaseMs)],
  );
  return r.rowCount > 0;
}

export async function releaseStreamLease(q: Queryable, tenantId: string, connectionId: string, owner: string): Promise<void> {
  await q.query('DELETE FROM salesforce_stream_leases WHERE tenant_id = $1 AND connection_id = $2 AND owner = $3', [
    tenantId,
    connectionId,
    owner,
  ]);
}
