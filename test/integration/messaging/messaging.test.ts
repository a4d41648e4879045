import { identityModule } from '../../../server/identity/identity.module';
import { messagingModule } from '../../../server/messaging/messaging.module';
import { twilioModule } from '../../../connectors/twilio';
import { whatsappModule } from '../../../connectors/whatsapp';
import { zendeskModule } from '../../../connectors/zendesk';
import { SqlEffectLedger } from '../../../server/effects/effect-ledger.repository';
import { ACTION_REGISTRY, runsModule } from '../../../server/runs/runs.module';
import { createTenant } from '../../../server/tenants/tenants.repository';
import { startTwilioSandbox, type TwilioSandbox } from '../../sandboxes/twilio';
import { startWhatsAppSandbox, type WhatsAppSandbox } from '../../sandboxes/whatsapp';
import { startZendeskSandbox, type ZendeskSandbox } from '../../sandboxes/zendesk';
import { modes, startTestService, type TestService } from '../../support/runtime';
import { describeWith, waitFor } from '../../support/services';
import { actionRequest, api, freePort, registryProbe, type Json } from './helpers';

const isoNow = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

for (const { mode, needs } of modes) {
  describeWith(needs, `messaging connectors: Zendesk, Twilio, WhatsApp Cloud (${mode})`, () => {
    let svc: TestService;
    let zendesk: ZendeskSandbox;
    let twilio: TwilioSandbox;
    let whatsapp: WhatsAppSandbox;
    const probe = registryProbe();
    let tenantId: string;
    let call: ReturnType<typeof api>;
    let cloudTenant: string;
    let cloudCall: ReturnType<typeof api>;
    let zendeskId: string;
    let twilioId: string;
    let whatsappId: string;
    let crmProfile: string;
    const subdomain = `acme${Math.floor(Math.random() * 1e6)}`;
    const crmPhone = '+14155550134';

    beforeAll(async () => {
      const port = await freePort();
      svc = await startTestService(
        mode,
        {
          modules: [
            identityModule,
            runsModule({ stuckSweepIntervalMs: 0 }),
            messagingModule,
            zendeskModule,
            twilioModule,
            whatsappModule,
            probe.factory,
          ],
        },
        { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
      );
      [zendesk, twilio, whatsapp] = await Promise.all([startZendeskSandbox(), startTwilioSandbox(), startWhatsAppSandbox()]);
      const t = await createTenant(svc.runtime.db, 'Messaging');
      tenantId = t.tenantId;
      call = api(svc.url, t.apiKey);
      const c = await createTenant(svc.runtime.db, 'Cloud');
      cloudTenant = c.tenantId;
      cloudCall = api(svc.url, c.apiKey);
      const crm = await call('POST', '/events', {
        source: 'hubspot',
        type: 'contact.created',
        occurredAt: '2026-11-01T10:00:00Z',
        subject: {
          identifiers: [
            { type: 'hubspotContactId', value: '501', scope: 'portal1' },
            { type: 'email', value: 'jane.doe@northwind.io' },
            { type: 'phone', value: '+1 (415) 555-0134' },
          ],
          traits: { firstName: 'Jane', lastName: 'Doe' },
        },
      });
      crmProfile = crm.json['profileId'] as string;
    }, 180_000); // starting the service and migrating on a loaded machine
    afterAll(async () => {
      await svc?.stop();
      await Promise.all([zendesk?.close(), twilio?.close(), whatsapp?.close()]);
    });

    it('creates connections with per-type validation, lists them without secrets, tests, updates and deletes them', async () => {
      const bad = await call('POST', '/connections', {
        type: 'zendesk',
        config: { subdomain: 'Not A Subdomain!', email: 'x', apiToken: 'abc' },
      });
      expect(bad.status).toBe(400);
      expect((bad.json.error?.details as { path: string }[]).map((d) => d.path)).toEqual(
        expect.arrayContaining(['subdomain', 'email', 'webhookSecret']),
      );
      expect((await call('POST', '/connections', { type: 'mailchimp', config: {} })).json.error?.message).toMatch(
        /type must be one of zendesk, twilio, whatsapp/,
      );

      const z = await call('POST', '/connections', {
        type: 'zendesk',
        config: {
          subdomain,
          email: zendesk.state.agent.email,
          apiToken: zendesk.state.agent.token,
          webhookSecret: 'zendesk-signing-secret',
          baseUrl: zendesk.url,
        },
      });
      expect(z.status).toBe(201);
      zendeskId = z.json['connectionId'] as string;
      expect(z.json['webhookUrl']).toBe(`${svc.runtime.config.publicUrl}/webhooks/zendesk/${zendeskId}`);
      const tw = await call('POST', '/connections', {
        type: 'twilio',
        config: {
          accountSid: twilio.state.accountSid,
          authToken: twilio.state.authToken,
          smsFrom: '+15005550006',
          whatsappFrom: '+14155238886',
          baseUrl: twilio.url,
        },
      });
      expect(tw.status).toBe(201);
      twilioId = tw.json['connectionId'] as string;
      const wa = await cloudCall('POST', '/connections', {
        type: 'whatsapp',
        config: {
          phoneNumberId: whatsapp.state.phoneNumberId,
          accessToken: whatsapp.state.accessToken,
          appSecret: whatsapp.state.appSecret,
          verifyToken: 'verify-me-please',
          baseUrl: whatsapp.url,
        },
      });
      expect(wa.status).toBe(201);
      whatsappId = wa.json['connectionId'] as string;
      expect(
        (
          await cloudCall('POST', '/connections', {
            type: 'twilio',
            config: { accountSid: twilio.state.accountSid, authToken: 'another-token' },
          })
        ).status,
      ).toBe(409);

      const list = await call('GET', '/connections');
      const text = JSON.stringify(list.json);
      expect(text).not.toContain(zendesk.state.agent.token);
      expect(text).not.toContain(twilio.state.authToken);
      expect(text).not.toContain('zendesk-signing-secret');
      expect((list.json['connections'] as { id: string; secrets: string[] }[]).find((x) => x.id === zendeskId)?.secrets).toEqual([
        'apiToken',
        'webhookSecret',
      ]);
      expect((await cloudCall('GET', `/connections/${zendeskId}`)).status).toBe(404);

      for (const [id, c] of [
        [zendeskId, call],
        [twilioId, call],
        [whatsappId, cloudCall],
      ] as const) {
        const r = await c('POST', `/connections/${id}/test`);
        expect([id, r.json['ok']]).toEqual([id, true]);
      }
      const wrong = await call('POST', '/connections', {
        type: 'zendesk',
        config: {
          subdomain: `${subdomain}x`,
          email: zendesk.state.agent.email,
          apiToken: 'wrong-token',
          webhookSecret: 'whatever-secret',
          baseUrl: zendesk.url,
        },
      });
      const failed = await call('POST', `/connections/${wrong.json['connectionId'] as string}/test`);
      expect(failed.json).toMatchObject({ ok: false, error: { code: 'zendesk.http_401', category: 'auth' } });
      expect((await call('GET', `/connections/${wrong.json['connectionId'] as string}`)).json['status']).toBe('error');
      const patched = await call('PATCH', `/connections/${wrong.json['connectionId'] as string}`, {
        config: { apiToken: zendesk.state.agent.token },
      });
      expect(patched.json['status']).toBe('active');
      expect((await call('POST', `/connections/${wrong.json['connectionId'] as string}/test`)).json['ok']).toBe(true);
      expect(
        (await call('PATCH', `/connections/${wrong.json['connectionId'] as string}`, { config: { email: 'not-an-email' } })).status,
      ).toBe(400);
      expect((await call('DELETE', `/connections/${wrong.json['connectionId'] as string}`)).status).toBe(204);
      // OAuth instead of an API token; neither is a clear 400.
      const oauth = await call('POST', '/connections', {
        type: 'zendesk',
        config: {
          subdomain: `${subdomain}o`,
          oauthToken: zendesk.state.agent.oauthToken,
          webhookSecret: 'whatever-secret',
          baseUrl: zendesk.url,
        },
      });
      expect(oauth.status).toBe(201);
      expect((await call('POST', `/connections/${oauth.json['connectionId'] as string}/test`)).json['ok']).toBe(true);
      expect((await call('DELETE', `/connections/${oauth.json['connectionId'] as string}`)).status).toBe(204);
      const neither = await call('POST', '/connections', {
        type: 'zendesk',
        config: { subdomain: `${subdomain}n`, webhookSecret: 'whatever-secret' },
      });
      expect((neither.json.error?.details as { path: string; message: string }[]).map((d) => d.path)).toEqual(['email', 'apiToken']);
      expect((await call('GET', `/connections/${wrong.json['connectionId'] as string}`)).status).toBe(404);
    });

    describe('Zendesk', () => {
      const target = () => `${svc.url}/webhooks/zendesk/${zendeskId}`;
      const envelope = (
        type: string,
        detail: Record<string, unknown>,
        event: Record<string, unknown> = {},
        id = `01HR${Math.random().toString(36).slice(2, 12).toUpperCase()}`,
      ) => ({
        account_id: 12345,
        id,
        type: `zen:event-type:${type}`,
        subject: `zen:ticket:${String(detail['id'])}`,
        time: isoNow(),
        zendesk_event_version: '2022-11-06',
        detail,
        event,
      });

      it('accepts a signed ticket event, collapses its duplicate, and links the requester to the CRM contact through the user lookup', async () => {
        const requester = zendesk.state.addUser({ name: 'Jane Doe', email: 'Jane.Doe@northwind.io', phone: null, role: 'end-user' });
        const e = envelope('ticket.created', {
          id: '456789',
          requester_id: requester.id,
          status: 'NEW',
          priority: 'HIGH',
          subject: 'Parcel not delivered',
          updated_at: isoNow(),
        });
        const first = await zendesk.deliver(target(), 'zendesk-signing-secret', e);
        expect(first).toMatchObject({ status: 200, body: { status: 'stored' } });
        const again = await zendesk.deliver(target(), 'zendesk-signing-secret', e);
        expect(again.body).toMatchObject({ status: 'duplicate', eventId: (first.body as Json)['eventId'] });
        const stored = await call('GET', `/events/${(first.body as Json)['eventId'] as string}`);
        expect(stored.json).toMatchObject({
          type: 'ticket.created',
          properties: {
            ticketId: '456789',
            status: 'new',
            priority: 'high',
            openHighPriorityTicket: true,
            journey: { kind: 'ticket', status: 'opened', priority: 'high' },
          },
        });
        expect(stored.json['subject']).toEqual({
          identifiers: [{ type: 'zendeskUserId', value: requester.id, scope: subdomain }],
          traits: {},
        });
        // The requester lookup job asks Zendesk (through node-zendesk) for the user's email: the ticket joins Jane's CRM profile.
        await waitFor(async () => {
          const p = await call('GET', `/profiles/${crmProfile}`);
          return (p.json['identities'] as { key: string }[] | undefined)?.some(
            (i) => i.key === `zendeskUserId:${subdomain}:${requester.id}`,
          );
        }, 'the Zendesk requester to join the CRM profile');
        expect(zendesk.state.requests.map((r) => r.path)).toEqual(
          expect.arrayContaining([`/users/${requester.id}.json`, `/users/${requester.id}/identities.json`]),
        );
      });

      it('marks a solved ticket after a happy requester comment as a positive outcome', async () => {
        const requester = zendesk.state.addUser({ name: 'Happy Person', email: 'happy@northwind.io', phone: null, role: 'end-user' });
        const detail = { id: '777', requester_id: requester.id, status: 'OPEN', priority: 'NORMAL', updated_at: isoNow() };
        expect(
          (
            await zendesk.deliver(
              target(),
              'zendesk-signing-secret',
              envelope('ticket.comment_added', detail, {
                comment: {
                  id: 1,
                  body: 'Thank you so much, that fixed it, great support!',
                  is_public: true,
                  author: { id: requester.id, is_staff: false },
                },
              }),
            )
          ).status,
        ).toBe(200);
        const solved = await zendesk.deliver(
          target(),
          'zendesk-signing-secret',
          envelope('ticket.status_changed', { ...detail, status: 'SOLVED', updated_at: isoNow() }, { previous: 'OPEN', current: 'SOLVED' }),
        );
        const stored = await call('GET', `/events/${(solved.body as Json)['eventId'] as string}`);
        expect(stored.json).toMatchObject({
          type: 'ticket.solved',
          properties: {
            status: 'solved',
            satisfaction: 'good',
            outcome: 'positive',
            outcomeEvent: 'ticket_solved',
            openHighPriorityTicket: false,
          },
        });
      });

      it('refuses bad signatures and stale timestamps (401), rejects malformed payloads (400), acknowledges and counts unknown events', async () => {
        const e = envelope('ticket.created', { id: '1', requester_id: '2', status: 'NEW' });
        expect((await zendesk.deliver(target(), 'wrong-secret', e)).status).toBe(401);
        expect(
          (await zendesk.deliver(target(), 'zendesk-signing-secret', e, { timestamp: new Date(Date.now() - 3_600_000).toISOString() }))
            .status,
        ).toBe(401);
        const tampered = await fetch(target(), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-zendesk-webhook-signature': 'AAAA',
            'x-zendesk-webhook-signature-timestamp': isoNow(),
          },
          body: '{}',
        });
        expect(tampered.status).toBe(401);
        const malformed = await zendesk.deliver(target(), 'zendesk-signing-secret', { id: 'x', type: 'ticket.created' });
        expect(malformed.status).toBe(400);
        expect((malformed.body as Json).error?.code).toBe('invalid_request');
        const unknown = await zendesk.deliver(target(), 'zendesk-signing-secret', envelope('organization.created', { id: '5' }));
        expect(unknown).toMatchObject({ status: 200, body: { status: 'ignored' } });
        const metrics = await (await fetch(`${svc.url}/metrics`)).text();
        expect(metrics).toMatch(/baton_webhooks_unknown_total\{source="zendesk",type="zen:event-type:organization.created"\} 1/);
        expect((await fetch(`${svc.url}/webhooks/zendesk/con_doesnotexist`, { method: 'POST', body: '{}' })).status).toBe(404);
      });

      it('creates a ticket once per idempotency key through node-zendesk, honouring a 429 Retry-After', async () => {
        const registry = probe.services().require(ACTION_REGISTRY);
        zendesk.state.inject('POST', /^\/tickets/, {
          status: 429,
          headers: { 'retry-after': '7' },
          body: { error: 'APIRateLimitExceeded' },
        });
        const request = actionRequest(tenantId, crmProfile, 'ticket', {
          subject: 'Call me back',
          body: 'Customer asked for a call',
          priority: 'high',
        });
        const limited = await registry.execute(request);
        expect(limited).toEqual({ ok: false, error: expect.objectContaining({ category: 'rate_limited', retryAfterMs: 7000 }) });
        const created = await registry.execute({ ...request, attempt: 2 });
        expect(created).toMatchObject({ ok: true, output: { provider: 'zendesk', operation: 'create', priority: 'high' } });
        const replay = await registry.execute({ ...request, attempt: 3 });
        expect(replay).toEqual(created);
        const tickets = [...zendesk.state.tickets.values()].filter((t) => t.subject === 'Call me back');
        expect(tickets).toHaveLength(1);
        expect(
          zendesk.state.requests.filter((r) => r.method === 'POST' && r.idempotencyKey !== undefined).map((r) => r.idempotencyKey),
        ).toEqual([expect.stringMatching(/^baton-/), expect.stringMatching(/^baton-/)]);
        const ticketId = (created as unknown as { output: { ticketId: string } }).output.ticketId;
        const comment = await registry.execute(
          actionRequest(tenantId, crmProfile, 'ticket', {
            subject: 'note',
            ticketId,
            comment: 'Internal: VIP customer',
            public: false,
            status: 'pending',
          }),
        );
        expect(comment).toMatchObject({ ok: true, output: { operation: 'update', status: 'pending' } });
        expect(zendesk.state.tickets.get(ticketId)?.comments.at(-1)).toMatchObject({ body: 'Internal: VIP customer', public: false });
      });
      it('round-trips with the sandbox as the demo uses it: a customer ticket arrives by webhook, Baton solves it through the API, the change comes back as ticket.solved', async () => {
        zendesk.state.webhook = { url: target(), secret: 'zendesk-signing-secret' };
        try {
          const customer = zendesk.state.addUser({ name: 'Round Trip', email: 'round.trip@northwind.io', phone: null, role: 'end-user' });
          const t = await zendesk.customerTicket(
            customer.id,
            'Where is my refund?',
            'I am still waiting for my refund, this is really frustrating',
            'high',
          );
          expect(zendesk.state.emitted.map((e) => e.status)).toEqual([200, 200]);
          const opened = await svc.runtime.db.query<{ type: string; text: string | null; properties: Record<string, unknown> }>(
            "SELECT type, text, properties FROM events WHERE tenant_id = $1 AND properties->>'ticketId' = $2 ORDER BY seq",
            [tenantId, t.id],
          );
          expect(opened.rows.map((r) => r.type).sort()).toEqual(['ticket.comment_added', 'ticket.created']);
          expect(opened.rows.find((r) => r.type === 'ticket.comment_added')?.text).toBe(
            'I am still waiting for my refund, this is really frustrating',
          );
          const registry = probe.services().require(ACTION_REGISTRY);
          expect(
            await registry.execute(
              actionRequest(tenantId, crmProfile, 'ticket', {
                subject: 'solve',
                ticketId: t.id,
                comment: 'Refund sent today.',
                public: true,
                status: 'solved',
              }),
            ),
          ).toMatchObject({ ok: true });
          await zendesk.flush();
          const solved = await svc.runtime.db.query<{ properties: Record<string, unknown> }>(
            "SELECT properties FROM events WHERE tenant_id = $1 AND type = 'ticket.solved' AND properties->>'ticketId' = $2",
            [tenantId, t.id],
          );
          // The requester's last words were negative: solved, but not a positive outcome.
          expect(solved.rows[0]?.properties).toMatchObject({ status: 'solved', satisfaction: 'bad' });
          expect(solved.rows[0]?.properties['outcome']).toBeUndefined();
        } finally {
          zendesk.state.webhook = undefined;
        }
      });
    });

    describe('Twilio', () => {
      const target = () => `${svc.runtime.config.publicUrl}/webhooks/twilio/${twilioId}`;

      it('links an inbound SMS to the CRM contact with the same phone, and refuses a bad signature', async () => {
        const r = await twilio.inbound(target(), { from: crmPhone, to: '+15005550006', body: 'Is my order shipped yet?' });
        expect(r.status).toBe(200);
        expect(r.text).toContain('<Response>');
        const event = await waitFor(async () => {
          const list = await svc.runtime.db.query<{ id: string; profile_id: string | null }>(
            'SELECT id, profile_id FROM events WHERE tenant_id = $1 AND source_event_id = $2',
            [tenantId, `twilio:${r.messageSid}`],
          );
          return list.rows[0];
        }, 'the inbound SMS event');
        expect(event.profile_id).toBe(crmProfile);
        const forged = await twilio.post(
          target(),
          { MessageSid: `SM${'0'.repeat(32)}`, AccountSid: twilio.state.accountSid, From: crmPhone, To: '+15005550006', Body: 'hi' },
          'bm90IGEgc2lnbmF0dXJl',
        );
        expect(forged.status).toBe(401);
        const malformed = await twilio.post(target(), {
          MessageSid: 'not-a-sid',
          AccountSid: twilio.state.accountSid,
          From: crmPhone,
          To: '+15005550006',
          Body: 'hi',
        });
        expect(malformed.status).toBe(400);
        const other = await twilio.post(target(), { CallSid: 'CA123', AccountSid: twilio.state.accountSid });
        expect(other.status).toBe(200);
      });

      it('keeps ProfileName as a trait, never an identity', async () => {
        const r = await twilio.inbound(target(), {
          from: 'whatsapp:+447700900123',
          to: 'whatsapp:+14155238886',
          body: 'hello there',
          profileName: 'Jane Doe',
        });
        expect(r.status).toBe(200);
        const row = await svc.runtime.db.query<{
          subject: { identifiers: { type: string; value: string }[]; traits: Record<string, unknown> };
        }>('SELECT subject FROM events WHERE tenant_id = $1 AND source_event_id = $2', [tenantId, `twilio:${r.messageSid}`]);
        expect(row.rows[0]?.subject).toEqual({
          identifiers: [
            { type: 'phone', value: '+447700900123' },
            { type: 'whatsappId', value: '447700900123' },
          ],
          traits: { profileName: 'Jane Doe' },
        });
      });

      it('sends an SMS exactly once across a 429 and a replay, and follows status callbacks without going backwards', async () => {
        const registry = probe.services().require(ACTION_REGISTRY);
        twilio.state.inject('POST', /\/Messages\.json$/, {
          status: 429,
          headers: { 'retry-after': '3' },
          body: { code: 20429, message: 'Too Many Requests', status: 429 },
        });
        const request = actionRequest(tenantId, crmProfile, 'message', { channel: 'sms', body: 'Your parcel ships today' });
        expect(await registry.execute(request)).toEqual({
          ok: false,
          error: expect.objectContaining({ category: 'rate_limited', retryAfterMs: 3000 }),
        });
        const sent = await registry.execute({ ...request, attempt: 2 });
        expect(sent).toMatchObject({ ok: true, output: { provider: 'twilio', channel: 'sms', to: crmPhone, mode: 'session' } });
        expect(await registry.execute({ ...request, attempt: 3 })).toEqual(sent);
        const mine = twilio.state.messages.filter((m) => m.to === crmPhone && m.body === 'Your parcel ships today');
        expect(mine).toHaveLength(1);
        const sid = (sent as unknown as { output: { messageId: string } }).output.messageId;
        expect(mine[0]?.statusCallback).toBe(target());
        expect((await twilio.statusCallback(sid, 'delivered')).status).toBe(200);
        expect((await twilio.statusCallback(sid, 'sent')).status).toBe(200);
        expect(await new SqlEffectLedger(svc.runtime.db).lookup(tenantId, request.idempotencyKey)).toMatchObject({
          state: 'done',
          deliveryStatus: 'delivered',
          providerRef: sid,
          attempts: 2,
        });
        // With automatic callbacks (as in the demo) the sandbox reports delivery by itself.
        twilio.state.autoStatus = true;
        const auto = actionRequest(tenantId, crmProfile, 'message', { channel: 'sms', body: 'Auto status please' });
        expect(await registry.execute(auto)).toMatchObject({ ok: true });
        await waitFor(
          async () => (await new SqlEffectLedger(svc.runtime.db).lookup(tenantId, auto.idempotencyKey))?.deliveryStatus === 'delivered',
          'the automatic delivery callback',
        );
        twilio.state.autoStatus = false;
      });

      it('STOP revokes consent: a consent.updated event is stored and later sends are refused before reaching Twilio', async () => {
        const phone = '+14155550199';
        const person = await call('POST', '/events', {
          source: 'hubspot',
          type: 'contact.created',
          occurredAt: '2026-11-01T10:00:00Z',
          subject: {
            identifiers: [
              { type: 'hubspotContactId', value: '777', scope: 'portal1' },
              { type: 'phone', value: phone },
            ],
            traits: {},
          },
        });
        const profileId = person.json['profileId'] as string;
        const stop = await twilio.inbound(target(), { from: phone, to: '+15005550006', body: 'STOP' });
        expect(stop.status).toBe(200);
        const consent = await svc.runtime.db.query<{ type: string; properties: Record<string, unknown>; profile_id: string }>(
          'SELECT type, properties, profile_id FROM events WHERE tenant_id = $1 AND source_event_id = $2',
          [tenantId, `twilio:${stop.messageSid}:consent`],
        );
        expect(consent.rows[0]).toMatchObject({
          type: 'consent.updated',
          profile_id: profileId,
          properties: { channel: 'sms', status: 'opted_out', keyword: 'STOP' },
        });
        const before = twilio.state.messages.length;
        const r = await probe
          .services()
          .require(ACTION_REGISTRY)
          .execute(actionRequest(tenantId, profileId, 'message', { channel: 'sms', body: 'Flash sale!' }));
        expect(r).toEqual({ ok: false, error: expect.objectContaining({ category: 'undeliverable', code: 'message.consent_revoked' }) });
        expect(twilio.state.messages.length).toBe(before);
        const profile = await call('GET', `/profiles/${profileId}`);
        expect(profile.json['messaging']).toMatchObject({
          contacts: [{ channel: 'sms', address: phone, consent: 'opted_out', consentSource: 'keyword:STOP' }],
        });
        // Privacy erasure removes what the connectors keep about the person too.
        const erased = await call('DELETE', `/profiles/${profileId}`);
        expect((erased.json['erased'] as { modules: string[] }).modules).toContain('messaging');
        const left = await svc.runtime.db.query(
          'SELECT 1 FROM messaging_contacts WHERE tenant_id = $1 AND address = $2 UNION ALL SELECT 1 FROM effect_ledger WHERE tenant_id = $1 AND recipient = $2',
          [tenantId, phone],
        );
        expect(left.rows).toHaveLength(0);
      });

      it('the person’s consent from another system (a CRM’s Do Not Call) blocks a playbook message step too', async () => {
        const phone = '+14155550166';
        const person = await call('POST', '/events', {
          source: 'api',
          type: 'contact.created',
          occurredAt: '2026-11-01T10:00:00Z',
          subject: { identifiers: [{ type: 'phone', value: phone }], traits: {} },
        });
        const profileId = person.json['profileId'] as string;
        // What the decisioning stage stores for a consent.updated opt-out (e.g. Salesforce DoNotCall → sms).
        await svc.runtime.db.query(
          `INSERT INTO profile_consent (tenant_id, profile_id, channel, status, source, updated_at) VALUES ($1, $2, 'sms', 'opted_out', 'event', now())`,
          [tenantId, profileId],
        );
        const registry = probe.services().require(ACTION_REGISTRY);
        const before = twilio.state.messages.length;
        const refused = await registry.execute(actionRequest(tenantId, profileId, 'message', { channel: 'sms', body: 'Flash sale!' }));
        expect(refused).toEqual({
          ok: false,
          error: expect.objectContaining({ category: 'undeliverable', code: 'message.consent_revoked' }),
        });
        expect(twilio.state.messages.length).toBe(before);
        // A later opt-in from that system lifts it.
        await svc.runtime.db.query(
          `UPDATE profile_consent SET status = 'opted_in', updated_at = now() WHERE tenant_id = $1 AND profile_id = $2 AND channel = 'sms'`,
          [tenantId, profileId],
        );
        expect(
          await registry.execute(actionRequest(tenantId, profileId, 'message', { channel: 'sms', body: 'Welcome back' })),
        ).toMatchObject({ ok: true });
        expect(twilio.state.messages.length).toBe(before + 1);
      });

      it('error 21610 from Twilio revokes consent too', async () => {
        const phone = '+14155550177';
        twilio.state.optedOut.add(phone);
        const person = await call('POST', '/events', {
          source: 'api',
          type: 'contact.created',
          occurredAt: '2026-11-01T10:00:00Z',
          subject: {
            identifiers: [
              { type: 'phone', value: phone },
              { type: 'email', value: 'opted.out@northwind.io' },
            ],
            traits: {},
          },
        });
        const registry = probe.services().require(ACTION_REGISTRY);
        const r = await registry.execute(
          actionRequest(tenantId, person.json['profileId'] as string, 'message', { channel: 'sms', body: 'Hello' }),
        );
        expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'twilio.opted_out', category: 'permanent' }) });
        const ev = await svc.runtime.db.query<{ properties: Record<string, unknown> }>(
          "SELECT properties FROM events WHERE tenant_id = $1 AND type = 'consent.updated' AND profile_id = $2",
          [tenantId, person.json['profileId']],
        );
        expect(ev.rows[0]?.properties).toMatchObject({ status: 'opted_out', channel: 'sms', errorCode: '21610' });
      });

      it('sends WhatsApp free text only inside the 24-hour window; outside it a template (ContentSid) or nothing', async () => {
        const registry = probe.services().require(ACTION_REGISTRY);
        const person = await call('POST', '/events', {
          source: 'api',
          type: 'contact.created',
          occurredAt: '2026-11-01T10:00:00Z',
          subject: { identifiers: [{ type: 'whatsappId', value: '5511961234567' }], traits: {} },
        });
        const profileId = person.json['profileId'] as string;
        const before = twilio.state.messages.length;
        const refused = await registry.execute(actionRequest(tenantId, profileId, 'message', { channel: 'whatsapp', body: 'Hi again!' }));
        expect(refused).toEqual({
          ok: false,
          error: expect.objectContaining({ code: 'message.template_required', category: 'permanent' }),
        });
        expect(twilio.state.messages.length).toBe(before);
        const template = await registry.execute(
          actionRequest(tenantId, profileId, 'message', {
            channel: 'whatsapp',
            body: 'Hi again!',
            template: { name: 'reengage', contentSid: `HX${'a'.repeat(32)}`, variables: { '1': 'Jane' } },
          }),
        );
        expect(template).toMatchObject({ ok: true, output: { mode: 'template', to: '5511961234567' } });
        expect(twilio.state.messages.at(-1)).toMatchObject({
          to: 'whatsapp:+5511961234567',
          contentSid: `HX${'a'.repeat(32)}`,
          body: null,
        });
        // The person writes: the window opens and free text goes out.
        await twilio.inbound(target(), { from: 'whatsapp:+5511961234567', to: 'whatsapp:+14155238886', body: 'ok thanks' });
        expect(
          await registry.execute(actionRequest(tenantId, profileId, 'message', { channel: 'whatsapp', body: 'Glad to help' })),
        ).toMatchObject({ ok: true, output: { mode: 'session' } });
        // Twilio's own verdict (63016) wins when it disagrees with ours.
        twilio.state.whatsappSessions.delete('whatsapp:+5511961234567');
        const late = await registry.execute(actionRequest(tenantId, profileId, 'message', { channel: 'whatsapp', body: 'One more thing' }));
        expect(late).toEqual({ ok: false, error: expect.objectContaining({ code: 'twilio.template_required', category: 'permanent' }) });
      });
    });

    describe('WhatsApp Cloud', () => {
      const target = () => `${svc.url}/webhooks/whatsapp/${whatsappId}`;

      it('answers the verification handshake only with the verify token', async () => {
        const ok = await fetch(`${target()}?hub.mode=subscribe&hub.verify_token=verify-me-please&hub.challenge=1158201444`);
        expect([ok.status, await ok.text()]).toEqual([200, '1158201444']);
        expect((await fetch(`${target()}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`)).status).toBe(403);
      });

      it('ingests signed messages (duplicates collapse), refuses bad signatures, rejects malformed bodies, and sends text in the window / templates outside', async () => {
        const crm = await cloudCall('POST', '/events', {
          source: 'salesforce',
          type: 'contact.created',
          occurredAt: '2026-11-01T10:00:00Z',
          subject: {
            identifiers: [
              { type: 'salesforceId', value: '003000000000001AAA' },
              { type: 'phone', value: '+16505551234' },
            ],
            traits: {},
          },
        });
        const r = await whatsapp.inbound(target(), { waId: '16505551234', name: 'Sheena Nelson', text: 'Does it come in another color?' });
        expect(r).toMatchObject({ status: 200, body: { stored: 1, duplicates: 0 } });
        const row = await svc.runtime.db.query<{ profile_id: string; text: string }>(
          'SELECT profile_id, text FROM events WHERE tenant_id = $1 AND source_event_id = $2',
          [cloudTenant, `whatsapp:${r.messageId}`],
        );
        expect(row.rows[0]).toEqual({ profile_id: crm.json['profileId'], text: 'Does it come in another color?' });
        expect((await whatsapp.postRaw(target(), '{"object":"whatsapp_business_account","entry":[]}', 'sha256=00')).status).toBe(401);
        expect((await whatsapp.postRaw(target(), '{"object":"whatsapp_business_account"')).status).toBe(400);
        expect((await whatsapp.postRaw(target(), '{"object":"whatsapp_business_account","entry":[]}')).status).toBe(400);

        const registry = probe.services().require(ACTION_REGISTRY);
        const profileId = crm.json['profileId'] as string;
        const text = await registry.execute(
          actionRequest(cloudTenant, profileId, 'message', { channel: 'whatsapp', body: 'Yes, in blue and green' }),
        );
        expect(text).toMatchObject({ ok: true, output: { provider: 'whatsapp', mode: 'session', to: '16505551234' } });
        const messageId = (text as unknown as { output: { messageId: string } }).output.messageId;
        expect((await whatsapp.status(target(), messageId, 'read')).status).toBe(200);
        const stranger = await cloudCall('POST', '/events', {
          source: 'api',
          type: 'contact.created',
          occurredAt: '2026-11-01T10:00:00Z',
          subject: { identifiers: [{ type: 'whatsappId', value: '4915112345678' }], traits: {} },
        });
        const noWindow = await registry.execute(
          actionRequest(cloudTenant, stranger.json['profileId'] as string, 'message', { channel: 'whatsapp', body: 'Hello!' }),
        );
        expect(noWindow).toEqual({ ok: false, error: expect.objectContaining({ code: 'message.template_required' }) });
        const tpl = await registry.execute(
          actionRequest(cloudTenant, stranger.json['profileId'] as string, 'message', {
            channel: 'whatsapp',
            body: 'Hello!',
            template: { name: 'hello_world', language: 'en_US' },
          }),
        );
        expect(tpl).toMatchObject({ ok: true, output: { mode: 'template' } });
        expect(whatsapp.state.sent.map((s) => s.type)).toEqual(['text', 'template']);
        // Meta's own 131047 is classified as "template required" when our window record disagrees.
        whatsapp.state.lastInbound.delete('16505551234');
        const refused = await registry.execute(
          actionRequest(cloudTenant, profileId, 'message', { channel: 'whatsapp', body: 'Anything else?' }),
        );
        expect(refused).toEqual({
          ok: false,
          error: expect.objectContaining({ code: 'whatsapp.template_required', category: 'permanent' }),
        });
      });
    });
  });
}
