/**
 * The Salesforce module with the real identity, decisioning and runs modules: Flow "Record outcome"
 * settles decisions through decisioning (the posterior learns), write-back actions go to Salesforce only
 * for people the org holds (another CRM's port, registered after it, gets the others), and an admin
 * disconnect revokes the token, stops the stream and purges the org's data from Baton. Both storage modes.
 */
import { automationModule } from '../../../server/automation/automation.module';
import { cardsModule } from '../../../server/cards/cards.module';
import type { ActionPort, ActionRequest } from '../../../app/orchestration';
import { decisioningModuleWith } from '../../../server/decisioning/decisioning.module';
import { identityModule } from '../../../server/identity/identity.module';
import type { ModuleFactory } from '../../../server/module';
import { ACTION_REGISTRY, runsModule } from '../../../server/runs';
import { salesforceModuleWith } from '../../../connectors/salesforce/salesforce.module';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandboxes/salesforce';
import { ingest, type DecisionJson } from '../../support/decisioning-helpers';
import { modes, startTestService, type TestService } from '../../support/runtime';
import { apiClient, type ApiClient } from '../../support/runs-helpers';
import { describeWith, waitFor as waitForWithin } from '../../support/services';
import { installOrg, sfEnv, signedFetch } from './helpers';

jest.setTimeout(180_000);
const waitFor = <T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> => waitForWithin(probe, what, 60_000);

/** Another CRM's write-back port, registered after Salesforce (as HubSpot is in server/modules.ts). */
function otherCrm(received: ActionRequest[]): ModuleFactory {
  const port: ActionPort = {
    async execute(request) {
      received.push(request);
      return { ok: true, output: { channel: 'other-crm' } };
    },
  };
  return (ctx) => {
    for (const kind of ['task', 'crm_update', 'email'] as const)
      ctx.services.get(ACTION_REGISTRY)?.register(kind, port, { name: 'other-crm' });
    return { name: 'other-crm' };
  };
}

const catalog = { actions: [{ id: 'call-task', label: 'Call them', channel: 'task', value: 10 }] };
const policies = { holdout: { share: 0 }, randomControlShare: 0, reach: { initial: 1 }, quietHours: { enabled: false }, frequencyCaps: [] };

for (const { mode, needs } of modes) {
  describeWith(needs, `Salesforce with identity, decisioning and runs (${mode})`, () => {
    let sb: SalesforceSandbox;
    let svc: TestService;
    let api: ApiClient;
    let tenantId: string;
    let orgId: string;
    const received: ActionRequest[] = [];
    const secret = () => String((sb.state.apexRest.at(-1)?.body as { secret?: string } | undefined)?.secret ?? '');
    const profileOf = (recordId: string) =>
      waitFor(async () => {
        const r = await svc.runtime.db.query<{ profile_id: string | null }>(
          `SELECT profile_id FROM events WHERE tenant_id = $1 AND source = 'salesforce' AND properties->>'recordId' = $2 AND processed_at IS NOT NULL ORDER BY seq DESC LIMIT 1`,
          [tenantId, recordId],
        );
        return r.rows[0]?.profile_id ?? undefined;
      }, `the profile of ${recordId}`);
    const runTask = async (
      profileId: string,
      id: string,
    ): Promise<{ status: string; steps: { stepId: string; output: { channel?: string; taskId?: string } | null }[] }> => {
      const playbook = {
        id,
        name: id,
        concurrency: 'unlimited',
        steps: [
          { id: 'call', kind: 'action', action: { type: 'task', params: { subject: `Call (${id})` } } },
          { id: 'done', kind: 'exit', reason: 'ok' },
        ],
      };
      expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await api.call('POST', `/playbooks/${id}/publish`, {})).status).toBe(200);
      const run = await api.call<{ id: string }>('POST', '/runs', { playbookId: id, profileId });
      return waitFor(async () => {
        const r = await api.call<{ status: string; steps: { stepId: string; output: { channel?: string; taskId?: string } | null }[] }>(
          'GET',
          `/runs/${run.body.id}`,
        );
        return ['completed', 'failed'].includes(r.body.status) ? r.body : undefined;
      }, `run ${id}`);
    };

    beforeAll(async () => {
      sb = await startSalesforceSandbox({ connectHoldMs: 300 });
      svc = await startTestService(
        mode,
        {
          modules: [
            identityModule,
            decisioningModuleWith({ expiryIntervalMs: 0 }),
            automationModule,
            cardsModule,
            runsModule({ engine: { leaseMs: 5_000 }, stuckSweepIntervalMs: 500, stuckGraceMs: 2_000 }),
            salesforceModuleWith({ streamPollMs: 200, streamLeaseMs: 3_000, streamRestartMs: 200, rateLimitRetryMs: 100 }),
            otherCrm(received),
          ],
        },
        { ...sfEnv(sb), ...(process.env['SF_LOG'] === undefined ? {} : { LOG_LEVEL: process.env['SF_LOG'] }) },
      );
      const installed = await installOrg(svc.url);
      expect(installed.status).toBe(200);
      tenantId = installed.body.tenantId;
      orgId = installed.body.orgId;
      api = apiClient(svc.url, installed.body.apiKey ?? '');
      expect((await api.call('PUT', '/actions', catalog)).status).toBe(200);
      expect((await api.call('PUT', '/policies', policies)).status).toBe(200);
      await waitFor(
        async () => sb.state.apexRest.length > 0 && sb.pubsub.subscriptions.some((s) => s.channels.length === 5),
        'the secret delivered and the stream subscribed',
      );
    });
    afterAll(async () => {
      await svc.stop();
      await sb.close();
    });

    it('records Flow outcomes through decisioning: settled once, the posterior learns, same order out', async () => {
      const ada = sb.state.create('Contact', { LastName: 'Lovelace', Email: 'ada@example.com' }, null);
      const grace = sb.state.create('Lead', { LastName: 'Hopper', Company: 'Navy', Email: 'grace@example.com' }, null);
      const adaProfile = await profileOf(ada.Id);
      const graceProfile = await profileOf(grace.Id);
      const d1 = await api.call<DecisionJson>('POST', '/decisions', { profileId: adaProfile });
      expect(d1.body.action?.id).toBe('call-task');
      const evidence = (d: DecisionJson): number => d.explanation.find((c) => c.actionId === 'call-task')?.factors?.evidence ?? -1;
      const before = evidence(d1.body);
      const d2 = await api.call<DecisionJson>('POST', '/decisions', { profileId: graceProfile });
      const unknown = '003000000000000AAA';
      const res = await signedFetch(svc.url, secret(), orgId, 'POST', '/salesforce/flow/record-outcome', {
        requests: [
          { recordId: ada.Id, decisionId: d1.body.decisionId, outcome: 'positive', value: 250 },
          { recordId: unknown, outcome: 'positive' },
          { recordId: grace.Id, outcome: 'negative' },
          { recordId: ada.Id, decisionId: d1.body.decisionId, outcome: 'negative' },
          { recordId: ada.Id, decisionId: 'dec_nope', outcome: 'positive' },
        ],
      });
      expect(res.status).toBe(200);
      const { results } = (await res.json()) as {
        results: { recordId: string; status: string; decisionId: string | null; learned: boolean; error: string | null }[];
      };
      expect(results.map((r) => [r.recordId, r.status, r.decisionId])).toEqual([
        [ada.Id, 'recorded', d1.body.decisionId],
        [unknown, 'failed', null],
        [grace.Id, 'recorded', d2.body.decisionId],
        [ada.Id, 'already_settled', d1.body.decisionId],
        [ada.Id, 'failed', 'dec_nope'],
      ]);
      expect(results[0]?.learned).toBe(true);
      expect(results[4]?.error).toMatch(/no decision dec_nope/);
      const settled = await api.call<{ outcome: { outcome: string; value?: number } | null }>('GET', `/decisions/${d1.body.decisionId}`);
      expect(settled.body.outcome).toMatchObject({ outcome: 'positive' });
      expect(
        (await api.call<{ outcome: { outcome: string } | null }>('GET', `/decisions/${d2.body.decisionId}`)).body.outcome,
      ).toMatchObject({ outcome: 'negative' });
      // The next decision sees the new evidence: the positive and the negative outcome both count.
      const next = await api.call<DecisionJson>('POST', '/decisions', { profileId: adaProfile });
      expect(evidence(next.body)).toBe(before + 2);
    });

    it('takes write-back actions only for people with a Contact or Lead in this org; the next CRM gets the others', async () => {
      const katherine = sb.state.create('Contact', { LastName: 'Johnson', Email: 'katherine@example.com' }, null);
      const inSalesforce = await profileOf(katherine.Id);
      const outside = (await ingest(api, 'dorothy@langley-research.org', 'message.received', { text: 'Hello there' })).profileId;
      const sfRun = await runTask(inSalesforce, 'sf-person');
      expect(sfRun.status).toBe('completed');
      expect(sfRun.steps.find((s) => s.stepId === 'call')?.output?.channel).toBe('salesforce');
      expect(sb.state.tasks().filter((t) => t['WhoId'] === katherine.Id)).toHaveLength(1);
      const otherRun = await runTask(outside, 'other-person');
      expect(otherRun.status).toBe('completed');
      expect(otherRun.steps.find((s) => s.stepId === 'call')?.output?.channel).toBe('other-crm');
      expect(received.map((r) => r.profileId)).toEqual([outside]);
      expect(sb.state.tasks().filter((t) => String(t['Subject']).includes('other-person'))).toHaveLength(0);
    });

    it('disconnects: revokes the token at Salesforce, stops the stream and purges the org from Baton', async () => {
      // Dorothy also writes through the API with the email her Salesforce Lead carries: that evidence stays.
      const dorothy = sb.state.create('Lead', { LastName: 'Vaughan', Company: 'NACA', Email: 'dorothy@langley-research.org' }, null);
      const profileId = await profileOf(dorothy.Id);
      const count = async (sql: string, params: unknown[]): Promise<number> =>
        Number((await svc.runtime.db.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
      const sfNodes = () =>
        count(
          `SELECT count(*) AS n FROM identity_nodes WHERE tenant_id = $1 AND (key LIKE 'salesforceId:%' OR key LIKE 'rec:salesforce:%')`,
          [tenantId],
        );
      expect(await sfNodes()).toBeGreaterThan(0);
      expect(await count(`SELECT count(*) AS n FROM salesforce_records WHERE tenant_id = $1`, [tenantId])).toBeGreaterThan(0);
      const live = [...sb.state.families.values()].filter((f) => !f.revoked);
      expect(live.length).toBeGreaterThan(0);

      // Salesforce cannot confirm the revocation: nothing is disconnected or purged (force=true would go on).
      sb.state.revokeUnavailable = true;
      const refused = await api.call<{ error: { code: string; message: string } }>('DELETE', '/salesforce/connection');
      sb.state.revokeUnavailable = false;
      expect([refused.status, refused.body.error.code]).toEqual([502, 'salesforce_unavailable']);
      expect(refused.body.error.message).toMatch(/force=true/);
      expect((await api.call<{ connections: { status: string }[] }>('GET', '/salesforce/connection')).body.connections[0]?.status).toBe(
        'active',
      );
      expect(await sfNodes()).toBeGreaterThan(0);

      const res = await api.call<{ disconnected: boolean; revoked: boolean; purged: { events: number; records: number } }>(
        'DELETE',
        '/salesforce/connection',
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ disconnected: true, revoked: true });
      expect(res.body.purged.events).toBeGreaterThan(0);
      expect(res.body.purged.records).toBeGreaterThan(0);
      // Revoked at Salesforce: the family of the stored refresh token is dead.
      expect(live.some((f) => sb.state.families.get(f.id)?.revoked === true)).toBe(true);
      await waitFor(async () => sb.pubsub.subscriptions.length === 0, 'the change stream stopped');
      const conn = await api.call<{ connections: { status: string; statusReason: string }[] }>('GET', '/salesforce/connection');
      expect(conn.body.connections[0]).toMatchObject({
        status: 'disconnected',
        statusReason: expect.stringMatching(/disconnected by an admin/),
      });
      expect(await sfNodes()).toBe(0);
      for (const table of ['salesforce_records', 'salesforce_stream_positions', 'salesforce_stream_leases']) {
        expect([table, await count(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = $1`, [tenantId])]).toEqual([table, 0]);
      }
      expect([
        'effect_ledger',
        await count(`SELECT count(*) AS n FROM effect_ledger WHERE tenant_id = $1 AND vendor = 'salesforce'`, [tenantId]),
      ]).toEqual(['effect_ledger', 0]);
      expect(await count(`SELECT count(*) AS n FROM events WHERE tenant_id = $1 AND source = 'salesforce'`, [tenantId])).toBe(0);
      // Dorothy keeps a profile for what the API told Baton (her email; recomputed, so possibly a new id),
      // without her Salesforce Lead id.
      expect(JSON.stringify((await api.call('GET', `/profiles/${profileId}`)).body)).not.toContain(dorothy.Id.slice(0, 15));
      const found = await api.call<{ profiles: unknown[] }>('GET', '/profiles?email=dorothy@langley-research.org');
      expect(found.body.profiles).toHaveLength(1);
      const profile = await api.call('GET', `/profiles/${/prof_[0-9a-f]+/.exec(JSON.stringify(found.body))?.[0] ?? ''}`);
      expect(JSON.stringify(profile.body)).toContain('dorothy@langley-research.org');
      expect(JSON.stringify(profile.body)).not.toContain(dorothy.Id.slice(0, 15));
      // Nothing of the org flows in any more, and actions no longer go to Salesforce.
      sb.state.create('Contact', { LastName: 'Late', Email: 'late@example.com' }, null);
      const outbound = await signedFetch(svc.url, secret(), orgId, 'GET', `/salesforce/cards/record?recordId=${dorothy.Id}`);
      expect(outbound.status).toBe(401);
      expect(await count(`SELECT count(*) AS n FROM events WHERE tenant_id = $1 AND source = 'salesforce'`, [tenantId])).toBe(0);
      // A second disconnect finds nothing to revoke and still answers.
      const again = await api.call<{ disconnected: boolean; revoked: boolean }>('DELETE', '/salesforce/connection');
      expect(again.body).toMatchObject({ disconnected: true, revoked: false });
    });
  });
}
