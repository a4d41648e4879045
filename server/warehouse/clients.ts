/** Opens the engine adapter a warehouse connection's config names (connectors/warehouse). */
import { DuckDbWarehouse } from '../../connectors/warehouse/duckdb';
import { PostgresWarehouse } from '../../connectors/warehouse/postgres';
import type { WarehouseClient } from '../../connectors/warehouse/types';
import type { WarehouseConfig } from '../connections/connection-config';

export type OpenWarehouse = (config: WarehouseConfig) => WarehouseClient;

export const openWarehouse: OpenWarehouse = (config) => {
  switch (config.engine) {
    case 'postgres':
      return new PostgresWarehouse({ url: config.url ?? '' });
    case 'duckdb':
      return new DuckDbWarehouse({ path: config.path ?? '' });
  }
};
