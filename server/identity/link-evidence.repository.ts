/** Read-only: the evidence lines of a profile's identifiers (why each record joined it), for the record card. */
import { identityEvidence } from '../../app/identity/graph/link-evidence';
import type { Queryable } from '../db/database';
import { EDGE_COLUMNS, NODE_COLUMNS, edgeFromDb, nodeFromDb, type EdgeDbRow, type NodeDbRow } from './sql-graph-rows';

/** Identifier key → one sentence of evidence ("same phone +1 303 555 0142, name Joe ≈ Joseph · HubSpot contact ↔ WhatsApp sender"). */
export async function loadIdentityEvidence(q: Queryable, tenantId: string, profileId: string): Promise<Map<string, string>> {
  const members = (
    await q.query<NodeDbRow>(`SELECT ${NODE_COLUMNS} FROM identity_nodes WHERE tenant_id = $1 AND profile_id = $2 ORDER BY seq`, [
      tenantId,
      profileId,
    ])
  ).rows.map(nodeFromDb);
  if (members.length === 0) return new Map();
  const keys = members.map((m) => m.key);
  const edges = (
    await q.query<EdgeDbRow>(
      `SELECT ${EDGE_COLUMNS} FROM identity_edges WHERE tenant_id = $1 AND (a = ANY($2::text[]) OR b = ANY($2::text[])) AND kind <> 'candidate' ORDER BY seq LIMIT 5000`,
      [tenantId, keys],
    )
  ).rows.map(edgeFromDb);
  return identityEvidence(members, edges);
}
