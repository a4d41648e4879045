/**
 * Cron schedules of warehouse connections (croner, UTC). A periodic tick looks at every active
 * connection with a `schedule`: when the next occurrence after the last claimed slot (or after the
 * connection's creation) has come, it claims that slot with a compare-and-set on `warehouse_state`
 * (so two processes never both start it) and starts a sync like the API does. Missed slots (the
 * service was down) collapse into one sync; a slot whose sync is still running joins it.
 */
import { Cron } from 'croner';
import type { Database } from '../db/database';
import type { WorkQueue } from '../dispatch/work-queue';
import type { Logger } from '../observability/logger';
import { startSync } from './sync.job';
import type { WarehouseRepository } from './warehouse.repository';

/** The next run of a cron expression strictly after `after` (UTC), or null when it never runs again. */
export function nextSlot(schedule: string, after: Date): Date | null {
  const cron = new Cron(schedule, { paused: true, timezone: 'UTC' });
  try {
    return cron.nextRun(after);
  } finally {
    cron.stop();
  }
}

/** The latest slot at or before `now` that comes after `after`, or null when none is due. */
export function dueSlot(schedule: string, after: Date, now: Date): Date | null {
  let due: Date | null = null;
  let next = nextSlot(schedule, after);
  for (let i = 0; next !== null && next.getTime() <= now.getTime() && i < 10_000; i++) {
    due = next;
    next = nextSlot(schedule, next);
  }
  return due;
}

export async function runSchedules(deps: {
  db: Database;
  work: WorkQueue;
  repo: WarehouseRepository;
  logger: Logger;
  now: () => number;
}): Promise<number> {
  const now = new Date(deps.now());
  let started = 0;
  for (const c of await deps.repo.scheduled(deps.db)) {
    const schedule = c.config.schedule;
    if (schedule === undefined) continue;
    const state = await deps.repo.state(deps.db, c.tenantId, c.id);
    const slot = dueSlot(schedule, new Date(state.lastSlotAt ?? c.createdAt), now);
    if (slot === null) continue;
    if (!(await deps.repo.claimSlot(deps.db, c.tenantId, c.id, state.lastSlotAt, slot.toISOString()))) continue;
    const { sync } = await startSync(deps, c.tenantId, c.id, 'schedule');
    deps.logger.info({ tenantId: c.tenantId, connectionId: c.id, slot: slot.toISOString(), syncId: sync.id }, 'scheduled warehouse sync');
    started += 1;
  }
  return started;
}
