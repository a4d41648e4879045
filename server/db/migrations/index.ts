import * as m001 from './001_foundation';
import * as m002 from './002_runs';
import * as m003 from './003_identity';
import * as m004 from './004_decisioning';
import * as m005 from './005_hubspot';
import * as m006 from './006_salesforce';
import * as m007 from './007_messaging';
import * as m009 from './009_identity_extra';
import * as m010 from './010_run_starts';
import * as m011 from './011_decisions_recent';
import * as m012 from './012_dead_letters';
import * as m013 from './013_undeliverable';
import * as m014 from './014_salesforce_namespace';
import * as m015 from './015_salesforce_outbound_token';
import * as m016 from './016_salesforce_pubsub';
import * as m018 from './018_conversation';
import * as m019 from './019_warehouse';
import * as m020 from './020_warehouse_export';
import * as m022 from './022_hubspot_email';
import * as m023 from './023_event_batches';
import * as m024 from './024_identity_apply';
import * as m025 from './025_effect_ledger';
import * as m026 from './026_identity_apply_custom_plans';
import * as m028 from './028_identity_tenant_cascade';
import * as m029 from './029_identity_read';
import * as m030 from './030_identity_generic_plans';
import * as m031 from './031_runs_hot_updates';
import * as m032 from './032_decisions_open';
import * as m033 from './033_identity_generic_plans_analyzed';
import * as m034 from './034_decisions_open_records';
import * as m035 from './035_decisions_open_generic_plans';
import * as m036 from './036_identity_generic_plans_remembered';
import * as m037 from './037_decisions_lz4';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Append only: never edit a migration that has shipped; add a new one.
 * Listed in version order (a test checks it); 008 was reserved and never used.
 */
export const migrations: readonly Migration[] = [
  { version: 1, name: 'foundation', sql: m001.sql },
  { version: 2, name: 'runs', sql: m002.sql },
  { version: 3, name: 'identity', sql: m003.sql },
  { version: 4, name: 'decisioning', sql: m004.sql },
  { version: 5, name: 'hubspot', sql: m005.sql },
  { version: 6, name: 'salesforce', sql: m006.sql },
  { version: 7, name: 'messaging', sql: m007.sql },
  { version: 9, name: 'identity_extra', sql: m009.sql },
  { version: 10, name: 'run_starts', sql: m010.sql },
  { version: 11, name: 'decisions_recent', sql: m011.sql },
  { version: 12, name: 'dead_letters', sql: m012.sql },
  { version: 13, name: 'undeliverable', sql: m013.sql },
  { version: 14, name: 'salesforce_namespace', sql: m014.sql },
  { version: 15, name: 'salesforce_outbound_token', sql: m015.sql },
  { version: 16, name: 'salesforce_pubsub', sql: m016.sql },
  { version: 18, name: 'conversation', sql: m018.sql },
  { version: 19, name: 'warehouse', sql: m019.sql },
  { version: 20, name: 'warehouse_export', sql: m020.sql },
  { version: 22, name: 'hubspot_email', sql: m022.sql },
  { version: 23, name: 'event_batches', sql: m023.sql },
  { version: 24, name: 'identity_apply', sql: m024.sql },
  { version: 25, name: 'effect_ledger', sql: m025.sql },
  { version: 26, name: 'identity_apply_custom_plans', sql: m026.sql },
  { version: 28, name: 'identity_tenant_cascade', sql: m028.sql },
  { version: 29, name: 'identity_read', sql: m029.sql },
  { version: 30, name: 'identity_generic_plans', sql: m030.sql },
  { version: 31, name: 'runs_hot_updates', sql: m031.sql },
  { version: 32, name: 'decisions_open', sql: m032.sql },
  { version: 33, name: 'identity_generic_plans_analyzed', sql: m033.sql },
  { version: 34, name: 'decisions_open_records', sql: m034.sql },
  { version: 35, name: 'decisions_open_generic_plans', sql: m035.sql },
  { version: 36, name: 'identity_generic_plans_remembered', sql: m036.sql },
  { version: 37, name: 'decisions_lz4', sql: m037.sql },
];
