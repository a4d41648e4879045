/**
 * Identity's public reads for vendors that map their own records to profiles: which live profile an
 * identifier node belongs to, and which identifiers of one type and scope a profile holds. Vendors use
 * these (through server/platform) instead of reading identity's tables or parsing its node keys.
 */
import type { Queryable } from '../db/database';
import { currentProfileId } from './profiles.repository';

/** The live profile (following merges) of the node with this key (from identity's normaliser), or undefined. */
export async function profileOfNodeKey(q: Queryable, tenantId: string, key: string): Promise<string | undefined> {
  const r = await q.query<{ profile_id: string | null }>('SELECT profile_id FROM identity_nodes WHERE tenant_id = $1 AND key = $2', [
    tenantId,
    key,
  ]);
  const profileId = r.rows[0]?.profile_id;
  if (profileId === undefined || profileId === null) return undefined;
  return (await currentProfileId(q, tenantId, profileId)) ?? profileId;
}

/**
 * The values of the profile's identifiers of `type` in `scope` (the profile followed through merges),
 * most recently linked first; `valuePrefixes` keeps only values starting with one of them (3 characters).
 */
export async function identifierValuesOfProfile(
  q: Queryable,
  tenantId: string,
  profileId: string,
  type: string,
  scope: string,
  valuePrefixes?: readonly string[],
): Promise<string[]> {
  const live = (await currentProfileId(q, tenantId, profileId)) ?? profileId;
  const prefix = `${type}:${scope}:`;
  const r =
    valuePrefixes === undefined
      ? await q.query<{ key: string }>(
          `SELECT key FROM identity_nodes WHERE tenant_id = $1 AND profile_id = $2 AND kind = 'identifier' AND left(key, $4) = $3 ORDER BY seq DESC`,
          [tenantId, live, prefix, prefix.length],
        )
      : await q.query<{ key: string }>(
          `SELECT key FROM identity_nodes WHERE tenant_id = $1 AND profile_id = $2 AND kind = 'identifier' AND left(key, $4) = $3 AND substr(key, $4 + 1, 3) = ANY($5::text[]) ORDER BY seq DESC`,
          [tenantId, live, prefix, prefix.length, [...valuePrefixes]],
        );
  return r.rows.map((row) => row.key.slice(prefix.length));
}

/** The keys of the profile's own (not shared) identifier nodes, oldest first; `profileId` must be live (see currentProfileId). */
export async function unsharedIdentifierKeysOfProfile(q: Queryable, tenantId: string, profileId: string): Promise<string[]> {
  const r = await q.query<{ key: string }>(
    `SELECT key FROM identity_nodes WHERE tenant_id = $1 AND profile_id = $2 AND kind = 'identifier' AND NOT shared ORDER BY seq`,
    [tenantId, profileId],
  );
  return r.rows.map((row) => row.key);
}

/** Whether any of these identifier keys already belongs to a profile. */
export async function anyIdentifierKeyKnown(q: Queryable, tenantId: string, keys: readonly string[]): Promise<boolean> {
  const r = await q.query(
    `SELECT 1 FROM identity_nodes WHERE tenant_id = $1 AND kind = 'identifier' AND key = ANY($2::text[]) AND profile_id IS NOT NULL LIMIT 1`,
    [tenantId, keys],
  );
  return r.rows.length > 0;
}

/** Whether the node with this key belongs to this profile (as stored: merges not followed). */
export async function profileHasNodeKey(q: Queryable, tenantId: string, profileId: string, key: string): Promise<boolean> {
  const r = await q.query<{ key: string }>('SELECT key FROM identity_nodes WHERE tenant_id = $1 AND key = $2 AND profile_id = $3', [
    tenantId,
    key,
    profileId,
  ]);
  return r.rows[0] !== undefined;
}
