/**
 * Opens the engine adapter a warehouse connection's config names (connectors/warehouse). DuckDB files
 * must sit inside the service's warehouse directory (`<BATON_DATA_DIR>/warehouse` unless configured):
 * a tenant names a path, and DuckDB may read the files beside it, so the directory is the fence.
 */
import path from 'node:path';
import { BigQueryWarehouse } from './bigquery';
import { DuckDbWarehouse } from './duckdb';
import { PostgresWarehouse } from './postgres';
import { SnowflakeWarehouse } from './snowflake';
import { WarehouseError, type WarehouseClient } from './types';
import type { WarehouseConfig } from '../../server/platform';

export type OpenWarehouse = (config: WarehouseConfig) => WarehouseClient;

/** Why a DuckDB path is refused, or undefined when it is inside `root`. */
export function duckdbPathProblem(root: string, file: string): string | undefined {
  const resolved = path.resolve(file);
  const fence = path.resolve(root);
  if (!resolved.startsWith(fence + path.sep))
    return `must be a file inside ${fence} (the service's warehouse directory; copy or mount the file there)`;
  return undefined;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);
const endpointOf = (url: string): string | undefined => {
  try {
    const u = new URL(url);
    const host = LOOPBACK.has(u.hostname.toLowerCase()) ? 'loopback' : u.hostname.toLowerCase();
    return `${host}:${u.port === '' ? '5432' : u.port}/${decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres'}`;
  } catch {
    return undefined;
  }
};

/** Why a PostgreSQL warehouse URL is refused: it names Baton's own database (every tenant's data). */
export function postgresUrlProblem(ownDatabaseUrl: string | undefined, url: string): string | undefined {
  if (ownDatabaseUrl === undefined) return undefined;
  const own = endpointOf(ownDatabaseUrl);
  return own !== undefined && endpointOf(url) === own ? "must not be Baton's own database; connect the warehouse's database" : undefined;
}

export const openWarehouseIn =
  (duckdbRoot: string): OpenWarehouse =>
  (config) => {
    switch (config.engine) {
      case 'postgres':
        return new PostgresWarehouse({ url: config.url ?? '' });
      case 'duckdb': {
        const problem = duckdbPathProblem(duckdbRoot, config.path ?? '');
        if (problem !== undefined) throw new WarehouseError('query', `duckdb: path ${problem}`);
        return new DuckDbWarehouse({ path: config.path ?? '' });
      }
      case 'snowflake':
        return new SnowflakeWarehouse({
          account: config.account ?? '',
          username: config.username ?? '',
          password: config.password ?? '',
          warehouse: config.warehouse,
          database: config.database,
          schema: config.schema,
          role: config.role,
          accessUrl: config.accessUrl,
        });
      case 'bigquery':
        return new BigQueryWarehouse({
          projectId: config.projectId ?? '',
          serviceAccountKey: config.serviceAccountKey,
          accessToken: config.accessToken,
          location: config.location,
          apiEndpoint: config.apiEndpoint,
        });
    }
  };
