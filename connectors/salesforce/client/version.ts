/**
 * The Salesforce API version Baton speaks everywhere (REST, CometD, the package's metadata). jsforce
 * defaults to 50.0, so every Connection gets this explicitly. Must equal manifest.json
 * `platforms.salesforce.apiVersion` (checked by test/unit/salesforce/package.test.ts).
 */
export const SALESFORCE_API_VERSION = '66.0';

/**
 * Sent as `Sforce-Call-Options: client=Baton` on every REST call, so change events caused by Baton's own
 * writes carry `changeOrigin ...;client=Baton` and are skipped (no write-back loops).
 */
export const BATON_CLIENT_TAG = 'Baton';

/** The objects whose Change Data Capture events Baton follows. */
export const CDC_ENTITIES = ['Contact', 'Lead', 'Account', 'Opportunity', 'Case'] as const;
export type CdcEntity = (typeof CDC_ENTITIES)[number];

/** Key prefixes (first three characters of an id) of the objects Baton reads and writes. */
export const OBJECT_OF_PREFIX: Readonly<Record<string, CdcEntity | 'Task'>> = {
  '003': 'Contact',
  '00Q': 'Lead',
  '001': 'Account',
  '006': 'Opportunity',
  '500': 'Case',
  '00T': 'Task',
};

export const objectOfId = (id: string): CdcEntity | 'Task' | undefined => OBJECT_OF_PREFIX[id.slice(0, 3)];

/** A Salesforce id: 15 or 18 alphanumeric characters. */
export const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;
