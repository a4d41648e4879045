/** salesforce_oauth_states: single-use install states with their sealed PKCE verifier (10 minutes). */
import type { Queryable } from '../../server/platform';

export interface SealedVerifier {
  readonly ciphertext: string;
  readonly keyId: string;
}

export async function insertOAuthState(
  q: Queryable,
  state: { id: string; tenantId: string | null; verifier: SealedVerifier; expiresAt: number },
): Promise<void> {
  await q.query(
    'INSERT INTO salesforce_oauth_states (id, tenant_id, verifier_ciphertext, verifier_key_id, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [state.id, state.tenantId, state.verifier.ciphertext, state.verifier.keyId, new Date(state.expiresAt).toISOString()],
  );
}

/** Marks a state used; undefined when it is unknown, expired or used already. */
export async function useOAuthState(q: Queryable, id: string): Promise<{ tenantId: string | null; verifier: SealedVerifier } | undefined> {
  const r = await q.query<{ tenant_id: string | null; verifier_ciphertext: string; verifier_key_id: string }>(
    'UPDATE salesforce_oauth_states SET used_at = now() WHERE id = $1 AND used_at IS NULL AND expires_at > now() RETURNING tenant_id, verifier_ciphertext, verifier_key_id',
    [id],
  );
  const row = r.rows[0];
  return row === undefined
    ? undefined
    : { tenantId: row.tenant_id, verifier: { ciphertext: row.verifier_ciphertext, keyId: row.verifier_key_id } };
}
