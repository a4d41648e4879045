/**
 * Reads behind IdentityService.purgeSource: which of a source's records are in the graph, which
 * records carry identifiers pointing into a source, and the per-event record memory of a source's
 * events. Node keys are identity's internal format (`rec:<source>:<recordId>`, `<type>:<scope>:<value>`);
 * nothing outside server/identity reads them.
 */
import type { Queryable } from '../db/database';

/** Record node keys starting with `prefix` (a `rec:<source>:…` prefix). */
export async function recordKeysWithPrefix(q: Queryable, tenantId: string, prefix: string): Promise<string[]> {
  const r = await q.query<{ key: string }>(
    `SELECT key FROM identity_nodes WHERE tenant_id = $1 AND kind = 'record' AND left(key, $2) = $3 ORDER BY key`,
    [tenantId, prefix.length, prefix],
  );
  return r.rows.map((row) => row.key);
}

/**
 * Identifier nodes whose key starts with one of `prefixes` (`<type>:<scope>:`), each with the record
 * nodes that carry it (any edge from a record to it).
 */
export async function carriersOfIdentifiers(
  q: Queryable,
  tenantId: string,
  prefixes: readonly string[],
): Promise<{ identifierKey: string; recordKey: string }[]> {
  if (prefixes.length === 0) return [];
  const r = await q.query<{ key: string; a: string }>(
    `SELECT DISTINCT n.key, e.a
       FROM identity_nodes n JOIN identity_edges e ON e.tenant_id = n.tenant_id AND e.b = n.key AND left(e.a, 4) = 'rec:'
      WHERE n.tenant_id = $1 AND n.kind = 'identifier' AND EXISTS (SELECT 1 FROM unnest($2::text[]) AS p(prefix) WHERE left(n.key, length(p.prefix)) = p.prefix)
      ORDER BY n.key, e.a`,
    [tenantId, [...prefixes]],
  );
  return r.rows.map((row) => ({ identifierKey: row.key, recordKey: row.a }));
}

/** Forgets which record each of these events was evidence of (the events are being deleted). */
export async function forgetEventRecords(q: Queryable, tenantId: string, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await q.query('DELETE FROM identity_event_records WHERE tenant_id = $1 AND event_id = ANY($2::text[])', [tenantId, [...eventIds]]);
}
