/**
 * The API contract: the shapes of the answers the console (extensions/console) and the CRM cards
 * (extensions/hubspot, extensions/salesforce) read, as zod schemas with their types. The server's
 * routes type their bodies with the `…Body` types (what is sent, before defaults), the readers parse
 * with the schemas; test/integration/api-contracts.test.ts checks each route against its schema.
 *
 * The record card and the CRM settings page are contracts of their own domain (app/cards/card-view.ts,
 * app/cards/settings-view.ts), exported here with the rest; the HubSpot project gets generated copies
 * of those files and of common.ts (scripts/generate-hubspot-project.ts).
 *
 * Objects are loose (extra fields pass): the server may add fields without breaking a reader; a
 * missing or mistyped field a reader relies on is a contract error.
 */
export * from './common';
export * from './profiles';
export * from './conversation';
export * from './runs';
export * from './decisions';
export * from './lift';
export * from './connections';
export * from './dead-letters';
export * from './salesforce';
export * from '../cards/card-view';
export * from '../cards/settings-view';
