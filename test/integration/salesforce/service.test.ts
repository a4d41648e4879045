import type { CardActionRequest } from '../../../app/cards/card-view';
import { salesforceCardAnswerSchema } from '../../../app/contracts';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { ACK_XML, toPortError } from '../../../connectors/salesforce/client';
import { DisconnectedError, SalesforceInstallations } from '../../../connectors/salesforce/installations';
import { SecretBox } from '../../../server/security/secret-box';
import { outboundMessageXml, startSalesforceSandbox, type SalesforceSandbox } from '../../sandboxes/salesforce';
import { modes, startTestService, type TestService } from '../../support/runtime';
import { apiClient, type ApiClient } from '../../support/runs-helpers';
import { describeWith, waitFor as waitForWithin } from '../../support/services';

/** Waits up to 60 s: the change stream polls and refreshes tokens on its own schedule, slower on a loaded CI machine. */
jest.setTimeout(180_000);
const waitFor = <T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> =>
  waitForWithin(probe, what, timeoutMs);
import { installOrg, sfEnv, sfModules, signedFetch, type StubOutcome, type StubValues } from './helpers';

interface EventRow {
  id: string;
  type: string;
  source_event_id: string;
  profile_id: string | null;
  properties: Record<string, unknown>;
}

for (const { mode, needs } of modes) {
  describeWith(needs, `Salesforce end to end (${mode}, sandbox org, real jsforce)`, () => {
    let sb: SalesforceSandbox;
    let svc: TestService;
    let api: ApiClient;
    let tenantId: string;
    let orgId: string;
    const values = new Map<string, StubValues>();
    const acts: { tenantId: string; request: CardActionRequest; source: string }[] = [];
    const outcomes: StubOutcome[] = [];

    const events = async (): Promise<EventRow[]> =>
      (
        await svc.runtime.db.query<EventRow>(
          `SELECT id, type, source_event_id, profile_id, properties FROM events WHERE tenant_id = $1 AND source = 'salesforce' ORDER BY seq`,
          [tenantId],
        )
      ).rows;
    const eventFor = (recordId: string, type: string) =>
      waitFor(
        async () => (await events()).find((e) => e.properties['recordId'] === recordId && e.type === type && e.profile_id !== null),
        `${type} of ${recordId}`,
      );
    const secret = () => String((sb.state.apexRest.at(-1)?.body as { secret?: string } | undefined)?.secret ?? '');

    beforeAll(async () => {
      sb = await startSalesforceSandbox({ connectHoldMs: 300 });
      svc = await startTestService(
        mode,
        { modules: sfModules(values, acts, outcomes) },
        { ...sfEnv(sb), ...(process.env['SF_LOG'] === undefined ? {} : { LOG_LEVEL: process.env['SF_LOG'] }) },
      );
    });
    afterAll(async () => {
      await svc.stop();
      await sb.close();
    });

    it('installs with OAuth + PKCE: org from the identity URL, tokens sealed, signing secret delivered, stream started', async () => {
      const start = await fetch(`${svc.url}/oauth/salesforce/install`, { redirect: 'manual' });
      const authorize = new URL(start.headers.get('location') ?? '');
      expect(authorize.origin + authorize.pathname).toBe(`${sb.url}/services/oauth2/authorize`);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const installed = await installOrg(svc.url);
      expect(installed.status).toBe(200);
      expect(installed.body).toMatchObject({ connected: true, orgId: sb.state.orgId, newTenant: true });
      tenantId = installed.body.tenantId;
      orgId = installed.body.orgId;
      api = apiClient(svc.url, installed.body.apiKey ?? '');

      const row = (
        await svc.runtime.db.query<{ secret_ciphertext: string; config: Record<string, unknown> }>(
          `SELECT secret_ciphertext, config FROM connections WHERE tenant_id = $1 AND type = 'salesforce'`,
          [tenantId],
        )
      ).rows[0];
      const refresh = [...sb.state.families.values()][0]?.current ?? 'missing';
      expect(row?.secret_ciphertext).toMatch(/^v1\./);
      expect(row?.secret_ciphertext).not.toContain(refresh);
      expect(row?.config['userId']).toBe(sb.state.options.userId);

      await waitFor(async () => sb.state.apexRest.length > 0, 'the signing secret delivered to the package');
      expect(Buffer.from(secret(), 'base64')).toHaveLength(32);
      const conn = await api.call<{ connections: { status: string; packageConfigured: boolean }[] }>('GET', '/salesforce/connection');
      await waitFor(
        async () =>
          (await api.call<{ connections: { packageConfigured: boolean }[] }>('GET', '/salesforce/connection')).body.connections[0]
            ?.packageConfigured,
        'secretDelivered',
      );
      expect(conn.body.connections[0]?.status).toBe('active');
      await waitFor(async () => sb.pubsub.subscriptions.some((s) => s.channels.length === 5), 'CDC subscriptions for five objects');
    });

    it('refuses a reused install state', async () => {
      const start = await fetch(`${svc.url}/oauth/salesforce/install`, { redirect: 'manual' });
      const consent = await fetch(start.headers.get('location') ?? '', { redirect: 'manual' });
      const query = new URL(consent.headers.get('location') ?? '').searchParams.toString();
      expect((await fetch(`${svc.url}/oauth/salesforce/callback?${query}`)).status).toBe(200);
      await waitFor(async () => sb.state.apexRest.length === 2, 'the new signing secret delivered');
      const again = await fetch(`${svc.url}/oauth/salesforce/callback?${query}`);
      expect(again.status).toBe(400);
      expect(((await again.json()) as { error: { code: string } }).error.code).toBe('invalid_state');
    });

    it('turns change events into canonical events resolved to a profile, and skips echoes of its own writes', async () => {
      const c = sb.state.create(
        'Contact',
        { FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@example.com' },
        'com/salesforce/api/rest/66.0',
      );
      const created = await eventFor(c.Id, 'contact.created');
      expect(created.source_event_id).toMatch(/^cdc:Contact:\d+:/);
      const profile = await api.call<{ identities?: unknown[] }>('GET', `/profiles/${created.profile_id ?? ''}`);
      expect(profile.status).toBe(200);
      expect(JSON.stringify(profile.body)).toContain(c.Id);
      const before = (await events()).length;
      sb.state.update('Contact', c.Id, { Title: 'echo' }, 'com/salesforce/api/rest/66.0;client=Baton');
      sb.state.update('Contact', c.Id, { Title: 'Countess' }, null);
      await waitFor(
        async () => (await events()).some((e) => e.properties['recordId'] === c.Id && e.type === 'contact.updated'),
        'the user edit',
      );
      const after = await events();
      expect(after.length).toBe(before + 1);
      expect((after.at(-1)?.properties['fields'] as Record<string, unknown>)['Title']).toBe('Countess');
    });

    it('acknowledges outbound messages with the exact Ack after storing them once, and faults on bad XML or org', async () => {
      const c = sb.state.create('Lead', { LastName: 'Turing', Company: 'Bletchley' }, null);
      const xml = outboundMessageXml({
        orgId,
        notifications: [
          { id: '04l5e00000Gx7QzAAJ', sobjectType: 'Lead', fields: { Id: c.Id, Email: 'alan@example.com', Status: 'Working' } },
          { id: '04l5e00000Gx7R0AAJ', sobjectType: 'Lead', fields: { Id: c.Id, Email: 'alan@example.com', Status: 'Qualified' } },
        ],
      });
      // The endpoint with a fresh token (PUBLIC_URL is not this test server's address: only the path is kept).
      const endpoint = `${svc.url}${new URL((await api.call<{ outboundMessageUrl: string }>('POST', '/salesforce/outbound-token')).body.outboundMessageUrl).pathname}`;
      const post = (body: string) => fetch(endpoint, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8' }, body });
      const res = await post(xml);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(ACK_XML);
      const stored = (await events()).filter((e) => e.source_event_id.startsWith('om:04l5e00000Gx7'));
      expect(stored.map((e) => e.source_event_id).sort()).toEqual(['om:04l5e00000Gx7QzAAJ', 'om:04l5e00000Gx7R0AAJ']);
      expect((await post(xml)).status).toBe(200);
      expect((await events()).filter((e) => e.source_event_id.startsWith('om:04l5e00000Gx7'))).toHaveLength(2);

      const broken = await post(xml.slice(0, 300));
      expect(broken.status).toBe(400);
      expect(await broken.text()).toMatch(/<soapenv:Fault>\s*<faultcode>soapenv:Client<\/faultcode>\s*<faultstring>malformed XML/);
      const foreign = await post(
        outboundMessageXml({
          orgId: '00D000000000001AAA',
          notifications: [{ id: '04l5e00000Gx7R1AAJ', sobjectType: 'Lead', fields: { Id: c.Id } }],
        }),
      );
      expect(foreign.status).toBe(401);
      expect(await foreign.text()).toMatch(/not the organization this endpoint token was issued for/);
    });

    it('writes Baton fields back when stage, hotness or next best action change, and only then', async () => {
      const c = sb.state.create('Contact', { LastName: 'Hopper', Email: 'grace@example.com' }, null);
      const ev = await eventFor(c.Id, 'contact.created');
      const profileId = ev.profile_id ?? '';
      values.set(profileId, {
        stage: 'engaged',
        hotness: 61.6,
        nextAction: { decisionId: 'dec_1', id: 'call', label: 'Call Grace', reason: 'High propensity to reply' },
      });
      sb.state.update('Contact', c.Id, { Phone: '+44 20 7946 0000' }, null);
      await waitFor(async () => sb.state.find(c.Id)?.record['baton__Baton_Stage__c'] === 'engaged', 'Baton fields on the contact');
      expect(sb.state.find(c.Id)?.record).toMatchObject({
        baton__Baton_Hotness__c: 62,
        baton__Baton_Next_Action__c: 'Call Grace',
        baton__Baton_Reason__c: 'High propensity to reply',
      });
      const writes = () => sb.state.requests.filter((r) => r.path === '/composite/sobjects' && r.method === 'PATCH').length;
      // Both events (created, phone changed) may schedule a write-back job: count from when none is in flight.
      const settled = async (): Promise<boolean> =>
        (
          await svc.runtime.db.query(
            `SELECT 1 FROM events WHERE tenant_id = $1 AND processed_at IS NULL
           UNION ALL SELECT 1 FROM outbox WHERE tenant_id = $1 AND kind = 'salesforce.writeback' AND status = 'pending'`,
            [tenantId],
          )
        ).rows.length === 0;
      await waitFor(settled, 'both events processed and their write-backs done');
      const n = writes();
      const seen = (await events()).length;
      sb.state.update('Contact', c.Id, { Title: 'Rear Admiral' }, null);
      await waitFor(async () => (await events()).length > seen && (await settled()), 'the unchanged-values event processed');
      expect(writes()).toBe(n);
      values.set(profileId, { ...values.get(profileId), stage: 'qualified' });
      sb.state.update('Contact', c.Id, { Title: 'Admiral' }, null);
      await waitFor(async () => sb.state.find(c.Id)?.record['baton__Baton_Stage__c'] === 'qualified', 'the new stage written');
      expect(writes()).toBe(n + 1);
    });

    it('creates a run step Task exactly once through REQUEST_LIMIT_EXCEEDED and an ambiguous 5xx', async () => {
      const c = sb.state.create('Contact', { LastName: 'Noether', Email: 'emmy@example.com' }, null);
      const profileId = (await eventFor(c.Id, 'contact.created')).profile_id ?? '';
      const playbook = {
        id: 'sf-task',
        name: 'Salesforce task',
        concurrency: 'unlimited',
        defaults: { retry: { maxAttempts: 5, initialInterval: '50ms', maxInterval: '200ms' } },
        steps: [
          {
            id: 'call',
            kind: 'action',
            action: { type: 'task', params: { subject: 'Call Emmy', description: 'She asked for a demo', priority: 'high', dueInDays: 2 } },
          },
          { id: 'done', kind: 'exit', reason: 'task created' },
        ],
      };
      expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await api.call('POST', '/playbooks/sf-task/publish', {})).status).toBe(200);
      sb.state.failNext({
        method: 'PATCH',
        path: /^\/sobjects\/Task\//,
        status: 403,
        body: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'TotalRequests Limit exceeded.' }],
      });
      sb.state.failNext({
        method: 'PATCH',
        path: /^\/sobjects\/Task\//,
        status: 503,
        body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'try later' }],
        afterApply: true,
      });
      const run = await api.call<{ id: string }>('POST', '/runs', { playbookId: 'sf-task', profileId });
      expect(run.status).toBe(201);
      const done = await waitFor(async () => {
        const r = await api.call<{ status: string; steps: { stepId: string; attempts: number; output: Record<string, unknown> | null }[] }>(
          'GET',
          `/runs/${run.body.id}`,
        );
        return r.body.status === 'completed' ? r.body : undefined;
      }, 'the run to complete');
      const tasks = sb.state.tasks().filter((t) => t['WhoId'] === c.Id);
      expect(tasks).toHaveLength(1);
      expect(tasks[0]).toMatchObject({
        Subject: 'Call Emmy',
        Priority: 'High',
        Status: 'Not Started',
        Description: 'She asked for a demo',
      });
      expect(String(tasks[0]?.['ActivityDate'])).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const step = done.steps.find((s) => s.stepId === 'call');
      expect(step?.output).toMatchObject({ channel: 'salesforce', taskId: tasks[0]?.Id });
      expect(sb.state.requests.filter((r) => r.method === 'PATCH' && r.path.startsWith('/sobjects/Task/')).length).toBeGreaterThanOrEqual(
        3,
      );
    });

    it('sends emailSimple and launches a Flow from run steps', async () => {
      const c = sb.state.create('Contact', { LastName: 'Curie', Email: 'marie@example.com' }, null);
      const profileId = (await eventFor(c.Id, 'contact.created')).profile_id ?? '';
      const playbook = {
        id: 'sf-mail',
        name: 'Salesforce email and flow',
        concurrency: 'unlimited',
        steps: [
          {
            id: 'mail',
            kind: 'action',
            action: { type: 'email', params: { templateId: 'Welcome', subject: 'Welcome', body: 'Hello Marie' } },
          },
          { id: 'flow', kind: 'action', action: { type: 'workflow_enrollment', params: { workflowId: 'Baton_Follow_Up' } } },
          { id: 'done', kind: 'exit', reason: 'ok' },
        ],
      };
      await api.call('POST', '/playbooks', playbook);
      await api.call('POST', '/playbooks/sf-mail/publish', {});
      const run = await api.call<{ id: string }>('POST', '/runs', { playbookId: 'sf-mail', profileId });
      await waitFor(async () => (await api.call<{ status: string }>('GET', `/runs/${run.body.id}`)).body.status === 'completed', 'the run');
      expect(sb.state.actions.filter((a) => a.name === 'emailSimple' && a.inputs[0]?.['recipientId'] === c.Id)).toHaveLength(1);
      expect(sb.state.actions.filter((a) => a.name === 'flow:Baton_Follow_Up' && a.inputs[0]?.['recordId'] === c.Id)).toHaveLength(1);
    });

    it('writes a note on the Contact and enrolls it in a cadence from run steps, as HubSpot does for its contacts', async () => {
      const c = sb.state.create('Contact', { LastName: 'Hodgkin', Email: 'dorothy@example.com' }, null);
      const profileId = (await eventFor(c.Id, 'contact.created')).profile_id ?? '';
      const playbook = {
        id: 'sf-note-cadence',
        name: 'Salesforce note and cadence',
        concurrency: 'unlimited',
        defaults: { retry: { maxAttempts: 4, initialInterval: '50ms', maxInterval: '200ms' } },
        steps: [
          {
            id: 'note',
            kind: 'action',
            action: { type: 'note', params: { title: 'Baton: insulin', body: 'Asked for the <structure> & a call' } },
          },
          { id: 'cadence', kind: 'action', action: { type: 'sequence_enrollment', params: { sequenceId: 'Baton Nurture' } } },
          { id: 'done', kind: 'exit', reason: 'ok' },
        ],
      };
      expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await api.call('POST', '/playbooks/sf-note-cadence/publish', {})).status).toBe(200);
      // The first cadence answer is lost after Salesforce enrolled: the retry finds the tracker instead of enrolling twice.
      sb.state.failNext({
        method: 'POST',
        path: /^\/actions\/standard\/assignTargetToSalesCadence$/,
        status: 503,
        body: [{ errorCode: 'SERVER_UNAVAILABLE', message: 'try later' }],
        afterApply: true,
      });
      const run = await api.call<{ id: string }>('POST', '/runs', { playbookId: 'sf-note-cadence', profileId });
      expect(run.status).toBe(201);
      const done = await waitFor(async () => {
        const r = await api.call<{ status: string; steps: { stepId: string; output: Record<string, unknown> | null }[] }>(
          'GET',
          `/runs/${run.body.id}`,
        );
        return r.body.status === 'completed' ? r.body : undefined;
      }, 'the note and cadence run to complete');
      const notes = sb.state.notesOf(c.Id);
      expect(notes).toHaveLength(1);
      expect(notes[0]?.note['Title']).toBe('Baton: insulin');
      expect(notes[0]?.html).toBe('Asked for the &lt;structure&gt; &amp; a call');
      expect(notes[0]?.links).toEqual([expect.objectContaining({ LinkedEntityId: c.Id, ShareType: 'I', Visibility: 'AllUsers' })]);
      const trackers = [...sb.state.table('ActionCadenceTracker').values()].filter((t) => t['TargetId'] === c.Id);
      expect(trackers).toHaveLength(1);
      expect(done.steps.find((s) => s.stepId === 'note')?.output).toMatchObject({ channel: 'salesforce', noteId: notes[0]?.note.Id });
      expect(done.steps.find((s) => s.stepId === 'cadence')?.output).toMatchObject({
        channel: 'salesforce',
        targetId: c.Id,
        trackerId: trackers[0]?.Id,
        recovered: true,
      });
    });

    it('serves the Apex endpoints only to correctly signed requests of an installed org', async () => {
      const c = sb.state.create('Contact', { LastName: 'Franklin', Email: 'rosalind@example.com' }, null);
      const profileId = (await eventFor(c.Id, 'contact.created')).profile_id ?? '';
      values.set(profileId, {
        stage: 'engaged',
        nextAction: { decisionId: 'dec_9', id: 'call', label: 'Call Rosalind', reason: 'Asked for pricing' },
      });
      const path = `/salesforce/cards/record?recordId=${c.Id}`;
      // The card finds the person through the record's row, which the event's processing writes after
      // ingest gave the event its profile: until then it answers with no profile, so wait for it.
      const body = await waitFor(async () => {
        const ok = await signedFetch(svc.url, secret(), orgId, 'GET', path);
        expect(ok.status).toBe(200);
        const answer = salesforceCardAnswerSchema.parse(await ok.json());
        return answer.card.profileId === null ? undefined : answer;
      }, 'the card to know the record');
      expect(body.recordId).toBe(c.Id);
      expect(body.card.profileId).toBe(profileId);
      expect(body.card.nextBestAction?.action.label).toBe('Call Rosalind');

      const wrongKey = await signedFetch(svc.url, Buffer.alloc(32, 1).toString('base64'), orgId, 'GET', path);
      expect(wrongKey.status).toBe(401);
      expect(((await wrongKey.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
      expect((await signedFetch(svc.url, secret(), '00D000000000001AAA', 'GET', path)).status).toBe(401);
      expect((await signedFetch(svc.url, secret(), orgId, 'GET', path, undefined, Math.floor(Date.now() / 1000) - 3600)).status).toBe(401);
      expect((await fetch(`${svc.url}${path}`)).status).toBe(401);

      const unknown = '003000000000000AAA';
      const nba = await signedFetch(svc.url, secret(), orgId, 'POST', '/salesforce/flow/next-best-action', {
        requests: [{ recordId: c.Id }, { recordId: unknown }],
      });
      expect(nba.status).toBe(200);
      expect(((await nba.json()) as { results: unknown[] }).results).toEqual([
        { recordId: c.Id, found: true, decisionId: 'dec_9', actionId: 'call', actionLabel: 'Call Rosalind', channel: 'task', error: null },
        { recordId: unknown, found: false, decisionId: null, actionId: null, actionLabel: null, channel: null, error: null },
      ]);
      // Record outcome goes to decisioning's outcome recording (no card button), per item and in order.
      const actsBefore = acts.length;
      const outcome = await signedFetch(svc.url, secret(), orgId, 'POST', '/salesforce/flow/record-outcome', {
        requests: [
          { recordId: c.Id, decisionId: 'dec_9', outcome: 'positive', value: 120 },
          { recordId: unknown, outcome: 'negative' },
          { recordId: c.Id, outcome: 'negative' },
        ],
      });
      expect(((await outcome.json()) as { results: unknown[] }).results).toEqual([
        { recordId: c.Id, status: 'recorded', recorded: true, decisionId: 'dec_9', learned: true, error: null },
        {
          recordId: unknown,
          status: 'failed',
          recorded: false,
          decisionId: null,
          learned: false,
          error: 'Baton has not seen this record yet',
        },
        { recordId: c.Id, status: 'already_settled', recorded: false, decisionId: 'dec_9', learned: false, error: null },
      ]);
      expect(outcomes).toEqual([{ tenantId, decisionId: 'dec_9', outcome: 'positive', value: 120 }]);
      expect(acts.length).toBe(actsBefore);
      const start = await signedFetch(svc.url, secret(), orgId, 'POST', '/salesforce/flow/start-playbook', {
        requests: [{ recordId: c.Id, playbookId: 'new-lead-nurture' }],
      });
      const started = ((await start.json()) as { results: { runId: string | null; error: string | null }[] }).results[0];
      expect(started?.error).toBeNull();
      expect(started?.runId).toEqual(expect.any(String));
      const action = await signedFetch(svc.url, secret(), orgId, 'POST', '/salesforce/cards/actions', {
        recordId: c.Id,
        action: { type: 'snooze', profileId, decisionId: 'dec_9', hours: 4 },
      });
      expect(action.status).toBe(200);
      const bad = await signedFetch(svc.url, secret(), orgId, 'POST', '/salesforce/cards/actions', {
        recordId: c.Id,
        action: { type: 'snooze', profileId, decisionId: 'dec_9', hours: 0 },
      });
      expect(bad.status).toBe(400);
    });

    it('persists rotated refresh tokens across two refreshes', async () => {
      const family = [...sb.state.families.values()].find(
        (f) => !f.revoked && f.rotations === 0 && sb.state.refreshIndex.get(f.current) === f.id,
      );
      expect(family).toBeDefined();
      const c = sb.state.create('Contact', { LastName: 'Meitner', Email: 'lise@example.com' }, null);
      const profileId = (await eventFor(c.Id, 'contact.created')).profile_id ?? '';
      values.set(profileId, { stage: 'engaged' });
      for (const stage of ['qualified', 'opportunity'] as const) {
        sb.state.expireAccessTokens();
        values.set(profileId, { stage });
        sb.state.update('Contact', c.Id, { Title: stage }, null);
        await waitFor(async () => sb.state.find(c.Id)?.record['baton__Baton_Stage__c'] === stage, `stage ${stage} written after a refresh`);
      }
      const live = [...sb.state.families.values()].filter((f) => !f.revoked);
      expect(live.some((f) => f.rotations >= 2)).toBe(true);
      const conn = await api.call<{ connections: { status: string }[] }>('GET', '/salesforce/connection');
      expect(conn.body.connections[0]?.status).toBe('active');
    });

    it('marks the connection disconnected, visibly, when Salesforce revokes access', async () => {
      const c = sb.state.create('Contact', { LastName: 'Goodall', Email: 'jane@example.com' }, null);
      const profileId = (await eventFor(c.Id, 'contact.created')).profile_id ?? '';
      // Published while the org is connected (publishing refuses steps nothing connected can carry out).
      const playbook = {
        id: 'sf-revoked',
        name: 'After revoke',
        concurrency: 'unlimited',
        steps: [
          { id: 'call', kind: 'action', action: { type: 'task', params: { subject: 'Call Jane' } } },
          { id: 'done', kind: 'exit', reason: 'x' },
        ],
      };
      expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await api.call('POST', '/playbooks/sf-revoked/publish', {})).status).toBe(200);
      sb.state.revokeAll();
      const run = await api.call<{ id: string }>('POST', '/runs', { playbookId: 'sf-revoked', profileId });
      expect(run.status).toBe(201);
      // Whoever meets the revocation first (the change stream's handshake or this step's REST call) marks
      // the org disconnected; the step then either fails with an auth error or, once the tenant has no
      // active org, is not routed to Salesforce at all. Either way no Task reaches Salesforce.
      const ended = await waitFor(async () => {
        const r = await api.call<{
          status: string;
          error: { category: string } | null;
          steps: { stepId: string; status: string; error: { category: string } | null }[];
        }>('GET', `/runs/${run.body.id}`);
        return r.body.status === 'failed' || r.body.status === 'completed' ? r.body : undefined;
      }, 'the run to end');
      // Never reported as done: an auth failure, or (no active org any more) undeliverable.
      if (ended.status === 'failed') expect(ended.error?.category).toBe('auth');
      else
        expect(ended.steps.find((st) => st.stepId === 'call')).toMatchObject({
          status: 'undeliverable',
          error: { category: 'undeliverable' },
        });
      const conn = await waitFor(async () => {
        const r = await api.call<{ connections: { status: string; statusReason: string }[] }>('GET', '/salesforce/connection');
        return r.body.connections[0]?.status === 'disconnected' ? r.body.connections[0] : undefined;
      }, 'the connection to show disconnected');
      expect(conn.statusReason).toMatch(/invalid_grant/);
      expect(
        (
          await svc.runtime.db.query<{ secret_ciphertext: string | null }>(
            `SELECT secret_ciphertext FROM connections WHERE tenant_id = $1`,
            [tenantId],
          )
        ).rows[0]?.secret_ciphertext,
      ).toBeNull();
      expect(sb.state.tasks().filter((t) => t['WhoId'] === c.Id)).toHaveLength(0);
      // A step that took its client before the disconnection still asks for the org's package: that lookup
      // now finds no active org and says so as the revocation it is (an auth failure), never a plain error
      // the engine would take for a permanent refusal of the step.
      const installations = new SalesforceInstallations({
        db: svc.runtime.db,
        secrets: new SecretBox(randomBytes(32).toString('base64')),
        logger: pino({ level: 'silent' }),
        app: () => undefined,
      });
      const lookup = await installations.activePackage(tenantId).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(lookup).toBeInstanceOf(DisconnectedError);
      expect(toPortError(lookup, 1_000)).toMatchObject({ category: 'auth', code: 'salesforce.INVALID_GRANT' });
    });
  });
}
