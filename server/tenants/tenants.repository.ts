import type { Database, Queryable } from '../db/database';
import { hashApiKey, issueApiKey, looksLikeApiKey } from '../security/api-keys';
import { newId } from '../security/ids';

export interface CreatedTenant {
  tenantId: string;
  apiKey: string;
}

export interface Tenant {
  id: string;
  name: string;
  settings: Record<string, unknown>;
  createdAt: Date;
}

export async function createTenant(db: Database, name: string): Promise<CreatedTenant> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 200) throw new Error('tenant name must be 1 to 200 characters');
  const tenantId = newId('ten');
  const key = issueApiKey();
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [tenantId, trimmed]);
    await tx.query('INSERT INTO api_keys (tenant_id, id, key_hash, label) VALUES ($1, $2, $3, $4)', [
      tenantId,
      key.id,
      key.hash,
      'created with the tenant',
    ]);
  });
  return { tenantId, apiKey: key.key };
}

/** The tenant an API key belongs to, or undefined for an unknown, malformed or revoked key. */
export async function tenantForApiKey(q: Queryable, apiKey: string): Promise<string | undefined> {
  if (!looksLikeApiKey(apiKey)) return undefined;
  const r = await q.query<{ tenant_id: string }>('SELECT tenant_id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [
    hashApiKey(apiKey),
  ]);
  return r.rows[0]?.tenant_id;
}

export async function getTenant(q: Queryable, tenantId: string): Promise<Tenant | undefined> {
  const r = await q.query<{ id: string; name: string; settings: Record<string, unknown>; created_at: Date }>(
    'SELECT id, name, settings, created_at FROM tenants WHERE id = $1',
    [tenantId],
  );
  const row = r.rows[0];
  return row === undefined ? undefined : { id: row.id, name: row.name, settings: row.settings, createdAt: row.created_at };
}

/** Every tenant's id, in id order. */
export async function tenantIds(q: Queryable): Promise<string[]> {
  const r = await q.query<{ id: string }>('SELECT id FROM tenants ORDER BY id');
  return r.rows.map((row) => row.id);
}
