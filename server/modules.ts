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
 * The capability modules the service runs, in pipeline order (identity before signals before
 * decisioning). Each capability adds one line here.
 */
export const modules: readonly ModuleFactory[] = [identityModule, decisioningModule, conversationModule, runsModule(), consoleModule, salesforceModule, warehouseModule, messagingModule, zendeskModule, twilioModule, whatsappModule, hubspotModule];
