/**
 * How every connection row keeps its secrets (messaging and warehouse connections alike): the plain
 * config in `config` with the secret field names in `_secretNames`, the secrets sealed together with
 * the SecretBox bound to (tenant, connection id), so a ciphertext copied to another row never opens.
 */
import type { SecretBox } from '../security/secret-box';

const aad = (tenantId: string, id: string): string => `connection:${tenantId}:${id}`;

export interface SealedConfig {
  readonly plain: Record<string, unknown>;
  readonly ciphertext: string;
  readonly keyId: string;
}

/** Seals `secrets` for the row and returns the plain part to store beside them. */
export function sealConnection(
  box: SecretBox,
  tenantId: string,
  id: string,
  plain: Record<string, unknown>,
  secrets: Record<string, unknown>,
): SealedConfig {
  const sealed = box.seal(JSON.stringify(secrets), aad(tenantId, id));
  return { plain: { ...plain, _secretNames: Object.keys(secrets) }, ciphertext: sealed.ciphertext, keyId: sealed.keyId };
}

/** The row's whole config again: the plain part and the opened secrets (to be parsed by the caller's schema). */
export function openConnection(
  box: SecretBox,
  row: { tenant_id: string; id: string; config: Record<string, unknown>; secret_ciphertext: string | null; secret_key_id: string | null },
): Record<string, unknown> {
  const secrets =
    row.secret_ciphertext === null || row.secret_key_id === null
      ? {}
      : (JSON.parse(box.open({ ciphertext: row.secret_ciphertext, keyId: row.secret_key_id }, aad(row.tenant_id, row.id))) as Record<
          string,
          unknown
        >);
  const { _secretNames: _names, ...plain } = row.config;
  return { ...plain, ...secrets };
}
