/**
 * Runs that stopped on an email HubSpot refused (403: a scope, tier or add-on the portal lacked when even
 * the owner-task route was refused, or a run parked by a Baton version without email routing) are
 * resumed when the portal's capabilities are learned again (a reinstall): the email step then takes the
 * best route the portal now allows. Runs still waiting to email need nothing: the route is chosen when
 * the step runs, from the capabilities of that moment, so a route turned off re-routes them by itself.
 */
import { resumeRun, type PagePosition } from '../../app/orchestration';
import type { RunsService } from '../../server/platform';

/** A run parked by a 403 on an email step (connectors/hubspot/client/errors.ts names the step kind first). */
export const isRefusedEmail = (error: { code: string; message: string } | null): boolean =>
  error !== null && error.code === 'hubspot.http_403' && error.message.startsWith('HubSpot email:');

export async function resumeRefusedEmailRuns(runs: RunsService, tenantId: string): Promise<number> {
  let resumed = 0;
  let after: PagePosition | undefined;
  for (;;) {
    const page = await runs.deps.runs.list(tenantId, { statuses: ['failed'], limit: 200, ...(after === undefined ? {} : { after }) });
    for (const run of page) {
      if (!isRefusedEmail(run.error)) continue;
      if ((await resumeRun(runs.deps, tenantId, run.id)).ok) resumed++;
    }
    const last = page.at(-1);
    if (last === undefined || page.length < 200) return resumed;
    after = { at: last.createdAt, id: last.id };
  }
}
