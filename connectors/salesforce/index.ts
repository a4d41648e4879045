/** Salesforce: the module the server registers (server/modules.ts). Everything else in this folder is Salesforce's own. */
export { salesforceModule, salesforceModuleWith, type SalesforceModuleOptions } from './salesforce.module';
