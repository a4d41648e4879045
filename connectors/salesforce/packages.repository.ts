/** salesforce_packages: how the Baton package is installed in each connected org (namespace, fields, Apex REST). */
import type { BatonPackage } from './client';
import type { Queryable } from '../../server/platform';

interface PackageRow {
  namespace: string | null;
  fields_ready: boolean;
  apex_ready: boolean;
  problem: string | null;
  checked_at: string | Date;
}

export async function savePackage(q: Queryable, tenantId: string, connectionId: string, found: BatonPackage): Promise<void> {
  await q.query(
    `INSERT INTO salesforce_packages (tenant_id, connection_id, namespace, fields_ready, apex_ready, problem, checked_at) VALUES ($1, $2, $3, $4, $5, $6, now())
     ON CONFLICT (tenant_id, connection_id) DO UPDATE SET namespace = EXCLUDED.namespace, fields_ready = EXCLUDED.fields_ready, apex_ready = EXCLUDED.apex_ready, problem = EXCLUDED.problem, checked_at = now()`,
    [tenantId, connectionId, found.namespace, found.fieldsReady, found.apexReady, found.problem],
  );
}

/** The stored package shape (undefined before the first discovery). */
export async function storedPackage(
  q: Queryable,
  tenantId: string,
  connectionId: string,
): Promise<(BatonPackage & { checkedAt: string }) | undefined> {
  const r = await q.query<PackageRow>(
    'SELECT namespace, fields_ready, apex_ready, problem, checked_at FROM salesforce_packages WHERE tenant_id = $1 AND connection_id = $2',
    [tenantId, connectionId],
  );
  const row = r.rows[0];
  if (row === undefined) return undefined;
  return {
    namespace: row.namespace,
    fieldsReady: row.fields_ready,
    apexReady: row.apex_ready,
    problem: row.problem,
    checkedAt: new Date(row.checked_at).toISOString(),
  };
}
