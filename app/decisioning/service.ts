/**
 * The decisioning use cases over the ports: what the server calls. Loading and saving happen here;
 * every rule lives in the pure functions (`decide`, `settleDecision`, `expireDecision`, `liftReport`).
 */
import { type Action, type ActionCatalog } from './catalog';
import { type DecisioningConfig } from './config';
import { decide } from './decide';
import { liftReport, type LiftReport } from './learning/lift';
import {
  attributeEvent,
  expireDecision,
  outcomeForEvent,
  settleDecision,
  type Outcome,
  type SettleResult,
  type Settlement,
} from './learning/outcomes';
import { type Clock, type ContactHistoryStore, type DecisionStore, type IdGenerator, type PosteriorStore, type Random } from './ports';
import { type DecisionRecord } from './record';
import { type ContactRecord, type DecisionContext, type ProfileSnapshot } from './types';

export interface DecisioningPorts {
  readonly clock: Clock;
  readonly random: Random;
  readonly ids: IdGenerator;
  readonly posteriors: PosteriorStore;
  readonly contacts: ContactHistoryStore;
  readonly decisions: DecisionStore;
}

export interface DecideRequest {
  readonly profile: ProfileSnapshot;
  readonly context?: DecisionContext;
  readonly catalog: ActionCatalog | readonly Action[];
  readonly config: DecisioningConfig;
  /** The profile's persistent holdout assignment, when the caller keeps one (see DecisionInput). */
  readonly holdoutAssignment?: boolean;
}

const WEEK_MS = 7 * 24 * 3_600_000;

export class DecisioningService {
  constructor(private readonly ports: DecisioningPorts) {}

  /** Decides for one profile and stores the record (with the explanation) before returning it. */
  async decide(request: DecideRequest): Promise<DecisionRecord> {
    const now = this.ports.clock.now();
    const actions = Array.isArray(request.catalog) ? (request.catalog as readonly Action[]) : (request.catalog as ActionCatalog).actions;
    const [propensities, contactHistory] = await Promise.all([
      this.ports.posteriors.load(actions.map((a) => a.id)),
      this.ports.contacts.recent(request.profile.profileId, now - WEEK_MS),
    ]);
    const record = decide(
      {
        decisionId: this.ports.ids.newId('dec'),
        profile: request.profile,
        ...(request.context !== undefined ? { context: request.context } : {}),
        catalog: request.catalog,
        config: request.config,
        ...(request.holdoutAssignment !== undefined ? { holdoutAssignment: request.holdoutAssignment } : {}),
        propensities,
        contactHistory,
        now,
      },
      this.ports.random,
    );
    await this.ports.decisions.save(record);
    return record;
  }

  /** `POST /api/v1/decisions/:id/outcome`. */
  async recordOutcome(decisionId: string, outcome: Outcome, value?: number): Promise<SettleResult | { ok: false; reason: 'not_found' }> {
    const stored = await this.ports.decisions.get(decisionId);
    if (stored === undefined) return { ok: false, reason: 'not_found' };
    const result = settleDecision(stored.record, outcome, this.ports.clock.now(), {
      ...(value !== undefined ? { value } : {}),
      alreadySettled: stored.settlement !== null,
    });
    if (!result.ok) return result;
    return this.commit(result.settlement);
  }

  /**
   * An ingested event (reply, meeting booked, unsubscribe...) settles the decision it is attributed
   * to, if any. `profileIds`: the person's live id and every id merged into it.
   */
  async recordOutcomeEvent(profileIds: string | readonly string[], eventType: string, at: number): Promise<SettleResult | null> {
    const outcome = outcomeForEvent(eventType);
    if (outcome === null) return null;
    const ids = typeof profileIds === 'string' ? [profileIds] : profileIds;
    const decision = attributeEvent(await this.ports.decisions.openFor(ids, at), at);
    if (decision === null) return null;
    const result = settleDecision(decision, outcome, at);
    if (!result.ok) return result;
    return this.commit(result.settlement);
  }

  /** Settles decisions whose attribution window ran out as negative; returns how many. */
  async expireDue(limit = 1000): Promise<number> {
    const now = this.ports.clock.now();
    let settled = 0;
    for (const record of await this.ports.decisions.expired(now, limit)) {
      const settlement = expireDecision(record, now);
      if (settlement !== null && (await this.commit(settlement)).ok) settled++;
    }
    return settled;
  }

  /** Called by the run engine when an action was actually delivered (frequency caps count these). */
  async recordContact(profileId: string, contact: ContactRecord): Promise<void> {
    await this.ports.contacts.append(profileId, contact);
  }

  async lift(confidenceLevel = 0.95): Promise<LiftReport> {
    return liftReport(await this.ports.decisions.liftRows(), confidenceLevel);
  }

  private async commit(settlement: Settlement): Promise<SettleResult> {
    if (!(await this.ports.decisions.settle(settlement))) return { ok: false, reason: 'an outcome was already recorded for this decision' };
    if (settlement.posteriorUpdate !== null) await this.ports.posteriors.apply(settlement.posteriorUpdate);
    return { ok: true, settlement };
  }
}
