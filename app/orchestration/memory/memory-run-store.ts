import { comparePositions } from '../../shared/page-position';
import type {
  CommitResult,
  CreateRunOptions,
  CreateRunResult,
  PagePosition,
  RunListFilter,
  RunStore,
  Scheduler,
  WakeRequest,
} from '../ports';
import { isRunActive, type Run, type RunSnapshot } from '../runs/run.types';

const key = (tenantId: string, runId: string) => `${tenantId}\u0000${runId}`;
const copy = <T>(value: T): T => structuredClone(value);

/**
 * In-memory RunStore honouring the same contract as the SQL adapter (see ports.ts): atomic
 * concurrency-key check on create, compare-and-set on version, tenant isolation, copies in and out,
 * and wake-ups handed to `wakes` only after the write they travel with has been applied.
 */
export class MemoryRunStore implements RunStore {
  private readonly rows = new Map<string, RunSnapshot>();
  /** Start keys (CreateRunOptions.startKey), by tenant and key: the run each started or joined. */
  private readonly starts = new Map<string, string>();
  /** Number of commits refused for a stale version (for tests). */
  conflicts = 0;

  /** @param wakes Receives the wake-ups recorded with creates and commits (after the write). */
  constructor(private readonly wakes?: Scheduler) {}

  private async deliverAfterWrite(wake: WakeRequest | undefined): Promise<void> {
    if (wake === undefined) return;
    if (this.wakes === undefined) throw new Error('MemoryRunStore was given a wake-up but has no scheduler to hand it to');
    await this.wakes.wakeAt(wake);
  }

  async create(snapshot: RunSnapshot, wake?: WakeRequest, options?: CreateRunOptions): Promise<CreateRunResult> {
    const { run } = snapshot;
    const startKey = options?.startKey === undefined ? undefined : key(run.tenantId, options.startKey);
    if (startKey !== undefined) {
      const known = this.rows.get(key(run.tenantId, this.starts.get(startKey) ?? run.id));
      if (known !== undefined) {
        if (!this.starts.has(startKey)) this.starts.set(startKey, known.run.id);
        return { created: false, snapshot: copy(known) };
      }
    }
    if (run.concurrencyKey !== null) {
      for (const stored of this.rows.values()) {
        const other = stored.run;
        if (other.tenantId === run.tenantId && other.concurrencyKey === run.concurrencyKey && isRunActive(other.status)) {
          if (startKey !== undefined && !this.starts.has(startKey)) this.starts.set(startKey, other.id);
          return { created: false, snapshot: copy(stored) };
        }
      }
    }
    if (this.rows.has(key(run.tenantId, run.id))) throw new Error(`run ${run.id} already exists`);
    const stored = copy(snapshot);
    stored.run.version = 1;
    this.rows.set(key(run.tenantId, run.id), stored);
    if (startKey !== undefined && !this.starts.has(startKey)) this.starts.set(startKey, run.id);
    await this.deliverAfterWrite(wake);
    return { created: true, snapshot: copy(stored) };
  }

  async load(tenantId: string, runId: string): Promise<RunSnapshot | null> {
    const stored = this.rows.get(key(tenantId, runId));
    return stored === undefined ? null : copy(stored);
  }

  async commit(snapshot: RunSnapshot, expectedVersion: number, wake?: WakeRequest): Promise<CommitResult> {
    const k = key(snapshot.run.tenantId, snapshot.run.id);
    const stored = this.rows.get(k);
    if (stored === undefined) return { ok: false, reason: 'not_found' };
    if (stored.run.version !== expectedVersion) {
      this.conflicts += 1;
      return { ok: false, reason: 'version_conflict' };
    }
    const next = copy(snapshot);
    next.run.version = expectedVersion + 1;
    // Upsert step executions by step id (steps not in the snapshot are kept, like an SQL upsert).
    const steps = [...stored.steps];
    for (const exec of next.steps) {
      const index = steps.findIndex((s) => s.stepId === exec.stepId);
      if (index >= 0) steps[index] = exec;
      else steps.push(exec);
    }
    this.rows.set(k, { run: next.run, steps });
    await this.deliverAfterWrite(wake);
    return { ok: true, version: next.run.version };
  }

  async listActiveForProfile(tenantId: string, profileId: string): Promise<RunSnapshot[]> {
    return this.select(tenantId, (r) => r.profileId === profileId && isRunActive(r.status)).flatMap((r) => {
      const stored = this.rows.get(key(tenantId, r.id));
      return stored === undefined ? [] : [copy(stored)];
    });
  }

  async list(tenantId: string, filter: RunListFilter): Promise<Run[]> {
    const newest = filter.order === 'newest';
    const beyond = (r: Run, p: PagePosition): boolean => {
      const order = comparePositions({ at: r.createdAt, id: r.id }, p);
      return newest ? order < 0 : order > 0;
    };
    const selected = this.select(
      tenantId,
      (r) =>
        (filter.profileId === undefined || r.profileId === filter.profileId) &&
        (filter.playbookId === undefined || r.playbookId === filter.playbookId) &&
        (filter.statuses === undefined || filter.statuses.includes(r.status)) &&
        (filter.after === undefined || beyond(r, filter.after)),
    );
    const matches = newest ? selected.reverse() : selected;
    return filter.limit === undefined ? matches : matches.slice(0, filter.limit);
  }

  /** All snapshots of a tenant (tests). */
  all(tenantId: string): RunSnapshot[] {
    return [...this.rows.values()].filter((s) => s.run.tenantId === tenantId).map(copy);
  }

  private select(tenantId: string, predicate: (run: Run) => boolean): Run[] {
    return [...this.rows.values()]
      .map((s) => s.run)
      .filter((r) => r.tenantId === tenantId && predicate(r))
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(copy);
  }
}
