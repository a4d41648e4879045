/**
 * What the decisioning core needs from the outside, as interfaces. The server implements them over
 * its database; `memory.ts` implements them in memory for tests and the demo. One port instance
 * serves one tenant (the server builds tenant-scoped instances).
 */
import { type LiftRow } from './learning/lift';
import { type PosteriorUpdate, type Settlement } from './learning/outcomes';
import { type DecisionRecord } from './record';
import { type ContactRecord, type PropensityTable } from './types';

/** Time, ids and randomness: the shared ports (app/shared). Decision ids are `newId('dec')`. */
export type { Clock } from '../shared/clock';
export type { IdGenerator } from '../shared/ids';
export type { Random } from '../shared/random';

export interface PosteriorStore {
  /** Outcome counts for the given actions (missing ones are new). */
  load(actionIds: readonly string[]): Promise<PropensityTable>;
  /** Adds one outcome; must be atomic (an increment), several processes update concurrently. */
  apply(update: PosteriorUpdate): Promise<void>;
}

export interface ContactHistoryStore {
  /** Contacts of one profile at or after `since` (epoch ms). */
  recent(profileId: string, since: number): Promise<ContactRecord[]>;
  /** Called when an action was actually delivered (not when it was decided). */
  append(profileId: string, record: ContactRecord): Promise<void>;
}

export interface DecisionStore {
  save(record: DecisionRecord): Promise<void>;
  get(decisionId: string): Promise<{ record: DecisionRecord; settlement: Settlement | null } | undefined>;
  /**
   * Records the settlement unless one exists; returns false when the decision was already settled
   * (must be atomic: a conditional update in SQL).
   */
  settle(settlement: Settlement): Promise<boolean>;
  /**
   * Unsettled decisions of a person whose attribution window contains `at`. `profileIds` are every
   * id the person has had (the live one and the ids merged into it): decisions made before a merge count.
   */
  openFor(profileIds: readonly string[], at: number): Promise<DecisionRecord[]>;
  /** Unsettled decisions whose attribution window ended before `now`, oldest first. */
  expired(now: number, limit: number): Promise<DecisionRecord[]>;
  /** Settled decisions aggregated for lift. */
  liftRows(): Promise<LiftRow[]>;
}
