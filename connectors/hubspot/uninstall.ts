/**
 * Uninstall from HubSpot, detected and followed by the admin-disconnect purge after a grace period.
 *
 * HubSpot pushes no uninstall webhook (reference §2.4: no install/uninstall subscription type in any
 * webhooks spec; only the pull-based Webhooks Journal carries APP_UNINSTALL, not used here). An
 * uninstall revokes the app's refresh token, so Baton detects it by the refused refresh
 * (`invalid_grant` / `BAD_REFRESH_TOKEN`): Installations marks the connection disconnected whenever a
 * refresh is refused, and a periodic probe forces one refresh per active installation (its access
 * token is treated as expired, the refresh runs under the row lock) so a quiet portal is noticed too.
 *
 * A detected uninstall is recorded on the connection (`uninstallDetectedAt`, `purgeDueAt`, a reason a
 * person can read) and a durable job is scheduled for the end of the grace period, keyed by the
 * installation it belongs to. Reinstalling within the grace period makes a new installation (fresh
 * config, status active), and the job then finds nothing to purge. When it fires on a still-uninstalled
 * portal it runs the same purge as an admin disconnect (purge.ts).
 */
import {
  connectionStore,
  type Database,
  type IdentityService,
  type JobHandler,
  type Logger,
  type StoredConnection,
  type WorkQueue,
} from '../../server/platform';
import { HubSpotDisconnectedError } from './client/errors';
import type { Installations } from './installations';
import { activePortals, installationByPortal, installationsOfTenant, type HubSpotConnectionData } from './installations';
import { purgeTenantHubSpotData, type PurgeResult } from './purge';
import { systemClock } from '../../app/shared/clock';

export const HUBSPOT_UNINSTALL_PURGE_JOB = 'hubspot.uninstall_purge';
/** Default grace period between a detected uninstall and the purge. */
export const DEFAULT_UNINSTALL_GRACE_MS = 72 * 3_600_000;
/** Default interval of the probe. */
export const DEFAULT_UNINSTALL_PROBE_MS = 6 * 3_600_000;

export interface UninstallDeps {
  readonly db: Database;
  readonly work: WorkQueue;
  readonly logger: Logger;
  readonly installations: Installations | undefined;
  readonly identity: () => IdentityService | undefined;
  readonly graceMs: number;
  /** Called after a purge (the webhook install cache forgets the portal). */
  readonly purged?: (portalId: string) => void;
}

type ConnectionRow = StoredConnection<HubSpotConnectionData>;

/** A refused refresh token, as Installations records it (installations.ts). */
const REFUSED = '%invalid_grant%';

export interface ProbeOutcome {
  /** Active installations whose refresh HubSpot refused in this probe. */
  readonly refused: string[];
  /** Uninstalls newly recorded, with their purge scheduled. */
  readonly scheduled: string[];
}

/**
 * One probe: forces a refresh of every active installation (an uninstalled portal answers
 * invalid_grant and is marked disconnected), then records every refused, not yet recorded
 * installation as uninstalled and schedules its purge. Other failures (network, 5xx) wait for the next probe.
 */
export async function probeUninstalls(deps: UninstallDeps): Promise<ProbeOutcome> {
  const refused: string[] = [];
  if (deps.installations !== undefined) {
    for (const { portalId } of await activePortals(deps.db)) {
      await connectionStore.update(
        deps.db,
        { type: 'hubspot', externalId: portalId, status: 'active' },
        { configPatch: { accessExpiresAt: 0 } },
      );
      try {
        await deps.installations.accessToken(portalId);
      } catch (err) {
        if (err instanceof HubSpotDisconnectedError) refused.push(portalId);
        else deps.logger.warn({ portalId, err }, 'HubSpot install probe: refresh failed; will try again');
      }
    }
  }
  const scheduled: string[] = [];
  const found = await connectionStore.find<HubSpotConnectionData>(deps.db, {
    type: 'hubspot',
    status: 'disconnected',
    statusReasonLike: REFUSED,
    configLacks: ['purgedAt', 'uninstallDetectedAt'],
  });
  for (const row of found) {
    if (await recordUninstall(deps, row)) scheduled.push(row.externalId ?? '');
  }
  return { refused, scheduled };
}

async function recordUninstall(deps: UninstallDeps, row: ConnectionRow): Promise<boolean> {
  const detectedAt = new Date(systemClock.now());
  const dueAt = new Date(detectedAt.getTime() + deps.graceMs);
  const installedAt = row.config.installedAt ?? 'unknown';
  const portalId = row.externalId ?? '';
  const reason = `Baton was uninstalled from HubSpot (its access was refused on ${detectedAt.toISOString()}). The portal's data in Baton will be purged on ${dueAt.toISOString()} unless Baton is reinstalled before then.`;
  const refs = await deps.db.transaction(async (tx) => {
    const updated = await connectionStore.update(
      tx,
      { tenantId: row.tenantId, type: 'hubspot', externalId: portalId, status: 'disconnected', configLacks: ['uninstallDetectedAt'] },
      { statusReason: reason, configPatch: { uninstallDetectedAt: detectedAt.toISOString(), purgeDueAt: dueAt.toISOString() } },
    );
    if (updated.length !== 1) return []; // another process recorded it first
    return [
      await deps.work.record(tx, {
        tenantId: row.tenantId,
        kind: HUBSPOT_UNINSTALL_PURGE_JOB,
        payload: { portalId, installedAt },
        dueAt,
        dedupeKey: `hubspot-uninstall:${portalId}:${installedAt}`,
      }),
    ];
  });
  if (refs.length === 0) return false;
  await deps.work.notify(refs);
  deps.logger.warn(
    { tenantId: row.tenantId, portalId, purgeDueAt: dueAt.toISOString() },
    'HubSpot uninstall detected: purge scheduled after the grace period',
  );
  return true;
}

/**
 * The purge at the end of the grace period: nothing when the portal was reinstalled (a new
 * installation), already purged, or another of the tenant's portals is still active (the purge is
 * tenant-wide, like the admin disconnect); otherwise the admin-disconnect purge.
 */
export function uninstallPurgeHandler(deps: UninstallDeps): JobHandler {
  return async (job) => {
    const portalId = String(job.payload['portalId']);
    const install = await installationByPortal(deps.db, portalId);
    if (install === undefined || install.tenantId !== job.tenantId || install.purged) return;
    if (install.status === 'active' || (install.installedAt ?? 'unknown') !== String(job.payload['installedAt'])) return; // reinstalled
    const others = (await installationsOfTenant(deps.db, job.tenantId)).filter((i) => i.portalId !== portalId && i.status === 'active');
    if (others.length > 0) {
      deps.logger.warn(
        { tenantId: job.tenantId, portalId, active: others.map((o) => o.portalId) },
        'HubSpot uninstall: not purging, another portal of the tenant is still connected',
      );
      return;
    }
    const result: PurgeResult = await purgeTenantHubSpotData(
      deps.db,
      deps.identity(),
      job.tenantId,
      'Baton was uninstalled from HubSpot; after the grace period its HubSpot data was purged. Reinstall Baton from HubSpot to connect again.',
    );
    deps.purged?.(portalId);
    deps.logger.info({ tenantId: job.tenantId, portalId, ...result }, 'HubSpot uninstall: grace period over, HubSpot data purged');
  };
}
