export { ManualClock } from './manual-clock';
export { SequentialIds } from './sequential-ids';
export { MemoryRunStore } from './memory-run-store';
export { MemoryPlaybookStore } from './memory-playbook-store';
export { MemoryScheduler } from './memory-scheduler';
export { CountingActionPort, type AppliedEffect, type ScriptedCall } from './counting-action-port';
export { ScriptedDecider } from './scripted-decider';
export { MemoryEffectLedger } from './memory-effect-ledger';
