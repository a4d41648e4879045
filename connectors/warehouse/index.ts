/**
 * The customer-warehouse clients (PostgreSQL, DuckDB, Snowflake, BigQuery) behind one WarehouseClient
 * shape, and the choice of client a warehouse connection's config names. The warehouse capability
 * (server/warehouse: sync and export jobs, schedules, routes) uses them through this index only.
 */
export { duckdbPathProblem, openWarehouseIn, postgresUrlProblem, type OpenWarehouse } from './clients';
export {
  WAREHOUSE_ENGINES,
  WarehouseError,
  type ExportRow,
  type PageRequest,
  type WarehouseClient,
  type WarehouseEngine,
  type WarehouseRow,
  type WarehouseValue,
} from './types';
