/**
 * Uninstall from HubSpot against the local HubSpot sandbox (real service, real OAuth flow): HubSpot
 * sends no uninstall webhook, so the probe forces a refresh and an uninstalled portal's refused
 * refresh token (invalid_grant) is recorded as an uninstall with a purge due after the grace period.
 * Reinstalling within the grace period keeps the data; an uninstall left alone is followed by the
 * admin-disconnect purge (HubSpot events and identity evidence gone, connection marked purged, later
 * webhooks ignored).
 */
import type { ModuleFactory } from '../../server/module';
import { hubspotModuleWith } from '../../connectors/hubspot/hubspot.module';
import { HUBSPOT_UNINSTALL_PURGE_JOB } from '../../connectors/hubspot/uninstall';
import { modules as defaultModules } from '../../server/modules';
import { hubspotModule } from '../../connectors/hubspot/hubspot.module';
import { startHubSpotHarness, type HubSpotHarness } from '../sandboxes/hubspot/harness';
import { modes } from '../support/runtime';
import { describeWith, waitFor } from '../support/services';

jest.setTimeout(120_000);

const GRACE_MS = 4_000;

interface ConnectionRow {
  status: string;
  status_reason: string | null;
  config: { uninstallDetectedAt?: string; purgeDueAt?: string; purgedAt?: string; installedAt?: string };
}

for (const { mode, needs } of modes) {
  describeWith(needs, `HubSpot uninstall (${mode})`, () => {
    let h: HubSpotHarness;

    beforeAll(async () => {
      const modules: ModuleFactory[] = defaultModules.map((m) =>
        m === hubspotModule ? hubspotModuleWith({ uninstallGraceMs: GRACE_MS, uninstallProbeMs: 150 }) : m,
      );
      h = await startHubSpotHarness(mode, { modules });
    }, 90_000);
    afterAll(async () => h?.stop());

    const connection = async (): Promise<ConnectionRow> => {
      const r = await h.svc.runtime.db.query<ConnectionRow>(
        `SELECT status, status_reason, config FROM connections WHERE tenant_id = $1 AND type = 'hubspot' AND external_id = $2`,
        [h.tenantId, h.portalId],
      );
      if (r.rows[0] === undefined) throw new Error('no connection row');
      return r.rows[0];
    };
    const hubspotEvents = async (): Promise<number> =>
      Number(
        (
          await h.svc.runtime.db.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE tenant_id = $1 AND source = 'hubspot'`, [
            h.tenantId,
          ])
        ).rows[0]?.n,
      );
    const purgeJobs = async (): Promise<{ status: string; payload: { installedAt: string } }[]> =>
      (
        await h.svc.runtime.db.query<{ status: string; payload: { installedAt: string } }>(
          `SELECT status, payload FROM outbox WHERE tenant_id = $1 AND kind = $2 ORDER BY created_at`,
          [h.tenantId, HUBSPOT_UNINSTALL_PURGE_JOB],
        )
      ).rows;
    const uninstallInHubSpot = (): void => {
      h.sandbox.state.portal(h.portalId).uninstalled = true;
      h.sandbox.state.revokeRefreshTokens(h.portalId);
    };
    const reinstall = async (): Promise<void> => {
      const link = await h.api.call<{ url: string }>('POST', '/hubspot/install-links');
      const done = await fetch(h.local(await h.sandbox.consent(link.body.url, h.portalId)));
      expect(done.status).toBe(200);
    };

    it('an uninstall is detected by the refused refresh; reinstalling within the grace period keeps the data', async () => {
      await h.contactProfile('una@kept.io');
      const before = await hubspotEvents();
      expect(before).toBeGreaterThan(0);
      const firstInstall = (await connection()).config.installedAt;

      uninstallInHubSpot();
      const detected = await waitFor(async () => {
        const c = await connection();
        return c.config.uninstallDetectedAt !== undefined && c;
      }, 'the uninstall to be detected');
      expect(detected.status).toBe('disconnected');
      expect(detected.status_reason).toMatch(/uninstalled from HubSpot/);
      expect(detected.status_reason).toContain(detected.config.purgeDueAt);
      expect(Date.parse(detected.config.purgeDueAt ?? '') - Date.parse(detected.config.uninstallDetectedAt ?? '')).toBe(GRACE_MS);
      expect((await purgeJobs()).map((j) => j.payload.installedAt)).toEqual([firstInstall]);

      await reinstall();
      expect((await connection()).status).toBe('active');
      // The purge job comes due and finds a new installation: nothing is purged.
      await waitFor(async () => (await purgeJobs())[0]?.status === 'done', 'the first purge job to run', 30_000);
      const after = await connection();
      expect(after.status).toBe('active');
      expect(after.config.purgedAt).toBeUndefined();
      expect(await hubspotEvents()).toBeGreaterThanOrEqual(before);
      expect(await h.profileOfEmail('una@kept.io')).toBeDefined();
    });

    it('an uninstall left alone is followed by the admin-disconnect purge after the grace period', async () => {
      const { contactId } = await h.contactProfile('ivo@gone.io');
      uninstallInHubSpot();
      const detected = await waitFor(async () => {
        const c = await connection();
        return c.config.uninstallDetectedAt !== undefined && c;
      }, 'the second uninstall to be detected');
      // Not before the grace period ends.
      expect(detected.config.purgedAt).toBeUndefined();
      expect(await hubspotEvents()).toBeGreaterThan(0);

      const purged = await waitFor(
        async () => {
          const c = await connection();
          return c.config.purgedAt !== undefined && c;
        },
        'the purge after the grace period',
        30_000,
      );
      expect(Date.parse(purged.config.purgedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(detected.config.purgeDueAt ?? ''));
      expect(purged.status).toBe('disconnected');
      expect(purged.status_reason).toMatch(/uninstalled from HubSpot.*purged/);
      expect(await hubspotEvents()).toBe(0);
      const evidence = await h.svc.runtime.db.query(
        `SELECT key FROM identity_nodes WHERE tenant_id = $1 AND (left(key, 12) = 'rec:hubspot:' OR key LIKE $2)`,
        [h.tenantId, `hubspotContactId:${h.portalId}:%`],
      );
      expect(evidence.rows).toEqual([]);
      expect((await purgeJobs()).map((j) => j.status)).toEqual(['done', 'done']);

      // HubSpot's late deliveries for the purged portal are acknowledged and ignored.
      const late = await h.webhook([
        h.event({
          subscriptionType: 'contact.propertyChange',
          objectId: Number(contactId),
          propertyName: 'email',
          propertyValue: 'ivo@gone.io',
        }),
      ]);
      expect(late.status).toBe(200);
      expect(JSON.parse(late.body)).toMatchObject({ accepted: 0, ignored: 1 });
    });
  });
}
