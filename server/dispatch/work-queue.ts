import type { Database, Queryable } from '../db/database';
import type { Dispatcher } from './dispatcher';
import { outbox, type JobRef, type NewJob } from './outbox.repository';

/**
 * How the rest of the server schedules work: record the row (inside the caller's transaction when
 * there is one), then ring the dispatcher after commit. If the process dies in between, the sweeper rings it.
 */
export class WorkQueue {
  constructor(
    private readonly db: Database,
    private readonly dispatcher: Dispatcher,
  ) {}

  /** Records a job inside the caller's transaction; call `notify` with the result after commit. */
  record(tx: Queryable, job: NewJob): Promise<JobRef> {
    return outbox.insert(tx, job);
  }

  /** Records several jobs in one statement inside the caller's transaction; `notify` with the result after commit. */
  recordMany(tx: Queryable, jobs: readonly NewJob[]): Promise<JobRef[]> {
    return outbox.insertMany(tx, jobs);
  }

  async notify(refs: readonly JobRef[]): Promise<void> {
    try {
      await this.dispatcher.notify(refs);
    } catch {
      // The rows are committed: the sweeper will dispatch them when the transport is back.
    }
  }

  /** Records and dispatches one job on its own ("do X now" or "wake me at T"). */
  async enqueue(job: NewJob): Promise<JobRef> {
    const ref = await outbox.insert(this.db, job);
    await this.notify([ref]);
    return ref;
  }
}
