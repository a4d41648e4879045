import { automationModule } from './automation/automation.module';
import { cardsModule } from './cards/cards.module';
import { consoleModule } from './console/console.routes';
import { conversationModule } from './conversation/conversation.module';
import { decisioningModule } from './decisioning/decisioning.module';
import { hubspotModule } from '../connectors/hubspot';
import { identityModule } from './identity/identity.module';
import { messagingModule } from './messaging/messaging.module';
import type { ModuleFactory } from './module';
import { runsModule } from './runs/runs.module';
import { salesforceModule } from '../connectors/salesforce';
import { twilioModule } from '../connectors/twilio';
import { whatsappModule } from '../connectors/whatsapp';
import { zendeskModule } from '../connectors/zendesk';
import { warehouseModule } from './warehouse/warehouse.module';

/**
 * The capability modules the service runs. This order is the order of their pipeline stages (identity
 * before signals before decisioning, automation right after it, runs later), job handlers and start;
 * the runtime builds them in dependency order (what each declares it needs) and refuses to start when
 * a need is missing (server/module-graph.ts). Each capability adds one line here.
 */
export const modules: readonly ModuleFactory[] = [
  identityModule,
  decisioningModule,
  automationModule,
  cardsModule,
  conversationModule,
  runsModule(),
  consoleModule,
  salesforceModule,
  warehouseModule,
  messagingModule,
  zendeskModule,
  twilioModule,
  whatsappModule,
  hubspotModule,
];
