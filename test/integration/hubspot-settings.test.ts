/**
 * The HubSpot settings page API (`GET`/`PUT /hubspot/settings`, signed by HubSpot) on the real service
 * with the HubSpot sandbox: the answer the settings page's own contract accepts, policies written to the
 * decisioning settings the REST API reads, playbooks switched through the playbook lifecycle, clear 4xx,
 * and a revoked connection shown as disconnected.
 */
import { settingsViewSchema as pageSchema } from '../../extensions/hubspot/src/app/cards/lib/contract/settings-view';
import { HubSpotApi } from '../../connectors/hubspot/client/api';
import { HubSpotDisconnectedError } from '../../connectors/hubspot/client/errors';
import { Installations } from '../../connectors/hubspot/installations';
import { startHubSpotHarness, type HubSpotHarness } from '../sandboxes/hubspot/harness';
import { modes } from '../support/runtime';
import { describeWith } from '../support/services';

jest.setTimeout(120_000);

interface View {
  connection: { status: string; portalId: string; reason: string | null; connectedAt: string | null; scopes: string[]; installUrl: string };
  policies: {
    quietHours: { enabled: boolean; start: string; end: string };
    frequencyCaps: { perDay: number; perWeek: number };
    holdoutShare: number;
    randomControlShare: number;
  };
  playbooks: { playbookId: string; name: string; version: number | null; enabled: boolean }[];
  updatedAt: string | null;
}

for (const { mode, needs } of modes) {
  describeWith(needs, `HubSpot settings API (${mode})`, () => {
    let h: HubSpotHarness;
    const path = (): string => `/hubspot/settings?userId=1&userEmail=admin%40acme.io&appId=54321&portalId=${h.portalId}`;

    beforeAll(async () => {
      h = await startHubSpotHarness(mode);
      // A draft-only playbook besides the published samples.
      expect(
        (
          await h.api.call('POST', '/playbooks', {
            id: 'draft-only',
            name: 'Draft only',
            steps: [{ id: 'end', kind: 'exit', reason: 'done' }],
          })
        ).status,
      ).toBe(201);
    }, 90_000);
    afterAll(async () => h?.stop());

    const get = async (): Promise<View> => {
      const r = await h.signedFetch('GET', path());
      expect(r.status).toBe(200);
      return r.body as unknown as View;
    };
    const valid = (view: View) => ({
      policies: view.policies,
      playbooks: view.playbooks.map((p) => ({ playbookId: p.playbookId, enabled: p.enabled })),
    });

    it('answers what the settings page renders: connection, effective policies, playbooks', async () => {
      const r = await h.signedFetch('GET', path());
      expect(r.status).toBe(200);
      expect(pageSchema.safeParse(r.body).success).toBe(true);
      const view = r.body as unknown as View;
      expect(view.connection).toMatchObject({
        status: 'connected',
        portalId: h.portalId,
        reason: null,
        connectedAt: expect.any(String),
        scopes: expect.arrayContaining(['oauth']),
        installUrl: 'https://baton.example.test/oauth/hubspot/install',
      });
      // The documented defaults of an unconfigured tenant.
      expect(view.policies).toEqual({
        quietHours: { enabled: true, start: '21:00', end: '08:00' },
        frequencyCaps: { perDay: 2, perWeek: 5 },
        holdoutShare: 0.05,
        randomControlShare: 0.02,
      });
      expect(view.playbooks).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ playbookId: 'new-lead-nurture', enabled: true, version: expect.any(Number) }),
          expect.objectContaining({ playbookId: 'draft-only', name: 'Draft only', enabled: false, version: null }),
        ]),
      );
    });

    it('refuses unsigned requests, other portals and smuggled portal ids', async () => {
      expect((await fetch(`${h.svc.url}${path()}`)).status).toBe(401);
      const other = await h.signedFetch('GET', '/hubspot/settings?portalId=999123');
      expect(other).toMatchObject({ status: 403, body: { error: { code: 'not_installed' } } });
      const twice = await h.signedFetch('GET', `${path()}&portalId=999123`);
      expect(twice).toMatchObject({ status: 400, body: { error: { code: 'invalid_portal' } } });
      const putUnsigned = await fetch(`${h.svc.url}${path()}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(putUnsigned.status).toBe(401);
    });

    it('saves policies into the decisioning settings, keeping what the page does not edit', async () => {
      const before = await get();
      const next = valid(before);
      next.policies = {
        quietHours: { enabled: true, start: '22:30', end: '07:15' },
        frequencyCaps: { perDay: 1, perWeek: 4 },
        holdoutShare: 0.1,
        randomControlShare: 0,
      };
      const r = await h.signedFetch('PUT', path(), next);
      expect(r.status).toBe(200);
      expect(r.body['message']).toBe('Settings saved.');
      expect((r.body['settings'] as View).policies).toEqual(next.policies);
      const rest = await h.api.call<{
        policies: {
          quietHours: Record<string, unknown>;
          frequencyCaps: { channel: string; period: string; max: number }[];
          holdout: { share: number; salt: string };
          randomControlShare: number;
        };
      }>('GET', '/policies');
      expect(rest.body.policies.quietHours).toMatchObject({
        enabled: true,
        start: '22:30',
        end: '07:15',
        defaultTimeZone: 'UTC',
        channels: ['email', 'sms', 'whatsapp'],
      });
      expect(rest.body.policies.holdout).toEqual({ share: 0.1, salt: 'baton-holdout-v1' });
      expect(rest.body.policies.randomControlShare).toBe(0);
      expect(rest.body.policies.frequencyCaps).toEqual(
        expect.arrayContaining([
          { channel: 'all', period: 'day', max: 1 },
          { channel: 'all', period: 'week', max: 4 },
          { channel: 'email', period: 'week', max: 3 },
        ]),
      );
      expect(rest.body.policies.frequencyCaps.filter((c) => c.channel === 'all')).toHaveLength(2);
      expect((await get()).updatedAt).not.toBeNull();
    });

    it('refuses invalid settings field by field with 4xx and changes nothing', async () => {
      const view = await get();
      const policiesBefore = (await h.api.call<Record<string, unknown>>('GET', '/policies')).body;
      const put = (body: unknown) => h.signedFetch('PUT', path(), body);
      const caps = await put({ ...valid(view), policies: { ...view.policies, frequencyCaps: { perDay: 9, perWeek: 3 } } });
      expect(caps).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_request', message: expect.stringContaining('the daily cap cannot exceed the weekly cap') } },
      });
      const holdout = await put({ ...valid(view), policies: { ...view.policies, holdoutShare: 0.9 } });
      expect(holdout).toMatchObject({
        status: 400,
        body: { error: { details: [{ path: 'policies.holdoutShare', message: 'at most 50% of people can be held out' }] } },
      });
      const clock = await put({
        ...valid(view),
        policies: { ...view.policies, quietHours: { enabled: true, start: '7pm', end: '08:00' } },
      });
      expect(clock.body).toMatchObject({
        error: { details: [{ path: 'policies.quietHours.start', message: 'quiet hours start must be HH:MM (24 h)' }] },
      });
      const extra = await put({ ...valid(view), admin: true });
      expect(extra.status).toBe(400);
      const gone = await put({ ...valid(view), playbooks: [{ playbookId: 'pb_gone', enabled: true }] });
      expect(gone).toMatchObject({
        status: 404,
        body: { error: { code: 'playbook_not_found', message: expect.stringContaining('"pb_gone"') } },
      });
      expect((await h.api.call<Record<string, unknown>>('GET', '/policies')).body).toEqual(policiesBefore);
    });

    it('switches playbooks off (archived: no new runs) and on again (a new published version)', async () => {
      const view = await get();
      const nurture = view.playbooks.find((p) => p.playbookId === 'new-lead-nurture');
      expect(nurture?.enabled).toBe(true);
      const off = valid(view);
      off.playbooks = off.playbooks.map((p) =>
        p.playbookId === 'new-lead-nurture' ? { ...p, enabled: false } : p.playbookId === 'draft-only' ? { ...p, enabled: true } : p,
      );
      const r = await h.signedFetch('PUT', path(), off);
      expect(r.status).toBe(200);
      expect(r.body['message']).toBe('Settings saved: turned on Draft only; turned off New lead nurture (runs in progress finish).');
      const after = (r.body['settings'] as View).playbooks;
      expect(after.find((p) => p.playbookId === 'new-lead-nurture')).toMatchObject({ enabled: false, version: nurture?.version });
      expect(after.find((p) => p.playbookId === 'draft-only')).toMatchObject({ enabled: true, version: 1 });
      const versions = await h.api.call<{ playbooks: { version: number; status: string }[] }>('GET', '/playbooks?id=new-lead-nurture');
      expect(versions.body.playbooks.map((p) => p.status)).not.toContain('published');
      const { profileId } = await h.contactProfile('pat@settings.io');
      const refused = await h.api.call('POST', '/runs', { playbookId: 'new-lead-nurture', profileId });
      expect(refused.status).toBeGreaterThanOrEqual(400);

      const on = valid(await get());
      on.playbooks = on.playbooks.map((p) => (p.playbookId === 'new-lead-nurture' ? { ...p, enabled: true } : p));
      const back = await h.signedFetch('PUT', path(), on);
      expect(back.status).toBe(200);
      const restored = (back.body['settings'] as View).playbooks.find((p) => p.playbookId === 'new-lead-nurture');
      expect(restored).toMatchObject({ enabled: true, version: (nurture?.version ?? 0) + 1 });
      const started = await h.api.call<{ id: string; playbookVersion?: number }>('POST', '/runs', {
        playbookId: 'new-lead-nurture',
        profileId,
      });
      expect(started.status).toBe(201);
    });

    it('shows a connection HubSpot revoked (invalid_grant) as disconnected, with the reason and the reinstall link', async () => {
      h.sandbox.state.revokeRefreshTokens(h.portalId);
      await h.svc.runtime.db.query(
        `UPDATE connections SET config = config || '{"accessExpiresAt": 0}'::jsonb WHERE tenant_id = $1 AND type = 'hubspot'`,
        [h.tenantId],
      );
      const installs = new Installations({ db: h.svc.runtime.db, secrets: h.svc.runtime.secrets, logger: h.svc.runtime.logger });
      installs.api = new HubSpotApi({
        basePath: h.sandbox.url,
        clientId: h.sandbox.state.clientId,
        clientSecret: h.sandbox.state.clientSecret,
        tokens: installs,
      });
      await expect(installs.accessToken(h.portalId)).rejects.toBeInstanceOf(HubSpotDisconnectedError);
      const view = await get();
      expect(pageSchema.safeParse(view).success).toBe(true);
      expect(view.connection).toMatchObject({
        status: 'disconnected',
        portalId: h.portalId,
        reason: expect.stringContaining('invalid_grant'),
        connectedAt: null,
        installUrl: 'https://baton.example.test/oauth/hubspot/install',
      });
      // The cards refuse a disconnected portal; the settings page still explains it.
      const card = await h.signedFetch('GET', `/hubspot/cards/record?objectTypeId=0-1&objectId=1&portalId=${h.portalId}`);
      expect(card.status).toBe(403);
    });
  });
}
