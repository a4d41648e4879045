import type { PlaybookBody, RunBody, RunDetailBody, StepBody } from '../../app/contracts';
import type { Run, RunSnapshot, StepExecution, StoredPlaybook } from '../../app/orchestration';

/** API representations (their contract: app/contracts/runs.ts): ISO timestamps, no internal lease owner ids. */
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function runView(run: Run): RunBody {
  return {
    id: run.id,
    playbookId: run.playbookId,
    playbookVersion: run.playbookVersion,
    profileId: run.profileId,
    status: run.status,
    currentStep: run.cursor,
    waitingFor: run.waitingFor,
    wakeAt: iso(run.wakeAt),
    error: run.error,
    end: run.end,
    context: run.context,
    resumeCount: run.resumeCount,
    leaseExpiresAt: iso(run.lease?.expiresAt ?? null),
    version: run.version,
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    startedAt: iso(run.startedAt),
    endedAt: iso(run.endedAt),
  };
}

export function stepView(exec: StepExecution): StepBody {
  return {
    stepId: exec.stepId,
    kind: exec.kind,
    status: exec.status,
    input: exec.input,
    output: exec.output,
    attempt: exec.attempt,
    error: exec.error,
    idempotencyKey: exec.idempotencyKey,
    decision: exec.decision,
    dueAt: iso(exec.dueAt),
    rateLimitWaits: exec.rateLimitWaits,
    attempts: exec.attempts.map((a) => ({ ...a, startedAt: iso(a.startedAt), finishedAt: iso(a.finishedAt) })),
    scheduledAt: iso(exec.scheduledAt),
    startedAt: iso(exec.startedAt),
    finishedAt: iso(exec.finishedAt),
    updatedAt: iso(exec.updatedAt),
  };
}

export const snapshotView = (snapshot: RunSnapshot): RunDetailBody => ({ ...runView(snapshot.run), steps: snapshot.steps.map(stepView) });

export function playbookView(stored: StoredPlaybook): PlaybookBody {
  return { ...stored.playbook, createdAt: iso(stored.createdAt), updatedAt: iso(stored.updatedAt) };
}
