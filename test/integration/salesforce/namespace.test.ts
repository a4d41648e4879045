/**
 * The Baton package in a real org: installed as the managed package (namespace `baton`: fields
 * `baton__Baton_Stage__c`, Apex REST `/services/apexrest/baton/secret/v1`) or deployed from source
 * without a namespace (`Baton_Stage__c`, `/services/apexrest/secret/v1`). Baton discovers which at
 * install and uses it for the signing secret, the write-back and a Task step; a missing package or
 * missing permissions show on the connection status instead of failing runs.
 */
import type { CardActionRequest } from '../../../app/cards/card-view';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../sandboxes/salesforce';
import { modes, startTestService, type TestService } from '../../support/runtime';
import { apiClient, type ApiClient } from '../../support/runs-helpers';
import { describeWith, waitFor as waitForWithin } from '../../support/services';
import { installOrg, sfEnv, sfModules, type StubValues } from './helpers';

jest.setTimeout(180_000);
const waitFor = <T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> =>
  waitForWithin(probe, what, timeoutMs);

interface Connection {
  status: string;
  statusReason: string | null;
  packageConfigured: boolean;
  package: { namespace: string | null; fieldsReady: boolean; apexReady: boolean } | null;
}

for (const { mode, needs } of modes) {
  for (const ns of ['baton', ''] as const) {
    const shape = ns === '' ? 'deployed without a namespace' : `managed package, namespace ${ns}`;
    const f = (field: string): string => (ns === '' ? field : `${ns}__${field}`);

    describeWith(needs, `Salesforce package ${shape} (${mode})`, () => {
      let sb: SalesforceSandbox;
      let svc: TestService;
      let api: ApiClient;
      let tenantId: string;
      const values = new Map<string, StubValues>();
      const acts: { tenantId: string; request: CardActionRequest; source: string }[] = [];
      const profileOf = (recordId: string): Promise<string> =>
        waitFor(async () => {
          const r = await svc.runtime.db.query<{ profile_id: string | null }>(
            `SELECT profile_id FROM events WHERE tenant_id = $1 AND source = 'salesforce' AND properties->>'recordId' = $2 AND profile_id IS NOT NULL`,
            [tenantId, recordId],
          );
          return r.rows[0]?.profile_id ?? undefined;
        }, `the event of ${recordId}`);

      beforeAll(async () => {
        sb = await startSalesforceSandbox({ connectHoldMs: 300, packageNamespace: ns });
        svc = await startTestService(mode, { modules: sfModules(values, acts) }, sfEnv(sb));
      });
      afterAll(async () => {
        await svc.stop();
        await sb.close();
      });

      it('discovers the namespace at install and hands the signing secret to the Apex REST path of that shape', async () => {
        const installed = await installOrg(svc.url);
        expect(installed.status).toBe(200);
        tenantId = installed.body.tenantId;
        api = apiClient(svc.url, installed.body.apiKey ?? '');
        await waitFor(async () => sb.state.apexRest.length > 0, 'the signing secret delivered');
        expect(sb.state.apexRest.map((a) => a.path)).toEqual([ns === '' ? '/secret/v1' : `/${ns}/secret/v1`]);
        const conn = await waitFor(async () => {
          const c = (await api.call<{ connections: Connection[] }>('GET', '/salesforce/connection')).body.connections[0];
          return c?.packageConfigured === true ? c : undefined;
        }, 'the connection to show the package configured');
        expect(conn).toMatchObject({
          status: 'active',
          statusReason: null,
          package: { namespace: ns, fieldsReady: true, apexReady: true },
        });
      });

      it("writes the Baton fields under the org's names and upserts a Task step by its Baton_Key__c", async () => {
        const c = sb.state.create('Contact', { LastName: 'Lovelace', Email: `ada-${ns || 'none'}@example.com` }, null);
        const profileId = await profileOf(c.Id);
        values.set(profileId, {
          stage: 'engaged',
          hotness: 70.2,
          nextAction: { decisionId: 'dec_ns', id: 'call', label: 'Call Ada', reason: 'Opened every email' },
        });
        sb.state.update('Contact', c.Id, { Title: 'Countess' }, null);
        await waitFor(async () => sb.state.find(c.Id)?.record[f('Baton_Stage__c')] === 'engaged', 'the Baton fields written');
        expect(sb.state.find(c.Id)?.record).toMatchObject({
          [f('Baton_Hotness__c')]: 70,
          [f('Baton_Next_Action__c')]: 'Call Ada',
          [f('Baton_Reason__c')]: 'Opened every email',
        });

        const playbook = {
          id: 'ns-task',
          name: 'Task',
          concurrency: 'unlimited',
          defaults: { retry: { maxAttempts: 3, initialInterval: '50ms', maxInterval: '200ms' } },
          steps: [
            { id: 'call', kind: 'action', action: { type: 'task', params: { subject: 'Call Ada', priority: 'high' } } },
            {
              id: 'stage',
              kind: 'action',
              action: { type: 'crm_update', params: { properties: { stage: 'qualified', Baton_Reason__c: 'Asked for pricing' } } },
            },
            { id: 'done', kind: 'exit', reason: 'done' },
          ],
        };
        expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
        expect((await api.call('POST', '/playbooks/ns-task/publish', {})).status).toBe(200);
        const run = await api.call<{ id: string }>('POST', '/runs', { playbookId: 'ns-task', profileId });
        expect(run.status).toBe(201);
        const done = await waitFor(async () => {
          const r = await api.call<{ status: string }>('GET', `/runs/${run.body.id}`);
          return r.body.status === 'completed' || r.body.status === 'failed' ? r.body : undefined;
        }, 'the run to end');
        expect(done.status).toBe('completed');
        const tasks = sb.state.tasks().filter((t) => t['WhoId'] === c.Id);
        expect(tasks).toHaveLength(1);
        expect(String(tasks[0]?.[f('Baton_Key__c')])).toMatch(/^bt-[0-9a-f]{40}$/);
        expect(sb.state.find(c.Id)?.record).toMatchObject({ [f('Baton_Reason__c')]: 'Asked for pricing' });
        // Nothing was ever sent under the other shape's names.
        const sent = JSON.stringify(sb.state.requests.map((r) => [r.path, r.body]));
        if (ns === '') expect(sent).not.toMatch(/[A-Za-z0-9]__Baton_/);
        else expect(sent).not.toMatch(/[^_]Baton_(?:Stage|Next_Action|Hotness|Reason|Key)__c/);
      });

      it('reports Baton fields of change events by their bare names', async () => {
        const c = sb.state.create('Lead', { LastName: 'Byron', Company: 'Analytical', [f('Baton_Stage__c')]: 'new' }, null);
        const r = await waitFor(
          async () =>
            (
              await svc.runtime.db.query<{ properties: { fields: Record<string, unknown> } }>(
                `SELECT properties FROM events WHERE tenant_id = $1 AND properties->>'recordId' = $2`,
                [tenantId, c.Id],
              )
            ).rows[0],
          'the lead event',
        );
        expect(r.properties.fields['Baton_Stage__c']).toBe('new');
      });
    });
  }

  describeWith(needs, `Salesforce org without the Baton package, then with it (${mode})`, () => {
    let sb: SalesforceSandbox;
    let svc: TestService;
    let api: ApiClient;
    const values = new Map<string, StubValues>();
    const connection = async (): Promise<Connection | undefined> =>
      (await api.call<{ connections: Connection[] }>('GET', '/salesforce/connection')).body.connections[0];

    beforeAll(async () => {
      sb = await startSalesforceSandbox({ connectHoldMs: 300, packageNamespace: null });
      svc = await startTestService(mode, { modules: sfModules(values, []) }, sfEnv(sb));
    });
    afterAll(async () => {
      await svc.stop();
      await sb.close();
    });

    it('tells the admin what is missing on the connection status; a Task step ends undeliverable with the same message instead of failing', async () => {
      const installed = await installOrg(svc.url);
      expect(installed.status).toBe(200);
      api = apiClient(svc.url, installed.body.apiKey ?? '');
      const conn = await waitFor(async () => {
        const c = await connection();
        return c?.statusReason !== null && c?.statusReason !== undefined ? c : undefined;
      }, 'a status reason');
      expect(conn.status).toBe('active');
      expect(conn.statusReason).toMatch(
        /the Baton package is not installed in this org: Contact has no Baton_Stage__c field.*deploy extensions\/salesforce \(README/,
      );
      expect(conn).toMatchObject({ packageConfigured: false, package: { namespace: null, fieldsReady: false, apexReady: false } });
      expect(sb.state.apexRest).toHaveLength(0);

      const c = sb.state.create('Contact', { LastName: 'Babbage', Email: 'charles@example.com' }, null);
      const profileId = await waitFor(async () => {
        const r = await svc.runtime.db.query<{ profile_id: string | null }>(
          `SELECT profile_id FROM events WHERE source = 'salesforce' AND properties->>'recordId' = $1 AND profile_id IS NOT NULL`,
          [c.Id],
        );
        return r.rows[0]?.profile_id ?? undefined;
      }, 'the contact event');
      const playbook = {
        id: 'np-task',
        name: 'Task',
        concurrency: 'unlimited',
        steps: [
          { id: 'call', kind: 'action', action: { type: 'task', params: { subject: 'Call Charles' } } },
          { id: 'done', kind: 'exit', reason: 'done' },
        ],
      };
      expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await api.call('POST', '/playbooks/np-task/publish', {})).status).toBe(200);
      const run = await api.call<{ id: string }>('POST', '/runs', { playbookId: 'np-task', profileId });
      const step = await waitFor(async () => {
        const r = await api.call<{ steps: { stepId: string; status: string; error: { code?: string; message?: string } | null }[] }>(
          'GET',
          `/runs/${run.body.id}`,
        );
        const s = r.body.steps.find((x) => x.stepId === 'call');
        return s !== undefined && !['scheduled', 'running', 'retrying'].includes(s.status) ? s : undefined;
      }, 'the task step to end');
      expect(step.status).toBe('undeliverable');
      expect(JSON.stringify(step)).toMatch(/needs the Baton package in Salesforce: the Baton package is not installed/);
      expect(sb.state.tasks()).toHaveLength(0);
    });

    it('names the missing permission set when the package is there but its fields are read-only for the connected user, and clears the reason on reconnect once fixed', async () => {
      sb.state.installPackage('');
      sb.state.batonFieldAccess = 'read';
      expect((await installOrg(svc.url)).status).toBe(200);
      const conn = await waitFor(async () => {
        const c = await connection();
        return c?.package?.namespace === '' && c.statusReason !== null ? c : undefined;
      }, 'the read-only fields reported');
      expect(conn.statusReason).toMatch(
        /cannot edit Contact\.Baton_Stage__c.*Task\.Baton_Key__c; assign the Baton_Integration permission set/,
      );

      sb.state.batonFieldAccess = 'edit';
      expect((await installOrg(svc.url)).status).toBe(200);
      const fixed = await waitFor(async () => {
        const c = await connection();
        return c?.packageConfigured === true ? c : undefined;
      }, 'the package configured after the reconnect');
      expect(fixed).toMatchObject({ status: 'active', statusReason: null, package: { namespace: '', fieldsReady: true, apexReady: true } });
      expect(sb.state.apexRest.at(-1)?.path).toBe('/secret/v1');
    });
  });
}
