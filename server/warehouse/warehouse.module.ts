/**
 * Warehouse-native traits, audiences and export (issue #21) in one module: warehouse connections on
 * the connections API, durable syncs (`warehouse.sync`), cron schedules, the `traits` pipeline stage
 * and profile section, and exports back into the warehouse (`warehouse.export`). Engine adapters live
 * in connectors/warehouse.
 */
import { IDENTITY_SERVICE, PROFILE_SECTIONS } from '../identity/identity.module';
import { defineModule, type ModuleFactory } from '../module';
import { startPeriodic, type Periodic } from '../dispatch/periodic';
import path from 'node:path';
import { duckdbPathProblem, openWarehouseIn, postgresUrlProblem, type OpenWarehouse } from '../../connectors/warehouse';
import { WAREHOUSE_EXPORT_JOB, warehouseExportJob } from './export.job';
import { runSchedules } from './schedule';
import { WAREHOUSE_SYNC_JOB, warehouseSyncJob, type SyncDeps } from './sync.job';
import { eraseWarehouseData, profileTraits } from './traits.repository';
import { traitsStage } from './traits.stage';
import { WarehouseRepository } from './warehouse.repository';
import { warehouseRoutes } from './warehouse.routes';

export interface WarehouseModuleOptions {
  /** Clock for schedules and the export horizon (tests advance it). */
  readonly now?: () => number;
  /** How often schedules are checked (default 30 s; a cron slot is at least a minute). */
  readonly scheduleTickMs?: number;
  /** Rows per page (default 500). */
  readonly pageSize?: number;
  /** Exported items must be at least this old (default 5 s), so a commit in flight is never skipped. */
  readonly exportHorizonMs?: number;
  readonly open?: OpenWarehouse;
  /** Directory DuckDB warehouse files must be in (default `<BATON_DATA_DIR>/warehouse`). */
  readonly duckdbRoot?: string;
  readonly beforeCheckpoint?: SyncDeps['beforeCheckpoint'];
  readonly afterAudienceLeft?: SyncDeps['afterAudienceLeft'];
}

export function warehouseModuleWith(options: WarehouseModuleOptions = {}): ModuleFactory {
  return defineModule({
    name: 'warehouse',
    uses: { sections: PROFILE_SECTIONS, identity: IDENTITY_SERVICE },
    build(ctx, { sections, identity }) {
      const repo = new WarehouseRepository(ctx.secrets);
      const now = options.now ?? ((): number => ctx.clock.now());
      const duckdbRoot = path.resolve(options.duckdbRoot ?? path.join(ctx.config.dataDir, 'warehouse'));
      const open = options.open ?? openWarehouseIn(duckdbRoot);
      sections?.add({ name: 'traits', load: async (q, tenantId, profileId) => (await profileTraits(q, tenantId, profileId)).traits });
      sections?.add({
        name: 'traitSources',
        load: async (q, tenantId, profileId) => (await profileTraits(q, tenantId, profileId)).sources,
      });
      const syncDeps: SyncDeps = {
        db: ctx.db,
        work: ctx.work,
        repo,
        open,
        identity: () => identity,
        logger: ctx.logger,
        pageSize: options.pageSize ?? 500,
        ...(options.beforeCheckpoint === undefined ? {} : { beforeCheckpoint: options.beforeCheckpoint }),
        ...(options.afterAudienceLeft === undefined ? {} : { afterAudienceLeft: options.afterAudienceLeft }),
      };
      let periodic: Periodic | undefined;
      const consumes = ctx.config.role !== 'web';
      return {
        module: {
          name: 'warehouse',
          api: warehouseRoutes({
            db: ctx.db,
            work: ctx.work,
            repo,
            open,
            now,
            checkPath: (file) => duckdbPathProblem(duckdbRoot, file),
            checkUrl: (url) => postgresUrlProblem(ctx.config.databaseUrl, url),
          }),
          handlers: {
            [WAREHOUSE_SYNC_JOB]: warehouseSyncJob(syncDeps),
            [WAREHOUSE_EXPORT_JOB]: warehouseExportJob({ db: ctx.db, repo, open, horizonMs: options.exportHorizonMs ?? 5_000, now }),
          },
          stages: [traitsStage(ctx.db)],
          erase: (tx, tenantId, profileIds) => eraseWarehouseData(tx, tenantId, profileIds),
          async start() {
            if (!consumes) return;
            periodic = startPeriodic(
              () => runSchedules({ db: ctx.db, work: ctx.work, repo, logger: ctx.logger, now }),
              options.scheduleTickMs ?? 30_000,
              (err) => ctx.logger.warn({ err }, 'warehouse schedule check failed'),
            );
          },
          async stop() {
            await periodic?.stop();
          },
        },
      };
    },
  });
}

export const warehouseModule: ModuleFactory = warehouseModuleWith();
