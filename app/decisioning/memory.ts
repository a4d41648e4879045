/** In-memory implementations of the decisioning ports, for tests, the simulator and the demo. */
import { aggregateObservations, type LiftRow } from './learning/lift';
import { applyPosteriorUpdate, type PosteriorUpdate, type Settlement } from './learning/outcomes';
import { type ContactHistoryStore, type DecisionStore, type PosteriorStore } from './ports';
import { type DecisionRecord } from './record';
import { type ContactRecord, type PropensityTable } from './types';

export { ManualClock } from '../shared/clock';
export { SequentialIds } from '../shared/ids';

export class InMemoryPosteriorStore implements PosteriorStore {
  private table: PropensityTable;
  constructor(initial: PropensityTable = {}) {
    this.table = initial;
  }
  async load(actionIds: readonly string[]): Promise<PropensityTable> {
    return this.loadSync(actionIds);
  }
  loadSync(actionIds: readonly string[]): PropensityTable {
    const out: Record<string, PropensityTable[string]> = {};
    for (const id of actionIds) {
      const evidence = this.table[id];
      if (evidence !== undefined) out[id] = evidence;
    }
    return out;
  }
  async apply(update: PosteriorUpdate): Promise<void> {
    this.applySync(update);
  }
  applySync(update: PosteriorUpdate): void {
    this.table = applyPosteriorUpdate(this.table, update);
  }
  snapshot(): PropensityTable {
    return this.table;
  }
}

export class InMemoryContactHistory implements ContactHistoryStore {
  private readonly byProfile = new Map<string, ContactRecord[]>();
  async recent(profileId: string, since: number): Promise<ContactRecord[]> {
    return this.recentSync(profileId, since);
  }
  recentSync(profileId: string, since: number): ContactRecord[] {
    return (this.byProfile.get(profileId) ?? []).filter((r) => r.at >= since);
  }
  async append(profileId: string, record: ContactRecord): Promise<void> {
    this.appendSync(profileId, record);
  }
  appendSync(profileId: string, record: ContactRecord): void {
    const list = this.byProfile.get(profileId) ?? [];
    list.push(record);
    this.byProfile.set(profileId, list);
  }
}

export class InMemoryDecisionStore implements DecisionStore {
  private readonly records = new Map<string, { record: DecisionRecord; settlement: Settlement | null }>();
  async save(record: DecisionRecord): Promise<void> {
    this.records.set(record.decisionId, { record, settlement: null });
  }
  async get(decisionId: string): Promise<{ record: DecisionRecord; settlement: Settlement | null } | undefined> {
    return this.records.get(decisionId);
  }
  async settle(settlement: Settlement): Promise<boolean> {
    const entry = this.records.get(settlement.decisionId);
    if (entry === undefined || entry.settlement !== null) return false;
    entry.settlement = settlement;
    return true;
  }
  async openFor(profileIds: readonly string[], at: number): Promise<DecisionRecord[]> {
    return [...this.records.values()]
      .filter(
        (e) =>
          e.settlement === null && profileIds.includes(e.record.profileId) && e.record.decidedAt <= at && at <= e.record.attributionEndsAt,
      )
      .map((e) => e.record);
  }
  async expired(now: number, limit: number): Promise<DecisionRecord[]> {
    return [...this.records.values()]
      .filter((e) => e.settlement === null && e.record.attributionEndsAt < now)
      .map((e) => e.record)
      .sort((a, b) => a.attributionEndsAt - b.attributionEndsAt)
      .slice(0, limit);
  }
  async liftRows(): Promise<LiftRow[]> {
    const observations = [...this.records.values()].flatMap((e) => (e.settlement?.lift ? [e.settlement.lift] : []));
    return aggregateObservations(observations);
  }
}
