export { runsModule, ACTION_REGISTRY, DECIDER, RUNS_SERVICE, type RunsModuleOptions } from './runs.module';
export { RunsService } from './runs.service';
export { SqlRunStore } from './run.repository';
export { SqlPlaybookStore } from './playbook.repository';
export { OutboxScheduler, RUN_ADVANCE_JOB } from './outbox-scheduler.adapter';
export { ActionRegistry, type UnsupportedStep } from './action-registry.adapter';
export { NoDecisioningDecider } from './default-decider.adapter';
