/**
 * Identity's public reads for vendors that map their own records to profiles: which live profile an
 * identifier node belongs to, and which identifiers of one type and scope a profile holds. Vendors use
 * these (through server/platform) instead of reading identity's tables or parsing its node keys.
 */
import type { Queryable } from '../db/database';
import { currentProfileId } from './profiles.repository';

/** The live profile (following merges) of the node with this key (from identity's normaliser), or undefined. */
export async function profileOfNodeKey(q: Queryable, tenantId: string, key: string): Promise<string | undefined> {
  const r = await q.query<{ profile_id: string | null }>('SELECT profile_id FROM identity_nodes WHERE tenant_id = $1 AND key = $2', [tenantId, key]);
  const profileId = r.rows[0]?.profile_id;
  if (profileId === undefined || profileId === null) return undefined;
  return (await currentProfileId(q, tenantId, profileId)) ?? profileId;
}

/**
 * The values of the profile's identifiers of `type` in `scope` (the profile followed through merges),
 * most recently linked first; `valuePrefixes` keeps only values starting with one of them (3 characters).
 */
export async function identifierValuesOfProfile(q: Queryable, tenantId: string, profileId: string, type: string, scope: string, valuePrefixes?: readonly string[]): Promise<string[]> {
  const live = (await currentProfileId(q, tenantId, profileId)) ?? profileId;
  const prefix = `${type}:${scope}:`;
  const r =
    valuePrefixes === undefined
      ? await q.query<{ key: string }>(`SELECT key FROM identity_nodes WHERE tenant_id = $1 AND profile_id = $2 AND kind = 'identifier' AND left(key, $4) = $3 ORDER BY seq DESC`, [tenantId, live, prefix, prefix.length])
      : await q.query<{ key: string }>(
          `SELECT key FROM identity_nodes WHERE tenant_id = $1 AND profile_id = $2 AND kind = 'identifier' AND left(key, $4) = $3 AND substr(key, $4 + 1, 3) = ANY($5::text[]) ORDER BY seq DESC`,
          [tenantId, live, prefix, prefix.length, [...valuePrefixes]],
        );
  return r.rows.map((row) => row.key.slice(prefix.length));
}
