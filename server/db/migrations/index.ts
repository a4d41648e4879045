import * as m001 from './001_foundation';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/** Append only: never edit a migration that has shipped; add a new one. */
export const migrations: readonly Migration[] = [{ version: 1, name: 'foundation', sql: m001.sql }];
