/** Zendesk: the module the server registers (server/modules.ts), and the API client for a connection (the connections API tests it). */
export { zendeskModule, zendeskModuleWith, type ZendeskModuleOptions } from './zendesk.module';
export { zendeskApiOf } from './connection';
