/** Read models of the identity tables for the API, profile aliases, and privacy erasure. */
import type { FieldWeight } from '../../app/identity/model/matcher';
import type { Queryable } from '../db/database';
import {
  EDGE_COLUMNS,
  NODE_COLUMNS,
  REVIEW_COLUMNS,
  edgeFromDb,
  nodeFromDb,
  type EdgeDbRow,
  type NodeDbRow,
  type ReviewDbRow,
} from './sql-graph-rows';

export interface ProvenanceView {
  readonly source: string;
  /** The event (or merge / review) that brought the evidence. */
  readonly recordId: string;
  readonly at: string;
  /** The source record that carried the identifier. */
  readonly record: string;
}

export interface IdentityView {
  readonly key: string;
  readonly type: string;
  readonly scope: string | null;
  readonly value: string;
  readonly shared: boolean;
  readonly provenance: readonly ProvenanceView[];
}

export interface ReviewView {
  readonly id: string;
  readonly kind: 'conflict' | 'possible-match' | 'quirk-candidate';
  readonly status: 'open' | 'confirmed' | 'rejected';
  readonly a: string;
  readonly b: string;
  /** Current profiles of a and b (undefined when a node no longer exists). */
  readonly profiles: readonly (string | null)[];
  readonly reason: string | null;
  readonly probability: number | null;
  readonly fields: readonly FieldWeight[] | null;
  readonly provenance: { readonly source: string; readonly recordId: string; readonly at: string };
}

export interface ProfileIdentity {
  readonly id: string;
  readonly createdAt: string;
  readonly identities: readonly IdentityView[];
  readonly records: readonly { key: string; source: string; recordId: string }[];
  readonly possibleMatches: readonly ReviewView[];
  readonly conflicts: readonly ReviewView[];
  readonly mergedFrom: readonly string[];
}

/** `<type>:<scope>:<value>` → parts (types and scopes hold no colon; values may). */
export function splitIdentifierKey(key: string): { type: string; scope: string | null; value: string } {
  const i = key.indexOf(':');
  const j = key.indexOf(':', i + 1);
  const scope = key.slice(i + 1, j);
  return { type: key.slice(0, i), scope: scope.length === 0 ? null : scope, value: key.slice(j + 1) };
}

export function splitRecordKey(key: string): { source: string; recordId: string } {
  const rest = key.slice('rec:'.length);
  const i = rest.indexOf(':');
  return { source: rest.slice(0, i), recordId: rest.slice(i + 1) };
}

/** The live profile an id names: itself, or the profile it was merged into (aliases are kept flat). */
export async function currentProfileId(q: Queryable, tenantId: string, id: string): Promise<string | undefined> {
  const r = await q.query<{ id: string }>(
    `SELECT id FROM identity_profiles WHERE tenant_id = $1 AND id = $2
     UNION ALL
     SELECT p.id FROM identity_profile_aliases a JOIN identity_profiles p ON p.tenant_id = a.tenant_id AND p.id = a.merged_into
      WHERE a.tenant_id = $1 AND a.profile_id = $2`,
    [tenantId, id],
  );
  return r.rows[0]?.id;
}

export async function reviewViews(q: Queryable, tenantId: string, where: string, params: readonly unknown[]): Promise<ReviewView[]> {
  const r = await q.query<ReviewDbRow & { pa: string | null; pb: string | null }>(
    `SELECT ${REVIEW_COLUMNS.split(', ')
      .map((c) => `r.${c}`)
      .join(', ')}, na.profile_id AS pa, nb.profile_id AS pb
       FROM identity_reviews r
       LEFT JOIN identity_nodes na ON na.tenant_id = r.tenant_id AND na.key = r.a
       LEFT JOIN identity_nodes nb ON nb.tenant_id = r.tenant_id AND nb.key = r.b
      WHERE r.tenant_id = $1 AND ${where} ORDER BY r.created_at, r.id LIMIT 200`,
    [tenantId, ...params],
  );
  return r.rows.map((row) => ({
    id: row.public_id,
    kind: row.kind,
    status: row.status,
    a: row.a,
    b: row.b,
    profiles: [row.pa, row.pb],
    reason: row.reason,
    probability: row.detail?.probability ?? null,
    fields: row.detail?.fields ?? null,
    provenance: { source: row.source, recordId: row.record_id, at: row.at },
  }));
}

export async function loadProfileIdentity(q: Queryable, tenantId: string, profileId: string): Promise<ProfileIdentity | undefined> {
  const p = await q.query<{ id: string; created_at: Date | string }>(
    'SELECT id, created_at FROM identity_profiles WHERE tenant_id = $1 AND id = $2',
    [tenantId, profileId],
  );
  const row = p.rows[0];
  if (row === undefined) return undefined;
  const members = (
    await q.query<NodeDbRow>(`SELECT ${NODE_COLUMNS} FROM identity_nodes WHERE tenant_id = $1 AND profile_id = $2 ORDER BY seq`, [
      tenantId,
      profileId,
    ])
  ).rows.map(nodeFromDb);
  const keys = members.map((m) => m.key);
  const edges = (
    await q.query<EdgeDbRow>(
      `SELECT ${EDGE_COLUMNS} FROM identity_edges WHERE tenant_id = $1 AND b = ANY($2::text[]) AND kind = 'carries' AND status = 'active' ORDER BY seq`,
      [tenantId, keys],
    )
  ).rows.map(edgeFromDb);
  const identities: IdentityView[] = members
    .filter((m) => m.kind === 'identifier')
    .map((m) => ({
      key: m.key,
      ...splitIdentifierKey(m.key),
      shared: m.shared,
      provenance: edges
        .filter((e) => e.b === m.key)
        .map((e) => ({ source: e.provenance.source, recordId: e.provenance.recordId, at: e.provenance.at, record: e.a })),
    }));
  const records = members.filter((m) => m.kind === 'record').map((m) => ({ key: m.key, ...splitRecordKey(m.key) }));
  const reviews = (await reviewViews(q, tenantId, `r.status = 'open' AND (r.a = ANY($2::text[]) OR r.b = ANY($2::text[]))`, [keys])).filter(
    (r) => r.profiles[0] !== r.profiles[1],
  );
  const aliases = await q.query<{ profile_id: string }>(
    'SELECT profile_id FROM identity_profile_aliases WHERE tenant_id = $1 AND merged_into = $2 ORDER BY at',
    [tenantId, profileId],
  );
  return {
    id: row.id,
    createdAt: new Date(row.created_at).toISOString(),
    identities,
    records,
    possibleMatches: reviews.filter((r) => r.kind !== 'conflict'),
    conflicts: reviews.filter((r) => r.kind === 'conflict'),
    mergedFrom: aliases.rows.map((a) => a.profile_id),
  };
}

export interface ProfileSummary {
  readonly id: string;
  readonly identifiers: readonly { type: string; scope: string | null; value: string }[];
  readonly name: string | null;
}

export async function profileSummaries(q: Queryable, tenantId: string, ids: readonly string[]): Promise<ProfileSummary[]> {
  if (ids.length === 0) return [];
  const r = await q.query<{ key: string; kind: string; profile_id: string; match: Record<string, string> | null }>(
    `SELECT key, kind, profile_id, match FROM identity_nodes WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) ORDER BY seq`,
    [tenantId, [...ids]],
  );
  return ids.map((id) => {
    const rows = r.rows.filter((n) => n.profile_id === id);
    const named = rows.find((n) => n.match?.['firstName'] !== undefined || n.match?.['lastName'] !== undefined)?.match;
    const name =
      named === undefined || named === null ? null : [named['firstName'], named['lastName']].filter((x) => x !== undefined).join(' ');
    return {
      id,
      identifiers: rows
        .filter((n) => n.kind === 'identifier')
        .slice(0, 20)
        .map((n) => splitIdentifierKey(n.key)),
      name,
    };
  });
}

/** Profiles whose identifier values or names contain `text` (case-insensitive). */
export async function searchProfiles(q: Queryable, tenantId: string, text: string, limit: number): Promise<string[]> {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const r = await q.query<{ profile_id: string }>(
    `SELECT profile_id FROM identity_nodes
      WHERE tenant_id = $1 AND profile_id IS NOT NULL
        AND (lower(key) LIKE $2 OR lower(coalesce(match->>'firstName', '') || ' ' || coalesce(match->>'lastName', '')) LIKE $2 OR lower(coalesce(match->>'company', '')) LIKE $2)
      GROUP BY profile_id ORDER BY min(seq) LIMIT $3`,
    [tenantId, pattern, limit],
  );
  return r.rows.map((row) => row.profile_id);
}

/** `profileAliases` of several profiles in one statement: each id (as given) → itself, then the profiles merged into it. */
export async function profileAliasesMany(q: Queryable, tenantId: string, profileIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>(profileIds.map((id) => [id, [id]]));
  if (profileIds.length === 0) return out;
  const r = await q.query<{ merged_into: string; profile_id: string }>(
    'SELECT merged_into, profile_id FROM identity_profile_aliases WHERE tenant_id = $1 AND merged_into = ANY($2::text[])',
    [tenantId, [...profileIds]],
  );
  for (const row of r.rows) out.get(row.merged_into)?.push(row.profile_id);
  return out;
}

/** Ids that name this profile: itself and every profile merged into it. */
export async function profileAliases(q: Queryable, tenantId: string, profileId: string): Promise<string[]> {
  const r = await q.query<{ profile_id: string }>(
    'SELECT profile_id FROM identity_profile_aliases WHERE tenant_id = $1 AND merged_into = $2',
    [tenantId, profileId],
  );
  return [profileId, ...r.rows.map((row) => row.profile_id)];
}

/**
 * Deletes the person's events (those resolved through their records, and those stored with any of
 * their profile ids) and the identity rows the graph erasure does not cover. Runs inside the erasure
 * transaction, which must have set baton.erasure.
 */
export async function eraseProfileData(
  q: Queryable,
  tenantId: string,
  profileIds: readonly string[],
  recordKeys: readonly string[],
): Promise<number> {
  const events = await q.query(
    `DELETE FROM events WHERE tenant_id = $1 AND (profile_id = ANY($2::text[])
        OR id IN (SELECT event_id FROM identity_event_records WHERE tenant_id = $1 AND record_key = ANY($3::text[])))`,
    [tenantId, [...profileIds], [...recordKeys]],
  );
  await q.query('DELETE FROM identity_event_records WHERE tenant_id = $1 AND record_key = ANY($2::text[])', [tenantId, [...recordKeys]]);
  await q.query(
    'DELETE FROM identity_profile_aliases WHERE tenant_id = $1 AND (merged_into = ANY($2::text[]) OR profile_id = ANY($2::text[]))',
    [tenantId, [...profileIds]],
  );
  await q.query('DELETE FROM identity_blocking_keys WHERE tenant_id = $1 AND record_key = ANY($2::text[])', [tenantId, [...recordKeys]]);
  return events.rowCount;
}

/** The profile of the earliest identity node carrying one of these identifier keys, if any. */
export async function profileByIdentifierKeys(q: Queryable, tenantId: string, keys: readonly string[]): Promise<string | undefined> {
  const r = await q.query<{ profile_id: string }>(
    'SELECT profile_id FROM identity_nodes WHERE tenant_id = $1 AND key = ANY($2::text[]) AND profile_id IS NOT NULL ORDER BY seq LIMIT 1',
    [tenantId, [...keys]],
  );
  return r.rows[0]?.profile_id;
}

/** The profile ids of the identity node with this key (none when the key is unknown or unattached). */
export async function profilesWithKey(q: Queryable, tenantId: string, key: string): Promise<string[]> {
  const found = await q.query<{ profile_id: string | null }>('SELECT profile_id FROM identity_nodes WHERE tenant_id = $1 AND key = $2', [
    tenantId,
    key,
  ]);
  return found.rows.flatMap((r) => (r.profile_id === null ? [] : [r.profile_id]));
}

/** The key of a profile's first record node ('' when it has none), the anchor a manual merge names it by. */
export async function firstRecordKey(q: Queryable, tenantId: string, profileId: string): Promise<string> {
  const r = await q.query<{ key: string }>(
    `SELECT key FROM identity_nodes WHERE tenant_id = $1 AND profile_id = $2 AND kind = 'record' ORDER BY seq LIMIT 1`,
    [tenantId, profileId],
  );
  return r.rows[0]?.key ?? '';
}

/** The profile of each of these node keys (null: the node is unattached; absent: unknown). */
export async function profilesOfKeys(q: Queryable, tenantId: string, keys: readonly string[]): Promise<Map<string, string | null>> {
  const nodes = await q.query<{ key: string; profile_id: string | null }>(
    'SELECT key, profile_id FROM identity_nodes WHERE tenant_id = $1 AND key = ANY($2::text[])',
    [tenantId, [...keys]],
  );
  return new Map(nodes.rows.map((r) => [r.key, r.profile_id]));
}

/** Records a possible match's verdict. */
export async function setReviewStatus(q: Queryable, tenantId: string, reviewId: string, status: 'confirmed' | 'rejected'): Promise<void> {
  await q.query(`UPDATE identity_reviews SET status = $3, decided_at = now() WHERE tenant_id = $1 AND public_id = $2`, [
    tenantId,
    reviewId,
    status,
  ]);
}

/**
 * Marks the transaction as a privacy erasure (`baton.erasure`, transaction-local): the triggers that
 * otherwise refuse deleting events let this transaction's deletes through.
 */
export async function beginErasure(tx: Queryable): Promise<void> {
  await tx.query(`SELECT set_config('baton.erasure', 'on', true)`);
}
