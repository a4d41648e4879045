/**
 * Orchestration: versioned playbooks and durable, exactly-once runs.
 * The engine never sleeps; it asks the Scheduler port to wake a run and is invoked again through
 * `advanceRun`. See ports.ts for what the server must implement.
 */
export * from './json';
export * from './errors';
export * from './ports';
export * from './effect-ledger';

export * from './playbook/action-kinds';
export { parseDuration } from './playbook/duration';
export { analyseExpression, evaluate, evaluateCondition } from './playbook/expression';
export { resolveParams, readPath } from './playbook/params';
export { localizeParams, primaryLanguage, LANGUAGE_SCOPE_PATH } from './playbook/localize';
export * from './playbook/playbook.schema';
export { undeliverablePolicy } from './playbook/playbook.graph';
export { parsePlaybook, definePlaybook, type PlaybookIssue, type PlaybookParseResult } from './playbook/playbook.validate';
export { createPlaybookVersion, publishPlaybook, archivePlaybook, type PlaybookServiceResult } from './playbook/playbook-service';
export { resolveRetryPolicy, backoffDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy, type RetryPolicyInput } from './playbook/retry-policy';
export { nextWindowOpening, wallClock, isValidTimeZone, type DailyWindow } from './playbook/time-window';

export * from './runs/run.types';
export * from './runs/transitions';
export { idempotencyKey } from './runs/idempotency';

export { advanceRun, type AdvanceResult } from './engine/advance-run';
export type { AdvanceOutcome } from './engine/plan.types';
export { startRun, concurrencyKeyFor, type StartRunInput, type StartRunResult } from './engine/start-run';
export { deliverEvent, deliverEventToRuns, type EventEffect } from './engine/signals';
export { resumeRun, cancelRun, submitApproval, type ApprovalInput, type ControlResult } from './engine/control';
export { decideRetry, type RetryDecision } from './engine/retry-decision';
export { updateRunContext, updateProfileRunsContext, type ContextChangeResult } from './engine/context-change';
export { mergePatch } from '../shared/json-merge-patch';
export {
  DEFAULT_ENGINE_OPTIONS,
  RunContentionError,
  PinnedPlaybookMissingError,
  StalePlaybookError,
  type EngineDeps,
  type EngineOptions,
} from './engine/engine-deps';
export type { RunEvent } from './engine/scope';

export { renewalRescue, newLeadNurture, samplePlaybooks, renewalRescueDefinition, newLeadNurtureDefinition } from './samples';
