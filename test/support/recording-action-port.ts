import type { ActionPort, ActionRequest, ActionResult, JsonValue } from '../../app/orchestration';
import type { Queryable } from '../../server/db/database';
import { SqlEffectLedger } from '../../server/effects/effect-ledger.repository';
import { newId } from '../../server/security/ids';

/** The ledger's vendor name for effects recorded by this port. */
export const RECORDER = 'recorder';

/**
 * A test action port (never part of the service): records the requested effect (kind, params,
 * profile) in the effect ledger (vendor `recorder`) instead of calling a vendor, so tests and the bench can count effects
 * per idempotency key. It honours the contract every connector port must — at most one effect per
 * (tenant, idempotency key): the first call inserts the row, any later call with the same key returns
 * the original output and only counts the attempt (replays = attempts - 1). Registered for every kind through
 * `runsModule({ catchAll })`.
 */
export class RecordingActionPort implements ActionPort {
  private readonly ledger: SqlEffectLedger;

  constructor(db: Queryable) {
    this.ledger = new SqlEffectLedger(db);
  }

  async execute(request: ActionRequest): Promise<ActionResult> {
    const output: JsonValue = { effectId: newId('eff'), kind: request.kind, channel: 'test-recorder' };
    const reserved = await this.ledger.reserve(
      {
        tenantId: request.tenantId,
        idempotencyKey: request.idempotencyKey,
        vendor: RECORDER,
        kind: request.kind,
        runId: request.runId,
        stepId: request.stepId,
        profileId: request.profileId,
        request: request.params,
      },
      { onConflict: 'count', doneOutput: output },
    );
    return { ok: true, output: reserved.fresh ? output : reserved.entry.output };
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
  const entries = await new SqlEffectLedger(q).ofRun(tenantId, runId);
  return entries
    .filter((e) => e.vendor === RECORDER)
    .map((e) => ({
      idempotencyKey: e.idempotencyKey,
      runId: e.runId ?? '',
      stepId: e.stepId ?? '',
      kind: e.kind,
      params: e.request,
      output: e.output,
      replays: e.attempts - 1,
      createdAt: new Date(e.createdAt).toISOString(),
    }));
}
