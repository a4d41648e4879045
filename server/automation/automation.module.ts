/**
 * Event → decision → run: after the decisioning stage, the tenant's automation policy carries out the
 * event's decision and published playbooks whose trigger matches start (automation.ts). Its own module
 * because it needs both decisioning and runs; listed right after decisioning in server/modules.ts so
 * its stage runs before the runs stage, as when it was part of the decisioning stage.
 */
import { DECISIONING } from '../decisioning/decisioning';
import { defineModule } from '../module';
import { RUNS_SERVICE } from '../runs/runs.module';
import { PipelineAutomation } from './automation';
import { automationStage } from './automation.stage';

export const automationModule = defineModule({
  name: 'automation',
  needs: { decisioning: DECISIONING, runs: RUNS_SERVICE },
  build(ctx, { decisioning, runs }) {
    const automation = new PipelineAutomation({ db: ctx.db, decisioning, runs, logger: ctx.logger });
    return { module: { name: 'automation', stages: [automationStage(automation)] } };
  },
});
