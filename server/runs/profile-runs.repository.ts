/**
 * The runs part of GET /api/v1/profiles/:id: the person's runs (any of their merged ids), newest
 * first. Reads through the section's transaction (`q`): embedded PGlite has one connection, so a
 * query outside the open transaction would wait for it forever.
 */
import type { Queryable } from '../db/database';

export interface ProfileRunRow {
  readonly id: string;
  readonly playbookId: string;
  readonly playbookVersion: number;
  readonly status: string;
  readonly currentStep: string | null;
  readonly error: unknown;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export async function profileRuns(q: Queryable, tenantId: string, aliases: readonly string[], limit: number): Promise<ProfileRunRow[]> {
  const r = await q.query<{
    id: string;
    playbook_id: string;
    playbook_version: number;
    status: string;
    cursor: string | null;
    error: unknown;
    created_at: Date | string;
    updated_at: Date | string;
  }>(
    `SELECT id, playbook_id, playbook_version, status, cursor, error, created_at, updated_at FROM runs
      WHERE tenant_id = $1 AND profile_id = ANY($2::text[]) ORDER BY created_at DESC LIMIT $3`,
    [tenantId, [...aliases], limit],
  );
  return r.rows.map((row) => ({
    id: row.id,
    playbookId: row.playbook_id,
    playbookVersion: row.playbook_version,
    status: row.status,
    currentStep: row.cursor,
    error: row.error,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }));
}
