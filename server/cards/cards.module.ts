/**
 * The record card: one CardService (server/decisioning/card.adapter.ts) assembling journey, hotness,
 * the current decision, runs, identities, signals, the conversation and traits, and performing the card's
 * buttons (accepting a decision starts a run). Offered to the CRM card endpoints as CARD_SERVICE and
 * served to the console under /api/v1. Its own module because it needs both decisioning and runs, and
 * runs needs decisioning's Decider: inside either of them it would make the two need each other.
 */
import { DecisioningCardService } from '../decisioning/card.adapter';
import { DECISIONING } from '../decisioning/decisioning';
import { IDENTITY_SERVICE } from '../identity/identity.module';
import { defineModule, provide } from '../module';
import { RUNS_SERVICE } from '../runs/runs.module';
import { CARD_SERVICE } from './card.service';
import { cardRoutes } from './cards.routes';

export const cardsModule = defineModule({
  name: 'cards',
  needs: { decisioning: DECISIONING },
  // Without runs the card shows no runs and accepting answers 503; without identity possible matches cannot be decided.
  uses: { runs: RUNS_SERVICE, identity: IDENTITY_SERVICE },
  provides: [CARD_SERVICE],
  build(ctx, { decisioning, runs, identity }) {
    const cards = new DecisioningCardService({ db: ctx.db, decisioning, runs, identity });
    return { module: { name: 'cards', api: cardRoutes(cards) }, provided: [provide(CARD_SERVICE, cards)] };
  },
});
