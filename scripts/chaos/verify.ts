/**
 * What the chaos run checks once the work has drained, from the service's database and the vendor
 * sandboxes' own records:
 * - lost: acknowledged events that were not processed, or whose triggered run was never started;
 * - duplicates: side effects beyond one per idempotency key, counted at the sandboxes (Twilio
 *   messages per run, HubSpot tasks per `baton_idempotency_key`) and against the effect ledger
 *   (effect_ledger: the Twilio SMS and HubSpot task entries);
 * - silent successes: a run completed (or a ledger row done) whose effect is not at the sandbox;
 * - runs stuck (not finished and not legitimately waiting for a future wake-up) and runs failed.
 */
import type { Queryable } from '../../server/db/database';
import type { SandboxObject } from '../../test/sandboxes/hubspot';
import type { TwilioMessageRow } from '../../test/sandboxes/twilio';
import { PLAYBOOK_ID } from './setup';

export interface Verification {
  acknowledged: number;
  stored: number;
  processed: number;
  lost: number;
  lostSample: string[];
  runs: Record<string, number>;
  runsStuck: number;
  runsFailed: number;
  failedSample: string[];
  sms: number;
  tasks: number;
  duplicateSms: number;
  duplicateTasks: number;
  duplicateSample: string[];
  /** Ledger rows 'done' whose effect the sandbox does not have, and completed runs missing an effect. */
  silentSuccesses: number;
  silentSample: string[];
  /** Effects at the sandbox that no ledger row accounts for. */
  untracked: number;
}

const RUN_IN_TEXT = /\((run_[0-9a-f]+)\)/;

export async function verify(
  q: Queryable,
  input: { tenantId: string; acked: readonly string[]; messages: readonly TwilioMessageRow[]; tasks: readonly SandboxObject[] },
): Promise<Verification> {
  const { tenantId } = input;
  const events = await q.query<{ source_event_id: string; processed: boolean; run_id: string | null }>(
    `SELECT e.source_event_id, e.processed_at IS NOT NULL AS processed, rs.run_id
       FROM events e LEFT JOIN run_starts rs ON rs.tenant_id = e.tenant_id AND rs.start_key = 'event:' || e.id || ':' || $3
      WHERE e.tenant_id = $1 AND e.source_event_id = ANY($2::text[])`,
    [tenantId, [...input.acked], PLAYBOOK_ID],
  );
  const byId = new Map(events.rows.map((r) => [r.source_event_id, r]));
  const lostIds: string[] = [];
  let processed = 0;
  for (const id of input.acked) {
    const row = byId.get(id);
    if (row?.processed === true && row.run_id !== null) processed++;
    else lostIds.push(`${id}: ${row === undefined ? 'not stored' : !row.processed ? 'not processed' : 'no run started'}`);
  }

  const runs = await q.query<{ id: string; status: string; wake_at: Date | null; error: unknown }>(
    `SELECT id, status, wake_at, error FROM runs WHERE tenant_id = $1 AND playbook_id = $2`,
    [tenantId, PLAYBOOK_ID],
  );
  const byStatus: Record<string, number> = {};
  let runsStuck = 0;
  const failedSample: string[] = [];
  for (const r of runs.rows) {
    byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    const active = r.status === 'pending' || r.status === 'running' || r.status === 'waiting';
    // Legitimately waiting: a wake-up (retry backoff, a vendor's Retry-After) still in the future.
    if (active && !(r.wake_at !== null && new Date(r.wake_at).getTime() > Date.now())) runsStuck++;
    if (r.status === 'failed' && failedSample.length < 5) failedSample.push(`${r.id}: ${JSON.stringify(r.error).slice(0, 300)}`);
  }

  // Effects at the sandboxes, per run (SMS) and per idempotency key (tasks).
  const smsPerRun = new Map<string, TwilioMessageRow[]>();
  for (const m of input.messages) {
    const run = RUN_IN_TEXT.exec(m.body ?? '')?.[1];
    if (run === undefined) continue;
    smsPerRun.set(run, [...(smsPerRun.get(run) ?? []), m]);
  }
  const tasksPerKey = new Map<string, SandboxObject[]>();
  for (const t of input.tasks) {
    const key = t.properties['baton_idempotency_key'];
    if (key === null || key === undefined) continue;
    tasksPerKey.set(key, [...(tasksPerKey.get(key) ?? []), t]);
  }
  const duplicateSample: string[] = [];
  let duplicateSms = 0;
  for (const [run, list] of smsPerRun) {
    if (list.length <= 1) continue;
    duplicateSms += list.length - 1;
    if (duplicateSample.length < 5) duplicateSample.push(`${list.length} SMS for run ${run}`);
  }
  let duplicateTasks = 0;
  for (const [key, list] of tasksPerKey) {
    if (list.length <= 1) continue;
    duplicateTasks += list.length - 1;
    if (duplicateSample.length < 10) duplicateSample.push(`${list.length} HubSpot tasks for key ${key}`);
  }

  // Ledgers against the sandboxes.
  const silentSample: string[] = [];
  let silentSuccesses = 0;
  const sids = new Set(input.messages.map((m) => m.sid));
  const taskIds = new Set(input.tasks.map((t) => t.id));
  const smsLedger = await q.query<{ idempotency_key: string; run_id: string | null; state: string; provider_ref: string | null }>(
    `SELECT idempotency_key, run_id, state, provider_ref FROM effect_ledger WHERE tenant_id = $1 AND vendor IN ('twilio', 'whatsapp') AND kind = 'message'`,
    [tenantId],
  );
  const ledgerSids = new Set<string>();
  for (const row of smsLedger.rows) {
    if (row.provider_ref !== null) ledgerSids.add(row.provider_ref);
    if (row.state === 'done' && (row.provider_ref === null || !sids.has(row.provider_ref))) {
      silentSuccesses++;
      if (silentSample.length < 5) silentSample.push(`effect_ledger ${row.idempotency_key} (SMS) done, no such message at Twilio`);
    }
  }
  const taskLedger = await q.query<{ idempotency_key: string; state: string; output: Record<string, unknown> | null }>(
    `SELECT idempotency_key, state, output FROM effect_ledger WHERE tenant_id = $1 AND vendor = 'hubspot' AND kind = 'task'`,
    [tenantId],
  );
  const ledgerKeys = new Set<string>();
  for (const row of taskLedger.rows) {
    ledgerKeys.add(row.idempotency_key);
    const taskId = row.output?.['taskId'];
    if (row.state === 'done' && (typeof taskId !== 'string' || !taskIds.has(taskId))) {
      silentSuccesses++;
      if (silentSample.length < 10) silentSample.push(`effect_ledger ${row.idempotency_key} (HubSpot task) done, no such task in HubSpot`);
    }
  }
  for (const r of runs.rows) {
    if (r.status !== 'completed' || (smsPerRun.get(r.id)?.length ?? 0) > 0) continue;
    silentSuccesses++;
    if (silentSample.length < 10) silentSample.push(`run ${r.id} completed without its SMS at Twilio`);
  }
  const completedTasks = await q.query<{ run_id: string; key: string | null }>(
    `SELECT s.run_id, s.idempotency_key AS key FROM run_steps s JOIN runs r ON r.tenant_id = s.tenant_id AND r.id = s.run_id
      WHERE s.tenant_id = $1 AND r.playbook_id = $2 AND r.status = 'completed' AND s.step_id = 'task'`,
    [tenantId, PLAYBOOK_ID],
  );
  for (const row of completedTasks.rows) {
    if (row.key !== null && (tasksPerKey.get(row.key)?.length ?? 0) > 0) continue;
    silentSuccesses++;
    if (silentSample.length < 10) silentSample.push(`run ${row.run_id} completed without its HubSpot task (key ${String(row.key)})`);
  }
  let untracked = 0;
  for (const m of input.messages) if (RUN_IN_TEXT.test(m.body ?? '') && !ledgerSids.has(m.sid)) untracked++;
  for (const key of tasksPerKey.keys()) if (!ledgerKeys.has(key)) untracked++;

  return {
    acknowledged: input.acked.length,
    stored: events.rows.length,
    processed,
    lost: lostIds.length,
    lostSample: lostIds.slice(0, 10),
    runs: byStatus,
    runsStuck,
    runsFailed: byStatus['failed'] ?? 0,
    failedSample,
    sms: input.messages.length,
    tasks: input.tasks.length,
    duplicateSms,
    duplicateTasks,
    duplicateSample,
    silentSuccesses,
    silentSample,
    untracked,
  };
}
