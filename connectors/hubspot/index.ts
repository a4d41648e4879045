/** HubSpot: the module the server registers (server/modules.ts). Everything else in this folder is HubSpot's own. */
export { hubspotModule, hubspotModuleWith, type HubSpotModuleOptions } from './hubspot.module';
