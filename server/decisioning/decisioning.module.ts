/**
 * The decisioning capability ("the brain") inside the service: signals, journey state and hotness
 * from every event, next-best-action decisions with explanations, outcomes and lift, and the Decider
 * for playbook `decide` steps. Needs nothing but identity's optional parts; runs, automation and the
 * record card need it (server/automation, server/cards).
 */
import type { SignalExtractor } from '../../app/signals';
import { signalExtractorFor } from '../../connectors/llm';
import { IDENTITY_SERVICE, PROFILE_SECTIONS } from '../identity/identity.module';
import type { Database } from '../db/database';
import { startPeriodic, type Periodic } from '../dispatch/periodic';
import { defineModule, provide, type ModuleFactory, type ServiceModule } from '../module';
import { recordDecisionDelivery } from './lift.repository';
import { CONTACT_RECORDER, DECIDER } from '../runs/runs.module';
import { DecisioningDecider } from './decider.adapter';
import { createDecisioning, DECISIONING, type Decisioning } from './decisioning';
import { decisioningRoutes } from './decisioning.routes';
import { eraseDecisioningData } from './erasure.repository';
import { OUTCOME_SERVICE, type OutcomeService } from './outcome.service';
import { decisioningStage } from './pipeline.stage';
import { decisioningSections } from './profile-sections';

export interface DecisioningModuleOptions {
  /** Overrides the extractor chosen from config.llm (tests). */
  readonly extractor?: SignalExtractor;
  /** How often a worker settles decisions whose attribution window ran out (default 60 s; 0 disables). */
  readonly expiryIntervalMs?: number;
  /** Clock (epoch ms) for decisions; default the system clock. */
  readonly now?: () => number;
}

export function decisioningModuleWith(options: DecisioningModuleOptions = {}): ModuleFactory {
  return defineModule({
    name: 'decisioning',
    uses: { identity: IDENTITY_SERVICE, sections: PROFILE_SECTIONS },
    provides: [DECISIONING, DECIDER, CONTACT_RECORDER, OUTCOME_SERVICE],
    build(ctx, { identity, sections }) {
      const d = createDecisioning(ctx.db, options.now === undefined ? ctx.clock : { now: options.now });
      const chosen =
        options.extractor === undefined ? signalExtractorFor(ctx.config.llm, ctx.logger) : { extractor: options.extractor, name: 'custom' };
      for (const section of decisioningSections(d)) sections?.add(section);

      const intervalMs = options.expiryIntervalMs ?? 60_000;
      let expiry: Periodic | undefined;
      const module: ServiceModule = {
        name: 'decisioning',
        api: decisioningRoutes({ db: ctx.db, decisioning: d, identity }),
        erase: (tx, tenantId, profileIds) => eraseDecisioningData(tx, tenantId, profileIds),
        stages: [
          decisioningStage({ db: ctx.db, decisioning: d, extractor: chosen.extractor, extractorName: chosen.name, logger: ctx.logger }),
        ],
        async start() {
          if (ctx.config.role === 'web' || intervalMs <= 0) return;
          const expire = async (): Promise<void> => {
            const settled = await d.outcomes.expireDue();
            if (settled > 0) ctx.logger.info({ settled }, 'decisions past their attribution window settled as no response');
          };
          expiry = startPeriodic(expire, intervalMs, (err) => ctx.logger.warn({ err }, 'decision expiry failed; will try again'));
        },
        async stop() {
          await expiry?.stop();
        },
      };
      return {
        module,
        provided: [
          provide(DECISIONING, d),
          provide(DECIDER, new DecisioningDecider(ctx.db, d)),
          provide(CONTACT_RECORDER, {
            record: (c) => d.outcomes.recordContact(ctx.db, c.tenantId, c.profileId, c.key, { actionId: c.actionId, channel: c.channel }),
            delivery: (c) => recordDecisionDelivery(ctx.db, c.tenantId, c.decisionId, c.delivered, c.reason),
          }),
          provide(OUTCOME_SERVICE, outcomeService(ctx.db, d)),
        ],
      };
    },
  });
}

/** OUTCOME_SERVICE over the decisioning parts: the same path as POST /api/v1/decisions/:id/outcome. */
function outcomeService(db: Database, d: Decisioning): OutcomeService {
  const record: OutcomeService['record'] = async (tenantId, decisionId, outcome, value) => {
    const result = await d.outcomes.recordOutcome(tenantId, decisionId, outcome, value);
    return result.ok
      ? { ok: true, decisionId, outcome: result.settlement.outcome, learned: result.settlement.posteriorUpdate !== null }
      : { ok: false, decisionId, reason: result.reason };
  };
  return {
    record,
    async recordForRun(tenantId, runId, outcome) {
      const decisionId = await d.decisions.openDecisionOfRun(db, tenantId, runId);
      return decisionId === undefined ? null : record(tenantId, decisionId, outcome);
    },
  };
}

export const decisioningModule: ModuleFactory = decisioningModuleWith();
