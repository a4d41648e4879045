/**
 * hubspot_workflow_calls: one row per workflow-action execution (callback id), remembering the output
 * fields answered (or to complete later when the call was blocked) and the run it started.
 */
import type { Queryable } from '../../server/platform';

export type WorkflowOutput = Record<string, string>;

export interface StoredWorkflowCall {
  readonly actionUid: string;
  readonly status: string;
  readonly runId: string | null;
  readonly output: WorkflowOutput;
}

export interface NewWorkflowCall {
  readonly tenantId: string;
  readonly callbackId: string;
  readonly actionUid: string;
  readonly objectType: string;
  readonly objectId: string | number;
  readonly status: 'answered' | 'blocked';
  readonly output: WorkflowOutput;
  readonly runId: string | null;
}

export async function workflowCall(q: Queryable, tenantId: string, callbackId: string): Promise<StoredWorkflowCall | undefined> {
  const r = await q.query<{ action_uid: string; status: string; run_id: string | null; output: WorkflowOutput }>(
    'SELECT action_uid, status, run_id, output FROM hubspot_workflow_calls WHERE tenant_id = $1 AND callback_id = $2',
    [tenantId, callbackId],
  );
  const row = r.rows[0];
  return row === undefined ? undefined : { actionUid: row.action_uid, status: row.status, runId: row.run_id, output: row.output };
}

/** Stores a call once; false when one with this callback id was stored first. */
export async function insertWorkflowCall(q: Queryable, call: NewWorkflowCall): Promise<boolean> {
  const r = await q.query<{ output: WorkflowOutput }>(
    `INSERT INTO hubspot_workflow_calls (tenant_id, callback_id, action_uid, object_type, object_id, status, output, run_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, callback_id) DO NOTHING RETURNING output`,
    [call.tenantId, call.callbackId, call.actionUid, call.objectType, call.objectId, call.status, JSON.stringify(call.output), call.runId],
  );
  return r.rows[0] !== undefined;
}

export async function completeWorkflowCall(q: Queryable, tenantId: string, callbackId: string, output: WorkflowOutput): Promise<void> {
  await q.query(
    `UPDATE hubspot_workflow_calls SET status = 'completed', output = $3, updated_at = now() WHERE tenant_id = $1 AND callback_id = $2`,
    [tenantId, callbackId, JSON.stringify(output)],
  );
}
