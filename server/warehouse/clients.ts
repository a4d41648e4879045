/** Opens the engine adapter a warehouse connection's config names (connectors/warehouse). */
import { BigQueryWarehouse } from '../../connectors/warehouse/bigquery';
import { DuckDbWarehouse } from '../../connectors/warehouse/duckdb';
import { PostgresWarehouse } from '../../connectors/warehouse/postgres';
import { SnowflakeWarehouse } from '../../connectors/warehouse/snowflake';
import type { WarehouseClient } from '../../connectors/warehouse/types';
import type { WarehouseConfig } from '../connections/connection-config';

export type OpenWarehouse = (config: WarehouseConfig) => WarehouseClient;

export const openWarehouse: OpenWarehouse = (config) => {
  switch (config.engine) {
    case 'postgres':
      return new PostgresWarehouse({ url: config.url ?? '' });
    case 'duckdb':
      return new DuckDbWarehouse({ path: config.path ?? '' });
    case 'snowflake':
      return new SnowflakeWarehouse({ account: config.account ?? '', username: config.username ?? '', password: config.password ?? '', warehouse: config.warehouse, database: config.database, schema: config.schema, role: config.role, accessUrl: config.accessUrl });
    case 'bigquery':
      return new BigQueryWarehouse({ projectId: config.projectId ?? '', serviceAccountKey: config.serviceAccountKey, accessToken: config.accessToken, location: config.location, apiEndpoint: config.apiEndpoint });
  }
};
