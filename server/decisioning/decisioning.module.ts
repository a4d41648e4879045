/**
 * The decisioning capability ("the brain") inside the service: signals, journey state and hotness
 * from every event, next-best-action decisions with explanations, outcomes and lift, the Decider for
 * playbook `decide` steps, and the record card. Sits between identity and runs in server/modules.ts.
 */
import { OfflineSignalExtractor, type SignalExtractor } from '../../app/signals';
import { LlmSignalExtractor } from '../../connectors/llm';
import { CARD_SERVICE } from '../cards/card.service';
import type { Config } from '../config';
import { IDENTITY_SERVICE, PROFILE_SECTIONS } from '../identity/identity.module';
import { startPeriodic, type Periodic } from '../dispatch/periodic';
import type { ModuleFactory } from '../module';
import type { Logger } from '../observability/logger';
import { recordDecisionDelivery } from './lift.repository';
import { CONTACT_RECORDER, DECIDER, RUNS_SERVICE } from '../runs/runs.module';
import { DecisioningCardService } from './card.adapter';
import { DecisioningDecider } from './decider.adapter';
import { decisioningRoutes } from './decisioning.routes';
import { DecisioningFacade } from './decisioning.service';
import { eraseDecisioningData } from './erasure';
import { OUTCOME_SERVICE } from './outcome.service';
import { decisioningStage } from './pipeline.stage';
import { PipelineAutomation } from './automation';
import { decisioningSections, runsSection } from './profile-sections';

export interface DecisioningModuleOptions {
  /** Overrides the extractor chosen from config.llm (tests). */
  readonly extractor?: SignalExtractor;
  /** How often a worker settles decisions whose attribution window ran out (default 60 s; 0 disables). */
  readonly expiryIntervalMs?: number;
  /** Clock (epoch ms) for decisions; default Date.now. */
  readonly now?: () => number;
}

const DEFAULT_BASE_URL = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' } as const;
const DEFAULT_MODEL = { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } as const;

/** The offline model, or the configured LLM provider with the offline model as its fallback. */
export function signalExtractorFor(llm: Config['llm'], logger: Logger): { extractor: SignalExtractor; name: string } {
  const offline = new OfflineSignalExtractor();
  if (llm.provider === 'none') return { extractor: offline, name: 'offline' };
  const extractor = new LlmSignalExtractor(
    {
      kind: llm.provider,
      baseUrl: llm.baseUrl ?? DEFAULT_BASE_URL[llm.provider],
      apiKey: llm.apiKey ?? '',
      model: llm.model ?? DEFAULT_MODEL[llm.provider],
      timeoutMs: llm.timeoutMs,
    },
    { fallback: offline, onFallback: (err) => logger.warn({ err, provider: llm.provider }, 'LLM signal extraction failed; used the offline model') },
  );
  return { extractor, name: llm.provider };
}

export function decisioningModuleWith(options: DecisioningModuleOptions = {}): ModuleFactory {
  return (ctx) => {
    const facade = new DecisioningFacade(ctx.db, options.now);
    const chosen = options.extractor === undefined ? signalExtractorFor(ctx.config.llm, ctx.logger) : { extractor: options.extractor, name: 'custom' };
    const identity = () => ctx.services.get(IDENTITY_SERVICE);
    const cards = new DecisioningCardService({ db: ctx.db, facade, runs: () => ctx.services.get(RUNS_SERVICE), identity });
    ctx.services.provide(DECIDER, new DecisioningDecider(ctx.db, facade));
    ctx.services.provide(CARD_SERVICE, cards);
    ctx.services.provide(CONTACT_RECORDER, {
      record: (c) => facade.recordContact(ctx.db, c.tenantId, c.profileId, c.key, { actionId: c.actionId, channel: c.channel }),
      delivery: (d) => recordDecisionDelivery(ctx.db, d.tenantId, d.decisionId, d.delivered, d.reason),
    });
    ctx.services.provide(OUTCOME_SERVICE, {
      async record(tenantId, decisionId, outcome, value) {
        const result = await facade.recordOutcome(tenantId, decisionId, outcome, value);
        return result.ok
          ? { ok: true, decisionId, outcome: result.settlement.outcome, learned: result.settlement.posteriorUpdate !== null }
          : { ok: false, decisionId, reason: result.reason };
      },
    });
    const automation = new PipelineAutomation({ db: ctx.db, facade, runs: () => ctx.services.get(RUNS_SERVICE), logger: ctx.logger });
    const sections = ctx.services.get(PROFILE_SECTIONS);
    for (const section of decisioningSections(facade)) sections?.add(section);

    const intervalMs = options.expiryIntervalMs ?? 60_000;
    let expiry: Periodic | undefined;
    return {
      name: 'decisioning',
      api: decisioningRoutes({ db: ctx.db, facade, cards, identity }),
      erase: (tx, tenantId, profileIds) => eraseDecisioningData(tx, tenantId, profileIds),
      stages: [decisioningStage({ db: ctx.db, facade, extractor: chosen.extractor, extractorName: chosen.name, logger: ctx.logger, automation })],
      async start() {
        // Runs is later in the module list: add its part of the profile unless it already serves one.
        if (ctx.services.get(RUNS_SERVICE) !== undefined && sections !== undefined) {
          try {
            sections.add(runsSection);
          } catch {
            ctx.logger.debug('the runs module serves its own profile section');
          }
        }
        if (ctx.config.role === 'web' || intervalMs <= 0) return;
        const expire = async (): Promise<void> => {
          const settled = await facade.expireDue();
          if (settled > 0) ctx.logger.info({ settled }, 'decisions past their attribution window settled as no response');
        };
        expiry = startPeriodic(expire, intervalMs, (err) => ctx.logger.warn({ err }, 'decision expiry failed; will try again'));
      },
      async stop() {
        await expiry?.stop();
      },
    };
  };
}

export const decisioningModule: ModuleFactory = decisioningModuleWith();
