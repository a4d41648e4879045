/**
 * Per-org secret tokens of the Outbound Message endpoint (`/webhooks/salesforce/outbound/<token>`).
 * Outbound Messages carry no signature and their OrganizationId is not a secret, so the endpoint URL
 * itself is the shared secret: 32 random bytes (base64url, 43 characters), shown once (install result,
 * rotation answer) and stored only as its SHA-256 (a random 256-bit token needs no password stretching,
 * like API keys in server/security/api-keys.ts). One current token per (tenant, org): a rotation
 * replaces the stored hash, so the old token stops working at once (no grace period; see README).
 */
import { createHash, randomBytes } from 'node:crypto';
import { safeEqual } from '../shared/safe-equal';
import type { Queryable } from '../../server/platform';

export const OUTBOUND_BASE_PATH = '/webhooks/salesforce/outbound';
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export const hashOutboundToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

export const outboundUrl = (publicUrl: string, token: string): string => `${publicUrl}${OUTBOUND_BASE_PATH}/${token}`;

export function newOutboundToken(): string {
  return randomBytes(32).toString('base64url');
}

export function looksLikeOutboundToken(value: string): boolean {
  return TOKEN_FORMAT.test(value);
}

/** Issues a new token for (tenant, org), replacing any earlier one; returns the token (shown once). */
export async function issueOutboundToken(q: Queryable, tenantId: string, orgId: string): Promise<string> {
  const token = newOutboundToken();
  await q.query(
    `INSERT INTO salesforce_outbound_tokens (tenant_id, org_id, token_hash) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, org_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()`,
    [tenantId, orgId, hashOutboundToken(token)],
  );
  return token;
}

/** Whether (tenant, org) already has a token (a re-consent of an active org keeps it). */
export async function hasOutboundToken(q: Queryable, tenantId: string, orgId: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM salesforce_outbound_tokens WHERE tenant_id = $1 AND org_id = $2', [tenantId, orgId]);
  return r.rows.length > 0;
}

/**
 * The (tenant, org) a presented token belongs to, or undefined. Looked up by hash (indexed; the hash
 * of an attacker's guess reveals nothing about a stored token), then confirmed in constant time.
 */
export async function outboundTokenOwner(q: Queryable, token: string): Promise<{ tenantId: string; orgId: string } | undefined> {
  if (!looksLikeOutboundToken(token)) return undefined;
  const hash = hashOutboundToken(token);
  const r = await q.query<{ tenant_id: string; org_id: string; token_hash: string }>(
    'SELECT tenant_id, org_id, token_hash FROM salesforce_outbound_tokens WHERE token_hash = $1',
    [hash],
  );
  const row = r.rows[0];
  if (row === undefined || !safeEqual(row.token_hash, hash)) return undefined;
  return { tenantId: row.tenant_id, orgId: row.org_id };
}
