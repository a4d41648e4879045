import * as m001 from './001_foundation';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * Append only: never edit a migration that has shipped; add a new one.
 * Numbers reserved while capabilities land: 002 runs/playbooks, 003 identity, 004 decisioning.
 */
export const migrations: readonly Migration[] = [{ version: 1, name: 'foundation', sql: m001.sql }];
