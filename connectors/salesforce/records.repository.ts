/**
 * The Salesforce records Baton has seen for each profile (filled by the pipeline from Salesforce events),
 * and the Baton field values last written to each.
 */
import type { LinkedRecord, BatonValues } from './client';
import { identifierValuesOfProfile, type Queryable } from '../../server/platform';

export interface SalesforceRecordRow {
  readonly recordId: string;
  readonly objectType: string;
  readonly profileId: string | null;
  readonly written: BatonValues | null;
}

export async function linkRecord(
  q: Queryable,
  tenantId: string,
  orgId: string,
  recordId: string,
  objectType: string,
  profileId: string | null,
): Promise<void> {
  await q.query(
    `INSERT INTO salesforce_records (tenant_id, org_id, record_id, object_type, profile_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, org_id, record_id) DO UPDATE SET profile_id = coalesce(EXCLUDED.profile_id, salesforce_records.profile_id), object_type = EXCLUDED.object_type, seen_at = now()`,
    [tenantId, orgId, recordId, objectType, profileId],
  );
}

export async function unlinkRecord(q: Queryable, tenantId: string, orgId: string, recordId: string): Promise<void> {
  await q.query('DELETE FROM salesforce_records WHERE tenant_id = $1 AND org_id = $2 AND record_id = $3', [tenantId, orgId, recordId]);
}

export async function recordsOfProfile(q: Queryable, tenantId: string, orgId: string, profileId: string): Promise<SalesforceRecordRow[]> {
  const r = await q.query<{ record_id: string; object_type: string; profile_id: string | null; written: BatonValues | null }>(
    'SELECT record_id, object_type, profile_id, written FROM salesforce_records WHERE tenant_id = $1 AND org_id = $2 AND profile_id = $3 ORDER BY seen_at DESC LIMIT 200',
    [tenantId, orgId, profileId],
  );
  return r.rows.map((row) => ({ recordId: row.record_id, objectType: row.object_type, profileId: row.profile_id, written: row.written }));
}

export async function profileOfRecord(q: Queryable, tenantId: string, orgId: string, recordId: string): Promise<string | null> {
  const r = await q.query<{ profile_id: string | null }>(
    'SELECT profile_id FROM salesforce_records WHERE tenant_id = $1 AND org_id = $2 AND record_id = $3',
    [tenantId, orgId, recordId],
  );
  return r.rows[0]?.profile_id ?? null;
}

export async function markWritten(q: Queryable, tenantId: string, orgId: string, recordId: string, values: BatonValues): Promise<void> {
  await q.query('UPDATE salesforce_records SET written = $4, written_at = now() WHERE tenant_id = $1 AND org_id = $2 AND record_id = $3', [
    tenantId,
    orgId,
    recordId,
    JSON.stringify(values),
  ]);
}

/** Contact (003) and Lead (00Q) key prefixes of Salesforce record ids. */
const PERSON_PREFIXES = ['003', '00Q'];

/**
 * The profile's Salesforce Contacts and Leads in one org, from identity (its `salesforceId` identifiers
 * of the org, following merges). Whether this org holds the person at all.
 */
export async function personIdsOfProfile(q: Queryable, tenantId: string, profileId: string, orgId: string): Promise<string[]> {
  return identifierValuesOfProfile(q, tenantId, profileId, 'salesforceId', orgId.slice(0, 15), PERSON_PREFIXES);
}

export const asLinked = (rows: readonly SalesforceRecordRow[]): LinkedRecord[] =>
  rows.map((r) => ({ recordId: r.recordId, objectType: r.objectType }));
