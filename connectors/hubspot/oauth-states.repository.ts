/** hubspot_oauth_states: single-use install states (10 minutes), so a state is consumed once on any process. */
import type { Queryable } from '../../server/platform';

export async function insertOAuthState(q: Queryable, id: string, tenantId: string | undefined, expiresAt: number): Promise<void> {
  await q.query('INSERT INTO hubspot_oauth_states (id, tenant_id, expires_at) VALUES ($1, $2, $3)', [
    id,
    tenantId ?? null,
    new Date(expiresAt).toISOString(),
  ]);
}

/** Marks a state used: the tenant it binds (null: none), or undefined when it is unknown, expired or used already. */
export async function useOAuthState(q: Queryable, id: string): Promise<{ tenantId: string | null } | undefined> {
  const r = await q.query<{ tenant_id: string | null }>(
    'UPDATE hubspot_oauth_states SET used_at = now() WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING tenant_id',
    [id],
  );
  const row = r.rows[0];
  return row === undefined ? undefined : { tenantId: row.tenant_id };
}
