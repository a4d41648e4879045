/**
 * What happened after a decision: outcomes recorded through the API, the CRMs and card buttons,
 * outcome-type events of the pipeline, decisions whose attribution window ran out, outbound contacts
 * of runs (frequency caps) and the lift report. The rules are the pure core's (app/decisioning).
 */
import { DecisioningService, type Channel, type LiftReport, type Outcome } from '../../app/decisioning';
import type { Clock } from '../../app/shared/clock';
import type { Random } from '../../app/shared/random';
import type { Database, Queryable } from '../db/database';
import { profileAliases } from '../identity/profiles.repository';
import { newId } from '../security/ids';
import type { DecisionRepository, StoredDecision } from './decision.repository';
import type { DecisionRecord } from '../../app/decisioning/record';
import { SqlContactHistory, SqlDecisionStore, SqlPosteriorStore } from './stores.repository';

/** The SQL decision store answering `openFor` of exactly the ids and time read ahead from what was read. */
class OpenReadAhead extends SqlDecisionStore {
  constructor(
    q: Queryable,
    tenantId: string,
    private readonly open: { ids: readonly string[]; at: number; records: readonly DecisionRecord[] },
  ) {
    super(q, tenantId);
  }

  override openFor(profileIds: readonly string[], at: number): Promise<DecisionRecord[]> {
    const { ids, records } = this.open;
    const same = at === this.open.at && profileIds.length === ids.length && profileIds.every((id, i) => id === ids[i]);
    return same ? Promise.resolve([...records]) : super.openFor(profileIds, at);
  }
}

export interface OutcomesDeps {
  readonly db: Database;
  readonly clock: Clock;
  readonly random: Random;
  readonly decisions: DecisionRepository;
}

export class OutcomesUseCase {
  constructor(private readonly deps: OutcomesDeps) {}

  /** The core over the SQL ports; `open`: what `openFor(ids, at)` answers, read ahead (anything else asks SQL). */
  private service(
    q: Queryable,
    tenantId: string,
    open?: { ids: readonly string[]; at: number; records: readonly DecisionRecord[] },
  ): DecisioningService {
    const decisions = open === undefined ? new SqlDecisionStore(q, tenantId) : new OpenReadAhead(q, tenantId, open);
    return new DecisioningService({
      clock: this.deps.clock,
      random: this.deps.random,
      ids: { newId },
      posteriors: new SqlPosteriorStore(q, tenantId),
      contacts: new SqlContactHistory(q, tenantId),
      decisions,
    });
  }

  async recordOutcome(
    tenantId: string,
    decisionId: string,
    outcome: Outcome,
    value?: number,
  ): Promise<Awaited<ReturnType<DecisioningService['recordOutcome']>>> {
    return this.deps.db.transaction((tx) => this.service(tx, tenantId).recordOutcome(decisionId, outcome, value));
  }

  /**
   * An outcome-type event (reply, meeting booked…) settles the decision it is attributed to, also a
   * decision made on a profile id that has since been merged into this one; q is the pipeline's transaction.
   */
  async recordOutcomeEvent(
    q: Queryable,
    tenantId: string,
    profileId: string,
    outcomeType: string,
    at: number,
    knownAliases?: readonly string[],
    /** The open decisions of `knownAliases` at `at`, when the caller read them already (applyEventToProfile). */
    knownOpen?: readonly DecisionRecord[],
  ): Promise<boolean> {
    const aliases = knownAliases ?? (await profileAliases(q, tenantId, profileId));
    const service =
      knownAliases === undefined || knownOpen === undefined
        ? this.service(q, tenantId)
        : this.service(q, tenantId, { ids: aliases, at, records: knownOpen });
    const result = await service.recordOutcomeEvent(aliases, outcomeType, at);
    return result?.ok === true;
  }

  async lift(tenantId: string, confidenceLevel: number): Promise<LiftReport> {
    return this.service(this.deps.db, tenantId).lift(confidenceLevel);
  }

  /** Settles every decision whose attribution window ran out (implicit negatives), for all tenants. */
  async expireDue(limitPerTenant = 500): Promise<number> {
    const tenants = await this.deps.decisions.tenantsWithExpired(this.deps.db, this.deps.clock.now());
    let settled = 0;
    for (const tenantId of tenants) settled += await this.service(this.deps.db, tenantId).expireDue(limitPerTenant);
    return settled;
  }

  /**
   * An outbound contact a run made (email, message, task step that succeeded): counts towards
   * frequency caps, once per key (the decision id, or the step's idempotency key).
   */
  async recordContact(
    q: Queryable,
    tenantId: string,
    profileId: string,
    key: string,
    contact: { actionId: string; channel: Channel },
  ): Promise<void> {
    await new SqlContactHistory(q, tenantId).recordDelivery(profileId, key, { ...contact, at: this.deps.clock.now() });
  }

  /** A card button's verdict as learning feedback (card_accept positive, card_dismiss negative), if the decision is still open. */
  async feedback(tenantId: string, decision: StoredDecision, outcome: Outcome): Promise<boolean> {
    if (decision.settlement !== null) return false;
    const result = await this.recordOutcome(tenantId, decision.record.decisionId, outcome);
    return result.ok;
  }
}
