/**
 * Opens the engine adapter a warehouse connection's config names (connectors/warehouse). DuckDB files
 * must sit inside the service's warehouse directory (`<BATON_DATA_DIR>/warehouse` unless configured):
 * a tenant names a path, and DuckDB may read the files beside it, so the directory is the fence.
 */
import path from 'node:path';
import { BigQueryWarehouse } from '../../connectors/warehouse/bigquery';
import { DuckDbWarehouse } from '../../connectors/warehouse/duckdb';
import { PostgresWarehouse } from '../../connectors/warehouse/postgres';
import { SnowflakeWarehouse } from '../../connectors/warehouse/snowflake';
import { WarehouseError, type WarehouseClient } from '../../connectors/warehouse/types';
import type { WarehouseConfig } from '../connections/connection-config';

export type OpenWarehouse = (config: WarehouseConfig) => WarehouseClient;

/** Why a DuckDB path is refused, or undefined when it is inside `root`. */
export function duckdbPathProblem(root: string, file: string): string | undefined {
  const resolved = path.resolve(file);
  const fence = path.resolve(root);
  if (!resolved.startsWith(fence + path.sep)) return `must be a file inside ${fence} (the service's warehouse directory; copy or mount the file there)`;
  return undefined;
}

export const openWarehouseIn = (duckdbRoot: string): OpenWarehouse => (config) => {
  switch (config.engine) {
    case 'postgres':
      return new PostgresWarehouse({ url: config.url ?? '' });
    case 'duckdb': {
      const problem = duckdbPathProblem(duckdbRoot, config.path ?? '');
      if (problem !== undefined) throw new WarehouseError('query', `duckdb: path ${problem}`);
      return new DuckDbWarehouse({ path: config.path ?? '' });
    }
    case 'snowflake':
      return new SnowflakeWarehouse({ account: config.account ?? '', username: config.username ?? '', password: config.password ?? '', warehouse: config.warehouse, database: config.database, schema: config.schema, role: config.role, accessUrl: config.accessUrl });
    case 'bigquery':
      return new BigQueryWarehouse({ projectId: config.projectId ?? '', serviceAccountKey: config.serviceAccountKey, accessToken: config.accessToken, location: config.location, apiEndpoint: config.apiEndpoint });
  }
};
