import type { RunSnapshot } from '../../../../app/orchestration';

/** A minimal pending run snapshot (tenant "t"), for store tests. */
export function newExecutionForTest(runId: string, concurrencyKey: string | null): RunSnapshot {
  return {
    run: {
      tenantId: 't',
      id: runId,
      playbookId: 'pb',
      playbookVersion: 1,
      profileId: 'p',
      concurrencyKey,
      status: 'pending',
      context: {},
      cursor: 'a',
      waitingFor: null,
      wakeAt: null,
      error: null,
      end: null,
      lease: null,
      resumeCount: 0,
      consumedEventIds: [],
      version: 0,
      createdAt: 0,
      updatedAt: 0,
      startedAt: null,
      endedAt: null,
    },
    steps: [],
  };
}
