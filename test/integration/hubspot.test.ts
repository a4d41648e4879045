/**
 * HubSpot end to end through the full service and the local HubSpot sandbox (driven by the real
 * @hubspot/api-client): OAuth install, signed webhooks → events → profiles, write-back from runs
 * (exactly once through a 429), token refresh single-flight across two "processes", invalid_grant →
 * disconnected, card API portal isolation, workflow actions, privacy deletion and disconnect.
 */
import { apiErrorSchema, cardViewSchema } from '../../app/contracts';
import { HubSpotActionPort } from '../../connectors/hubspot/client/action.port';
import { HubSpotApi } from '../../connectors/hubspot/client/api';
import { HubSpotDisconnectedError } from '../../connectors/hubspot/client/errors';
import { signedHeaders } from '../../connectors/hubspot/client/signature';
import { Installations } from '../../connectors/hubspot/installations';
import { SqlEffectLedger } from '../../server/effects/effect-ledger.repository';
import { IdentityService } from '../../server/identity/identity.service';
import { createTenant } from '../../server/tenants/tenants.repository';
import { startHubSpotSandbox, type HubSpotSandbox } from '../sandboxes/hubspot';
import { modes, startTestService, type TestService } from '../support/runtime';
import { apiClient, waitForRun, type ApiClient } from '../support/runs-helpers';
import { describeWith, uniqueName, waitFor } from '../support/services';

const PUBLIC_URL = 'https://baton.example.test';
const PORTAL = '62515';
const OTHER_PORTAL = '777001';

for (const { mode, needs } of modes) {
  describeWith(needs, `HubSpot end to end (${mode})`, () => {
    let sandbox: HubSpotSandbox;
    let svc: TestService;
    let api: ApiClient;
    let tenantId: string;

    /** Baton's public URL → the loopback address the test service listens on. */
    const local = (publicUrl: string): string => publicUrl.replace(PUBLIC_URL, svc.url);

    async function signedFetch(
      method: 'GET' | 'POST',
      pathAndQuery: string,
      body?: unknown,
    ): Promise<{ status: number; body: Record<string, unknown> }> {
      const text = body === undefined ? '' : JSON.stringify(body);
      const headers = {
        ...signedHeaders({
          clientSecret: sandbox.state.clientSecret,
          method,
          uri: `${PUBLIC_URL}${pathAndQuery}`,
          body: text,
          timestampMs: Date.now(),
        }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      };
      const r = await fetch(`${svc.url}${pathAndQuery}`, { method, headers, ...(body === undefined ? {} : { body: text }) });
      const t = await r.text();
      return { status: r.status, body: (t === '' ? {} : JSON.parse(t)) as Record<string, unknown> };
    }

    const webhook = (events: Record<string, unknown>[], options: Parameters<HubSpotSandbox['sendWebhooks']>[2] = {}) =>
      sandbox.sendWebhooks(`${PUBLIC_URL}/webhooks/hubspot`, events, { deliverTo: `${svc.url}/webhooks/hubspot`, ...options });

    const event = (over: Record<string, unknown>) => ({
      eventId: Math.floor(Math.random() * 1e9),
      subscriptionId: 1,
      portalId: Number(PORTAL),
      appId: 54321,
      occurredAt: Date.now(),
      attemptNumber: 0,
      changeSource: 'CRM',
      ...over,
    });

    async function profileOfEmail(email: string): Promise<string | undefined> {
      const r = await api.call<{ profiles: { id: string }[] }>('GET', `/profiles?email=${encodeURIComponent(email)}`);
      return r.body.profiles?.[0]?.id;
    }

    beforeAll(async () => {
      sandbox = await startHubSpotSandbox();
      svc = await startTestService(
        mode,
        {},
        {
          PUBLIC_URL,
          HUBSPOT_CLIENT_ID: sandbox.state.clientId,
          HUBSPOT_CLIENT_SECRET: sandbox.state.clientSecret,
          HUBSPOT_API_BASE_URL: sandbox.url,
        },
      );
      const t = await createTenant(svc.runtime.db, uniqueName('HubSpot tenant'));
      tenantId = t.tenantId;
      api = apiClient(svc.url, t.apiKey);
    }, 60_000);
    afterAll(async () => {
      await svc?.stop();
      await sandbox?.close();
    });

    it('installs through OAuth: signed single-use state, portal from token metadata, tokens sealed, properties created', async () => {
      const link = await api.call<{ url: string }>('POST', '/hubspot/install-links');
      expect(link.status).toBe(201);
      const authorize = new URL(link.body.url);
      expect(authorize.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/oauth/hubspot/callback`);
      expect(authorize.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['oauth', 'crm.objects.contacts.write']));
      const callback = await sandbox.consent(link.body.url, PORTAL);
      const done = await fetch(local(callback));
      expect(done.status).toBe(200);
      expect(await done.json()).toMatchObject({ connected: true, portalId: PORTAL, tenantId, newTenant: false });

      // The state is single use.
      const replay = await fetch(local(callback));
      expect(replay.status).toBe(400);
      expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('used_state');
      // A forged state is refused.
      const forged = new URL(local(callback));
      forged.searchParams.set('state', `${forged.searchParams.get('state') ?? ''}x`);
      expect((await fetch(forged)).status).toBe(400);

      const row = await svc.runtime.db.query<{ secret_ciphertext: string; status: string }>(
        `SELECT secret_ciphertext, status FROM connections WHERE tenant_id = $1 AND type = 'hubspot'`,
        [tenantId],
      );
      expect(row.rows[0]?.status).toBe('active');
      expect(row.rows[0]?.secret_ciphertext).toMatch(/^v1\./);
      expect(row.rows[0]?.secret_ciphertext).not.toContain(`at-${PORTAL}`);

      await waitFor(
        async () =>
          sandbox.state.portal(PORTAL).properties.get('contacts')?.has('baton_stage') &&
          sandbox.state.portal(PORTAL).properties.get('tasks')?.has('baton_idempotency_key'),
        'app properties in the portal',
      );
      expect(sandbox.state.portal(PORTAL).propertyGroups.get('contacts')?.has('baton')).toBe(true);

      const status = await api.call<{ connections: { portalId: string; status: string }[] }>('GET', '/hubspot/connection');
      expect(status.body.connections).toEqual([expect.objectContaining({ portalId: PORTAL, status: 'active' })]);
    });

    it("ingests a webhook batch's events in one transaction with one identity call (an import of many contacts)", async () => {
      const contacts = Array.from({ length: 30 }, (_, i) =>
        sandbox.state.createObject(PORTAL, 'contacts', { email: `import${i}@bulk.io`, firstname: `Imported${i}` }),
      );
      const linkMany = jest.spyOn(IdentityService.prototype, 'linkMany');
      const identify = jest.spyOn(IdentityService.prototype, 'identify');
      try {
        const sent = await webhook(
          contacts.map((c) => event({ subscriptionType: 'contact.creation', objectId: Number(c.id), changeFlag: 'NEW' })),
        );
        expect(JSON.parse(sent.body)).toMatchObject({ accepted: 30 });
        // Enrichment adds the e-mails later; the contact ids alone already make 30 people.
        await waitFor(
          async () =>
            (
              await svc.runtime.db.query<{ n: number }>(
                `SELECT count(DISTINCT profile_id)::int AS n FROM events WHERE tenant_id = $1 AND source = 'hubspot' AND type = 'contact.created'
                   AND subject::text LIKE ANY($2::text[])`,
                [tenantId, contacts.map((c) => `%"${c.id}"%`)],
              )
            ).rows[0]?.n === 30,
          'thirty imported people',
        );
        const batchCalls = linkMany.mock.calls.filter(([, , events]) => events.some((e) => e.event.type === 'contact.created'));
        expect(batchCalls.map(([, , events]) => events.length)).toContain(30);
        expect(identify.mock.calls.filter(([, input]) => input.event.type === 'contact.created')).toHaveLength(0);
      } finally {
        linkMany.mockRestore();
        identify.mockRestore();
      }
    });

    it('the marketplace install route redirects to HubSpot with a state', async () => {
      const r = await fetch(`${svc.url}/oauth/hubspot/install`, { redirect: 'manual' });
      expect(r.status).toBe(302);
      const location = new URL(r.headers.get('location') ?? '');
      expect(location.origin).toBe('https://app.hubspot.com');
      expect(location.searchParams.get('state')?.split('.')).toHaveLength(4);
    });

    it('stores signed webhook batches as events before answering, collapses duplicates, enriches new contacts into profiles', async () => {
      const contact = sandbox.state.createObject(PORTAL, 'contacts', {
        email: 'ada@analytical.io',
        firstname: 'Ada',
        lastname: 'Lovelace',
      });
      const created = event({ subscriptionType: 'contact.creation', objectId: Number(contact.id), changeFlag: 'NEW' });
      const unknownType = event({ subscriptionType: 'product.creation', objectId: 5 });
      const unknownPortal = event({ subscriptionType: 'contact.creation', objectId: 9, portalId: 424242 });
      const first = await webhook([created, unknownType, unknownPortal]);
      expect(first.status).toBe(200);
      expect(JSON.parse(first.body)).toEqual({ received: 3, accepted: 1, ignored: 2 });
      // Durable before the 200: the batch is in the outbox already.
      const queued = await svc.runtime.db.query<{ payload: { events: unknown[] } }>(
        `SELECT payload FROM outbox WHERE tenant_id = $1 AND kind = 'hubspot.webhook_batch'`,
        [tenantId],
      );
      expect(queued.rows.map((r) => r.payload.events.length)).toContain(1);
      const createdEvents = async () =>
        (
          await svc.runtime.db.query(
            `SELECT id FROM events WHERE tenant_id = $1 AND source = 'hubspot' AND type = 'contact.created' AND subject::text LIKE $2`,
            [tenantId, `%"${contact.id}"%`],
          )
        ).rows.length;
      await waitFor(async () => (await createdEvents()) === 1, 'the contact.created event');

      // A redelivery (HubSpot retries with a new attempt number) is accepted and collapses into the stored event.
      const again = await webhook([{ ...created, attemptNumber: 1 }]);
      expect(JSON.parse(again.body)).toMatchObject({ accepted: 1 });
      await waitFor(
        async () =>
          (
            await svc.runtime.db.query(
              `SELECT 1 FROM outbox WHERE tenant_id = $1 AND kind = 'hubspot.webhook_batch' AND status = 'pending'`,
              [tenantId],
            )
          ).rows.length === 0,
        'the redelivered batch processed',
      );
      expect(await createdEvents()).toBe(1);

      const profileId = await waitFor(() => profileOfEmail('ada@analytical.io'), 'the contact enriched into a profile with its email');
      const profile = await api.call<{ identities?: { type: string; value: string }[] } & Record<string, unknown>>(
        'GET',
        `/profiles/${profileId}`,
      );
      expect(JSON.stringify(profile.body)).toContain(`hubspotContactId:${PORTAL}:${contact.id}`);
    });

    it('refuses a bad signature with 401, a stale one with 401, a malformed body with 400', async () => {
      const e = [event({ subscriptionType: 'contact.creation', objectId: 1 })];
      const tampered = await webhook(e, {
        signatureOf: (h) => ({ ...h, 'x-hubspot-signature-v3': 'AAAA' + (h['x-hubspot-signature-v3'] ?? '').slice(4) }),
      });
      expect(tampered.status).toBe(401);
      expect(JSON.parse(tampered.body)).toMatchObject({ error: { code: 'invalid_signature' } });
      const stale = Date.now() - 301_000;
      const old = await webhook(e, {
        signatureOf: () =>
          signedHeaders({
            clientSecret: sandbox.state.clientSecret,
            method: 'POST',
            uri: `${PUBLIC_URL}/webhooks/hubspot`,
            body: JSON.stringify(e),
            timestampMs: stale,
          }),
      });
      expect(old.status).toBe(401);
      const unsigned = await fetch(`${svc.url}/webhooks/hubspot`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(e),
      });
      expect(unsigned.status).toBe(401);
      const notJson = await webhook([], { rawBody: '[{"eventId":' });
      expect(notJson.status).toBe(400);
      expect(JSON.parse(notJson.body)).toMatchObject({ error: { code: 'invalid_json' } });
      const wrongShape = await webhook([], { rawBody: JSON.stringify([{ eventId: 1 }]) });
      expect(wrongShape.status).toBe(400);
      expect(JSON.parse(wrongShape.body)).toMatchObject({ error: { code: 'invalid_request' } });
    });

    it('a run writes its crm_update and task to HubSpot exactly once, through a 429 storm', async () => {
      const contact = sandbox.state.createObject(PORTAL, 'contacts', { email: 'grace@analytical.io', firstname: 'Grace' });
      await webhook([event({ subscriptionType: 'contact.creation', objectId: Number(contact.id) })]);
      const profileId = await waitFor(() => profileOfEmail('grace@analytical.io'), 'profile for grace');
      const playbook = {
        id: 'hubspot-writes',
        name: 'HubSpot writes',
        concurrency: 'unlimited',
        defaults: { retry: { maxAttempts: 5, initialInterval: '100ms', maxInterval: '1s' } },
        steps: [
          { id: 'mark', kind: 'action', action: { type: 'crm_update', params: { properties: { jobtitle: 'Onboarding champion' } } } },
          { id: 'call', kind: 'action', action: { type: 'task', params: { subject: 'Call Grace about onboarding', priority: 'HIGH' } } },
          { id: 'log', kind: 'action', action: { type: 'note', params: { body: 'Baton started onboarding' } } },
          { id: 'done', kind: 'exit', reason: 'written' },
        ],
      };
      expect((await api.call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await api.call('POST', '/playbooks/hubspot-writes/publish', {})).status).toBe(200);
      const too = {
        status: 429,
        headers: { 'Retry-After': '1', 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000', 'X-HubSpot-RateLimit-Remaining': '0' },
        body: {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          policyName: 'TEN_SECONDLY_ROLLING',
        },
      };
      sandbox.state.inject('PATCH', /^\/crm\/v3\/objects\/contacts\//, too, {
        status: 503,
        body: { status: 'error', message: 'try again' },
      });
      sandbox.state.inject('POST', /^\/crm\/v3\/objects\/tasks$/, too, too);
      const tasksBefore = sandbox.state.count('POST', /^\/crm\/v3\/objects\/tasks$/);

      const started = await api.call<{ id: string }>('POST', '/runs', { playbookId: 'hubspot-writes', profileId });
      expect(started.status).toBe(201);
      const run = await waitForRun(
        api,
        started.body.id,
        (r) => r.status === 'completed' || r.status === 'failed',
        'the run to finish',
        30_000,
      );
      expect(run.status).toBe('completed');

      // A property Baton's own write-back does not manage, so the check cannot race the card write-back stage.
      expect(sandbox.state.portal(PORTAL).objects.get('contacts')?.get(contact.id)?.properties['jobtitle']).toBe('Onboarding champion');
      const tasks = [...(sandbox.state.portal(PORTAL).objects.get('tasks')?.values() ?? [])].filter(
        (t) => t.properties['hs_task_subject'] === 'Call Grace about onboarding',
      );
      expect(tasks).toHaveLength(1);
      expect(tasks[0]?.associations).toEqual([expect.objectContaining({ toId: contact.id, associationTypeId: 204 })]);
      expect(sandbox.state.count('POST', /^\/crm\/v3\/objects\/tasks$/) - tasksBefore).toBe(3); // two 429s, one create
      const notes = [...(sandbox.state.portal(PORTAL).objects.get('notes')?.values() ?? [])].filter(
        (n) => n.properties['hs_note_body'] === 'Baton started onboarding',
      );
      expect(notes).toHaveLength(1);
    }, 40_000);

    it('a retried task after an ambiguous failure finds the first one instead of creating a second', async () => {
      const contact = sandbox.state.createObject(PORTAL, 'contacts', { email: 'alan@analytical.io' });
      await webhook([event({ subscriptionType: 'contact.creation', objectId: Number(contact.id) })]);
      const profileId = await waitFor(() => profileOfEmail('alan@analytical.io'), 'profile for alan');
      // Simulate a crash after HubSpot created the task but before the ledger recorded it.
      const key = `test-ambiguous-${uniqueName('k')}`;
      sandbox.state.createObject(PORTAL, 'tasks', { hs_task_subject: 'Ambiguous', baton_idempotency_key: key });
      await svc.runtime.db.query(
        `INSERT INTO effect_ledger (tenant_id, idempotency_key, vendor, account_id, kind, state) VALUES ($1, $2, 'hubspot', $3, 'task', 'pending')`,
        [tenantId, key, PORTAL],
      );
      const installs = new Installations({ db: svc.runtime.db, secrets: svc.runtime.secrets, logger: svc.runtime.logger });
      installs.api = new HubSpotApi({
        basePath: sandbox.url,
        clientId: sandbox.state.clientId,
        clientSecret: sandbox.state.clientSecret,
        tokens: installs,
      });
      const port = new HubSpotActionPort({
        api: installs.api,
        ledger: new SqlEffectLedger(svc.runtime.db),
        target: async () => ({ portalId: PORTAL, objectType: 'contact', objectId: contact.id }),
      });
      const before = sandbox.state.portal(PORTAL).objects.get('tasks')?.size ?? 0;
      const r = await port.execute({
        tenantId,
        runId: 'r',
        stepId: 's',
        profileId,
        kind: 'task',
        params: { subject: 'Ambiguous' },
        idempotencyKey: key,
        attempt: 2,
      });
      expect(r).toMatchObject({ ok: true, output: { recovered: true } });
      expect(sandbox.state.portal(PORTAL).objects.get('tasks')?.size).toBe(before);
      const again = await port.execute({
        tenantId,
        runId: 'r',
        stepId: 's',
        profileId,
        kind: 'task',
        params: { subject: 'Ambiguous' },
        idempotencyKey: key,
        attempt: 3,
      });
      expect(again).toEqual(r);
    });

    it('refreshes a token once per portal, even when two processes need it at the same moment', async () => {
      const processes = [0, 1].map(() => {
        const installs = new Installations({ db: svc.runtime.db, secrets: svc.runtime.secrets, logger: svc.runtime.logger });
        installs.api = new HubSpotApi({
          basePath: sandbox.url,
          clientId: sandbox.state.clientId,
          clientSecret: sandbox.state.clientSecret,
          tokens: installs,
        });
        return installs;
      });
      await svc.runtime.db.query(
        `UPDATE connections SET config = config || '{"accessExpiresAt": 0}'::jsonb WHERE tenant_id = $1 AND type = 'hubspot'`,
        [tenantId],
      );
      sandbox.state.expireAccessTokens(PORTAL);
      sandbox.state.refreshDelayMs = 300;
      const before = sandbox.state.refreshCount;
      const tokens = await Promise.all(processes.flatMap((p) => [1, 2, 3, 4].map(() => p.accessToken(PORTAL))));
      sandbox.state.refreshDelayMs = 0;
      expect(sandbox.state.refreshCount - before).toBe(1);
      expect(new Set(tokens).size).toBe(1);
      const info = await processes[0]?.api?.tokenInfo(tokens[0] ?? '');
      expect(info?.hubId).toBe(PORTAL);
    });

    it('serves the record card only for records of the signed, installed portal', async () => {
      const contact = [...(sandbox.state.portal(PORTAL).objects.get('contacts')?.values() ?? [])].find(
        (c) => c.properties['email'] === 'ada@analytical.io',
      );
      expect(contact).toBeDefined();
      const ok = await signedFetch(
        'GET',
        `/hubspot/cards/record?objectTypeId=0-1&objectId=${contact?.id ?? ''}&userId=1&portalId=${PORTAL}`,
      );
      expect(ok.status).toBe(200);
      // Read with the contract the HubSpot card parses it with (its generated copy is the same file).
      expect(cardViewSchema.parse(ok.body).profileId).toBe(await profileOfEmail('ada@analytical.io'));

      const foreign = sandbox.state.createObject(OTHER_PORTAL, 'contacts', { email: 'eve@analytical.io' });
      const cross = await signedFetch('GET', `/hubspot/cards/record?objectTypeId=0-1&objectId=${foreign.id}&portalId=${PORTAL}`);
      expect(cross.status).toBe(404);
      expect(apiErrorSchema.parse(cross.body)).toMatchObject({ error: { code: 'record_not_in_portal' } });
      const notInstalled = await signedFetch(
        'GET',
        `/hubspot/cards/record?objectTypeId=0-1&objectId=${foreign.id}&portalId=${OTHER_PORTAL}`,
      );
      expect(notInstalled.status).toBe(403);
      const smuggled = await signedFetch(
        'GET',
        `/hubspot/cards/record?objectTypeId=0-1&objectId=${foreign.id}&portalId=${OTHER_PORTAL}&portalId=${PORTAL}`,
      );
      expect(smuggled.status).toBe(400);
      // The profile's Baton properties were written back to the contact (batched), matching the card.
      const card = ok.body as { journey: { stage: string } | null; hotness: { score: number } | null };
      const written = await waitFor(async () => {
        const props = sandbox.state
          .portal(PORTAL)
          .objects.get('contacts')
          ?.get(contact?.id ?? '')?.properties;
        return props?.['baton_stage'] !== undefined ? props : undefined;
      }, 'Baton properties written to the contact');
      expect(written['baton_stage']).toBe(card.journey?.stage ?? '');
      expect(written['baton_hotness']).toBe(card.hotness === null ? '' : String(Math.round(card.hotness.score)));
      expect(sandbox.state.count('POST', /^\/crm\/v3\/objects\/contacts\/batch\/update$/)).toBeGreaterThan(0);
      const unsigned = await fetch(`${svc.url}/hubspot/cards/record?objectTypeId=0-1&objectId=${contact?.id ?? ''}&portalId=${PORTAL}`);
      expect(unsigned.status).toBe(401);
      const badAction = await signedFetch('POST', `/hubspot/cards/actions?portalId=${PORTAL}`, { type: 'teleport' });
      expect(badAction.status).toBe(400);
      apiErrorSchema.parse(badAction.body);
    });

    it('answers workflow actions idempotently on callbackId and completes a blocked one through the callbacks API', async () => {
      const contact = [...(sandbox.state.portal(PORTAL).objects.get('contacts')?.values() ?? [])].find(
        (c) => c.properties['email'] === 'ada@analytical.io',
      );
      const request = (uid: string, callbackId: string, inputFields: Record<string, unknown>) => ({
        callbackId,
        origin: { portalId: Number(PORTAL), actionDefinitionId: 1, actionDefinitionVersion: 1 },
        context: { source: 'WORKFLOWS', workflowId: 1, actionId: 1 },
        object: { objectId: Number(contact?.id), objectType: 'CONTACT' },
        inputFields,
      });
      const nba = await signedFetch(
        'POST',
        '/hubspot/workflow-actions/baton_next_best_action',
        request('baton_next_best_action', 'ap-1-1', {}),
      );
      expect(nba.status).toBe(200);
      const state = (nba.body['outputFields'] as Record<string, string>)['hs_execution_state'];
      expect(['SUCCESS', 'BLOCK']).toContain(state);
      const replay = await signedFetch(
        'POST',
        '/hubspot/workflow-actions/baton_next_best_action',
        request('baton_next_best_action', 'ap-1-1', {}),
      );
      expect(replay.body).toEqual(nba.body);

      const outcome = await signedFetch(
        'POST',
        '/hubspot/workflow-actions/baton_record_outcome',
        request('baton_record_outcome', 'ap-1-2', { outcome: 'positive' }),
      );
      // No catalog, so no decision to settle (hubspot-flows.test.ts settles real ones).
      expect(outcome.body).toEqual({
        outputFields: {
          recorded: 'false',
          error: 'this record has no decision to settle; pass decisionId',
          hs_execution_state: 'FAIL_CONTINUE',
        },
      });

      const playbook = {
        id: 'short-wait',
        name: 'Short wait',
        concurrency: 'unlimited',
        steps: [
          { id: 'w', kind: 'wait', wait: { type: 'duration', duration: '1s' } },
          { id: 'done', kind: 'exit', reason: 'waited' },
        ],
      };
      await api.call('POST', '/playbooks', playbook);
      await api.call('POST', '/playbooks/short-wait/publish', {});
      const start = await signedFetch(
        'POST',
        '/hubspot/workflow-actions/baton_start_playbook',
        request('baton_start_playbook', 'ap-1-3', { playbookId: 'short-wait' }),
      );
      expect(start.body['outputFields']).toMatchObject({
        hs_execution_state: 'BLOCK',
        hs_expiration_duration: 'P7D',
        runId: expect.any(String),
      });
      const completed = await waitFor(
        async () => sandbox.state.portal(PORTAL).callbacks.get('ap-1-3'),
        'the callback completion',
        45_000,
        200,
      );
      expect(completed).toMatchObject({ hs_execution_state: 'SUCCESS', runStatus: 'completed' });

      const unknown = await signedFetch('POST', '/hubspot/workflow-actions/not_ours', request('x', 'ap-1-4', {}));
      expect(unknown.status).toBe(404);
    }, 60_000);

    it('erases the person on contact.privacyDeletion', async () => {
      const contact = sandbox.state.createObject(PORTAL, 'contacts', { email: 'erase.me@analytical.io' });
      await webhook([event({ subscriptionType: 'contact.creation', objectId: Number(contact.id) })]);
      const profileId = await waitFor(() => profileOfEmail('erase.me@analytical.io'), 'profile to erase');
      const r = await webhook([event({ subscriptionType: 'contact.privacyDeletion', objectId: Number(contact.id) })]);
      expect(JSON.parse(r.body)).toMatchObject({ accepted: 1 });
      await waitFor(async () => (await profileOfEmail('erase.me@analytical.io')) === undefined, 'the person erased');
      const events = await svc.runtime.db.query('SELECT id FROM events WHERE tenant_id = $1 AND profile_id = $2', [tenantId, profileId]);
      expect(events.rows).toHaveLength(0);
    });

    it('marks the connection disconnected on invalid_grant, with a reason the settings show', async () => {
      sandbox.state.revokeRefreshTokens(PORTAL);
      await svc.runtime.db.query(
        `UPDATE connections SET config = config || '{"accessExpiresAt": 0}'::jsonb WHERE tenant_id = $1 AND type = 'hubspot'`,
        [tenantId],
      );
      const installs = new Installations({ db: svc.runtime.db, secrets: svc.runtime.secrets, logger: svc.runtime.logger });
      installs.api = new HubSpotApi({
        basePath: sandbox.url,
        clientId: sandbox.state.clientId,
        clientSecret: sandbox.state.clientSecret,
        tokens: installs,
      });
      await expect(installs.accessToken(PORTAL)).rejects.toBeInstanceOf(HubSpotDisconnectedError);
      const status = await api.call<{ connections: { status: string; reason: string }[] }>('GET', '/hubspot/connection');
      expect(status.body.connections[0]).toMatchObject({ status: 'disconnected', reason: expect.stringMatching(/invalid_grant/) });
      // Runs touching HubSpot now stop with an auth error (failed, resumable after reinstall) instead of retrying.
      const profileId = await profileOfEmail('grace@analytical.io');
      const started = await api.call<{ id: string }>('POST', '/runs', { playbookId: 'hubspot-writes', profileId });
      const run = await waitForRun(
        api,
        started.body.id,
        (x) => x.status === 'failed' || x.status === 'completed',
        'run against a disconnected portal',
        20_000,
      );
      expect(run.status).toBe('failed');

      // Reinstalling reconnects the same tenant.
      const link = await api.call<{ url: string }>('POST', '/hubspot/install-links');
      const done = await fetch(local(await sandbox.consent(link.body.url, PORTAL)));
      expect(done.status).toBe(200);
      const after = await api.call<{ connections: { status: string }[] }>('GET', '/hubspot/connection');
      expect(after.body.connections[0]?.status).toBe('active');
      // The run that parked on the lost connection is resumed by the reinstall and finishes.
      expect(run.error).toMatchObject({ code: 'hubspot.disconnected' });
      const resumed = await waitForRun(
        api,
        started.body.id,
        (x) => x.status === 'completed',
        'the parked run resumed after the reinstall',
        30_000,
      );
      expect(resumed.status).toBe('completed');
    }, 60_000);

    it("disconnect uninstalls in HubSpot and purges the tenant's HubSpot data", async () => {
      const r = await api.call<{ disconnected: boolean; uninstalledInHubSpot: boolean; purged: { events: number } }>(
        'DELETE',
        '/hubspot/connection',
      );
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ disconnected: true, uninstalledInHubSpot: true });
      expect(r.body.purged.events).toBeGreaterThan(0);
      expect(sandbox.state.portal(PORTAL).uninstalled).toBe(true);
      const left = await svc.runtime.db.query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND source = 'hubspot'`, [
        tenantId,
      ]);
      expect(left.rows[0]).toEqual({ n: 0 });
      const conn = await svc.runtime.db.query<{ status: string; secret_ciphertext: string | null }>(
        `SELECT status, secret_ciphertext FROM connections WHERE tenant_id = $1 AND type = 'hubspot'`,
        [tenantId],
      );
      expect(conn.rows[0]).toEqual({ status: 'disconnected', secret_ciphertext: null });
      // Webhooks for the portal are now acknowledged and ignored.
      const late = await webhook([event({ subscriptionType: 'contact.creation', objectId: 1 })]);
      expect(JSON.parse(late.body)).toMatchObject({ accepted: 0, ignored: 1 });
    });
  });
}
