/**
 * What expressions, templates and decide-context can read at run time:
 * - `context`: the run's input (e.g. `context.profile.timeZone`, `context.deal.amount`);
 * - `steps.<id>.output` / `steps.<id>.status`: earlier steps of the same run;
 * - `run`: `{ id, profileId, playbookId, playbookVersion, startedAt }`;
 * - `event`: only in wait-for-event `match` and exit criteria: the incoming event
 *   `{ id, type, occurredAt, profileId, properties }`.
 */
export const RUN_SCOPE_ROOTS = ['context', 'steps', 'run'] as const;
export const EVENT_SCOPE_ROOTS = [...RUN_SCOPE_ROOTS, 'event'] as const;
/**
 * A playbook trigger's `when` (no run exists yet): `event` `{ id, type, source, occurredAt, text,
 * properties }` and `profile` `{ id, stage, hotness, traits, signal: { intent, sentiment, urgency } | null }`.
 */
export const TRIGGER_SCOPE_ROOTS = ['event', 'profile'] as const;
