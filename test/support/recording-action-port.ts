import type { ActionPort, ActionRequest, ActionResult, JsonValue } from '../../app/orchestration';
import type { Queryable } from '../../server/db/database';
import { newId } from '../../server/security/ids';

/**
 * A test action port (never part of the service): records the requested effect (kind, params,
 * profile) in `action_effects` instead of calling a vendor, so tests and the bench can count effects
 * per idempotency key. It honours the contract every connector port must — at most one effect per
 * (tenant, idempotency key): the first call inserts the row, any later call with the same key returns
 * the original output and only counts a replay. Registered for every kind through
 * `runsModule({ catchAll })`.
 */
export class RecordingActionPort implements ActionPort {
  constructor(private readonly db: Queryable) {}

  async execute(request: ActionRequest): Promise<ActionResult> {
    const output: JsonValue = { effectId: newId('eff'), kind: request.kind, channel: 'test-recorder' };
    const r = await this.db.query<{ output: JsonValue }>(
      `INSERT INTO action_effects (tenant_id, idempotency_key, run_id, step_id, profile_id, kind, params, output)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (tenant_id, idempotency_key) DO UPDATE
         SET replays = action_effects.replays + 1, last_replayed_at = now()
       RETURNING output`,
      [request.tenantId, request.idempotencyKey, request.runId, request.stepId, request.profileId, request.kind, JSON.stringify(request.params), JSON.stringify(output)],
    );
    const row = r.rows[0];
    if (row === undefined) throw new Error('action_effects upsert returned no row');
    return { ok: true, output: row.output };
  }
}

export interface EffectRow {
  idempotencyKey: string;
  runId: string;
  stepId: string;
  kind: string;
  params: JsonValue;
  output: JsonValue;
  replays: number;
  createdAt: string;
}

/** Effects recorded for one run, oldest first (API and tests). */
export async function effectsOfRun(q: Queryable, tenantId: string, runId: string): Promise<EffectRow[]> {
  const r = await q.query<{ idempotency_key: string; run_id: string; step_id: string; kind: string; params: JsonValue; output: JsonValue; replays: number; created_at: Date | string }>(
    `SELECT idempotency_key, run_id, step_id, kind, params, output, replays, created_at FROM action_effects
      WHERE tenant_id = $1 AND run_id = $2 ORDER BY created_at, idempotency_key`,
    [tenantId, runId],
  );
  return r.rows.map((row) => ({
    idempotencyKey: row.idempotency_key,
    runId: row.run_id,
    stepId: row.step_id,
    kind: row.kind,
    params: row.params,
    output: row.output,
    replays: row.replays,
    createdAt: new Date(row.created_at).toISOString(),
  }));
}
