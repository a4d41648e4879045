import type { PlaybookInput, RunSnapshot, StepExecution } from '../../app/orchestration';

/** A minimal pending run snapshot, for store contract tests. */
export function pendingRun(
  tenantId: string,
  runId: string,
  concurrencyKey: string | null,
  extra: { profileId?: string; playbookId?: string; createdAt?: number } = {},
): RunSnapshot {
  const createdAt = extra.createdAt ?? 1_700_000_000_000;
  return {
    run: {
      tenantId,
      id: runId,
      playbookId: extra.playbookId ?? 'pb',
      playbookVersion: 1,
      profileId: extra.profileId ?? 'p',
      concurrencyKey,
      status: 'pending',
      context: { profile: { timeZone: 'Europe/Paris', tags: ['a', 'b'] }, score: 1.5 },
      cursor: 'a',
      waitingFor: null,
      wakeAt: createdAt,
      error: null,
      end: null,
      lease: null,
      resumeCount: 0,
      consumedEventIds: [],
      version: 0,
      createdAt,
      updatedAt: createdAt,
      startedAt: null,
      endedAt: null,
    },
    steps: [step('a', createdAt)],
  };
}

export function step(stepId: string, at: number): StepExecution {
  return {
    stepId,
    kind: 'action',
    status: 'scheduled',
    input: null,
    output: null,
    attempt: 0,
    rateLimitWaits: 0,
    error: null,
    idempotencyKey: null,
    keyGeneration: 0,
    decision: null,
    dueAt: null,
    attempts: [],
    scheduledAt: at,
    startedAt: null,
    attemptStartedAt: null,
    finishedAt: null,
    updatedAt: at,
  };
}

/** action(note) → wait(duration) → action(task) → exit: one effect before and one after a timer. */
/** A definition without a version: the API gives it the next free one. */
export type PlaybookDraft = Omit<PlaybookInput, 'version'>;

export function crashPlaybook(id: string, wait: string): PlaybookDraft {
  return {
    id,
    name: `Crash test ${id}`,
    concurrency: 'unlimited',
    defaults: { retry: { maxAttempts: 10, initialInterval: '100ms', maxInterval: '1s' } },
    steps: [
      { id: 'first', kind: 'action', action: { type: 'note', params: { body: 'first touch for {{run.profileId}}' } } },
      { id: 'pause', kind: 'wait', wait: { type: 'duration', duration: wait } },
      { id: 'second', kind: 'action', action: { type: 'task', params: { subject: 'follow up {{run.profileId}}' } } },
      { id: 'done', kind: 'exit', reason: 'crash test finished' },
    ],
  };
}

/** Five action steps with no-op (logged) effects: the bench and scale-out playbook. */
export function fiveStepPlaybook(id: string): PlaybookDraft {
  return {
    id,
    name: `Five steps ${id}`,
    concurrency: 'unlimited',
    steps: [1, 2, 3, 4, 5].map((n) => ({
      id: `s${n}`,
      kind: 'action' as const,
      action: { type: 'note' as const, params: { body: `step ${n}` } },
    })),
  };
}
