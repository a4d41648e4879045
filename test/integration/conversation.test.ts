/**
 * The conversation graph end to end, on both storage modes: messages from several channels (a signed
 * Twilio SMS webhook, Zendesk comments, CRM e-mails, the HubSpot inbox) and Baton's own SMS send (the
 * real message port against the Twilio sandbox) form one timeline of the person, grouped in threads,
 * with speakers and signals; `GET /profiles/:id/conversation` pages it by keyset; a sharp fall of the
 * sentiment trend becomes a `sentiment.dropped` event a playbook trigger escalates on; merged profiles
 * share one conversation; privacy erasure deletes every message, Baton's sends included.
 */
import { automationModule } from '../../server/automation/automation.module';
import { cardsModule } from '../../server/cards/cards.module';
import type { CardView } from '../../app/cards/card-view';
import { backfillBatch, CONVERSATION_BACKFILL_JOB } from '../../server/conversation/conversation.backfill';
import { conversationModule } from '../../server/conversation/conversation.module';
import { decisioningModuleWith } from '../../server/decisioning/decisioning.module';
import { getEvent } from '../../server/events/events.repository';
import type { EventStage } from '../../server/events/event-processor';
import { identityModule } from '../../server/identity/identity.module';
import { messagingModule } from '../../server/messaging/messaging.module';
import { twilioModule } from '../../connectors/twilio';
import { whatsappModule } from '../../connectors/whatsapp';
import { zendeskModule } from '../../connectors/zendesk';
import { ACTION_REGISTRY, runsModule } from '../../server/runs/runs.module';
import { createTenant } from '../../server/tenants/tenants.repository';
import { startTwilioSandbox, type TwilioSandbox } from '../sandboxes/twilio';
import { dayZone } from '../support/decisioning-helpers';
import { RecordingActionPort } from '../support/recording-action-port';
import { modes, startTestService, type TestService } from '../support/runtime';
import { describeWith, waitFor } from '../support/services';
import { actionRequest, api, freePort, registryProbe, type Json } from './messaging/helpers';

jest.setTimeout(180_000);

interface MessageJson {
  id: string;
  threadKey: string;
  channel: string;
  speaker: string;
  occurredAt: string;
  source: string;
  eventType: string;
  text: string | null;
  signals: { intent: string; sentiment: number; sentimentLabel: string; urgency: string; language: string | null } | null;
}
interface ThreadJson {
  threadKey: string;
  channel: string;
  messageCount: number;
  messageIds: string[];
}
interface ConversationJson {
  profileId: string;
  messages: MessageJson[];
  threads: ThreadJson[];
  trend: {
    points: { messageId: string; sentiment: number; trend: number }[];
    direction: string;
    falls: { messageId: string; drop: number }[];
  };
  nextCursor: string | null;
}

for (const { mode, needs } of modes) {
  describeWith(needs, `conversation graph (${mode})`, () => {
    let svc: TestService;
    let twilio: TwilioSandbox;
    const probe = registryProbe();
    let tenantId: string;
    let call: ReturnType<typeof api>;
    let otherCall: ReturnType<typeof api>;
    let twilioId: string;
    let n = 0;

    beforeAll(async () => {
      const port = await freePort();
      svc = await startTestService(
        mode,
        {
          modules: [
            identityModule,
            decisioningModuleWith({ expiryIntervalMs: 0 }),
            automationModule,
            cardsModule,
            conversationModule,
            runsModule({ catchAll: (db) => new RecordingActionPort(db), stuckSweepIntervalMs: 0 }),
            messagingModule,
            zendeskModule,
            twilioModule,
            whatsappModule,
            probe.factory,
          ],
        },
        { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
      );
      twilio = await startTwilioSandbox();
      const t = await createTenant(svc.runtime.db, 'Conversation');
      tenantId = t.tenantId;
      call = api(svc.url, t.apiKey);
      otherCall = api(svc.url, (await createTenant(svc.runtime.db, 'Other')).apiKey);
      const tw = await call('POST', '/connections', {
        type: 'twilio',
        config: { accountSid: twilio.state.accountSid, authToken: twilio.state.authToken, smsFrom: '+15005550006', baseUrl: twilio.url },
      });
      expect(tw.status).toBe(201);
      twilioId = tw.json['connectionId'] as string;
    }, 180_000);
    afterAll(async () => {
      await svc?.stop();
      await twilio?.close();
    });

    /** POST /events and wait until the pipeline has processed it. */
    async function ingest(
      event: {
        source: string;
        type: string;
        identifiers: { type: string; value: string; scope?: string }[];
        text?: string;
        properties?: Record<string, unknown>;
        at?: string;
        traits?: Record<string, string>;
      },
      client: ReturnType<typeof api> = call,
    ): Promise<{ eventId: string; profileId: string }> {
      n += 1;
      const r = await client('POST', '/events', {
        id: `conv-${mode}-${n}`,
        source: event.source,
        type: event.type,
        occurredAt: event.at ?? new Date(Date.UTC(2026, 10, 1, 9, 0, n)).toISOString(),
        subject: { identifiers: event.identifiers, traits: event.traits ?? {} },
        ...(event.text === undefined ? {} : { text: event.text }),
        ...(event.properties === undefined ? {} : { properties: event.properties }),
      });
      expect(r.status).toBe(202);
      const eventId = r.json['eventId'] as string;
      await waitFor(async () => (await client('GET', `/events/${eventId}`)).json['processedAt'] !== null, `event ${eventId} processed`);
      return { eventId, profileId: r.json['profileId'] as string };
    }
    const conversation = async (profileId: string, query = ''): Promise<{ status: number; json: Json & Partial<ConversationJson> }> =>
      call('GET', `/profiles/${profileId}/conversation${query}`);

    it("puts SMS, Baton's reply, Zendesk comments, CRM e-mails and the HubSpot inbox in one timeline, in threads, with speakers and the customer's signals", async () => {
      const email = `ana-${mode}@northwind.io`.replace(/\+/g, '');
      const phone = mode === 'embedded' ? '+14155550177' : '+14155550178';
      const crm = await ingest({
        source: 'hubspot',
        type: 'contact.created',
        identifiers: [
          { type: 'hubspotContactId', value: `c-${mode}`, scope: 'p1' },
          { type: 'email', value: email },
          { type: 'phone', value: phone },
        ],
      });
      const profileId = crm.profileId;
      // A real signed Twilio webhook; then Baton answers through the message port (the Twilio sandbox).
      const sms = await twilio.inbound(`${svc.runtime.config.publicUrl}/webhooks/twilio/${twilioId}`, {
        from: phone,
        to: '+15005550006',
        body: 'Hi! Has my order shipped yet? Thanks so much',
      });
      expect(sms.status).toBe(200);
      const smsEvent = await waitFor(
        async () =>
          (
            await svc.runtime.db.query<{ id: string; processed_at: Date | null }>(
              'SELECT id, processed_at FROM events WHERE tenant_id = $1 AND source_event_id = $2',
              [tenantId, `twilio:${sms.messageSid}`],
            )
          ).rows.find((r) => r.processed_at !== null),
        'the SMS processed',
      );
      const sent = await probe
        .services()
        .require(ACTION_REGISTRY)
        .execute(actionRequest(tenantId, profileId, 'message', { channel: 'sms', body: 'Yes, it ships today.' }, `conv-${mode}-bot`));
      expect(sent).toMatchObject({ ok: true });
      const zendesk = { ticketId: '77', zendesk: { subdomain: 'acme' }, ticket: { subject: 'Invoice' }, channel: 'ticket', public: true };
      await ingest({
        source: 'zendesk',
        type: 'ticket.comment_added',
        identifiers: [{ type: 'email', value: email }],
        text: 'The invoice amount is wrong, please fix it.',
        properties: { ...zendesk, direction: 'inbound' },
      });
      await ingest({
        source: 'zendesk',
        type: 'ticket.comment_added',
        identifiers: [{ type: 'email', value: email }],
        properties: { ...zendesk, direction: 'outbound', agentComment: 'We are correcting the invoice now.' },
      });
      await ingest({
        source: 'zendesk',
        type: 'ticket.comment_added',
        identifiers: [{ type: 'email', value: email }],
        properties: { ...zendesk, direction: 'outbound', public: false },
      });
      await ingest({
        source: 'hubspot',
        type: 'email.received',
        identifiers: [{ type: 'email', value: email }],
        text: 'Can we talk about pricing for 50 seats?',
        properties: { subject: 'Pricing' },
      });
      const repEmail = await ingest({
        source: 'hubspot',
        type: 'email.sent',
        identifiers: [{ type: 'email', value: email }],
        text: 'Sure, does Tuesday work?',
        properties: { subject: 'RE: Pricing' },
      });
      await ingest({
        source: 'hubspot',
        type: 'conversation.message_received',
        identifiers: [{ type: 'email', value: email }],
        properties: { portalId: 'p1', objectId: '900', messageType: 'MESSAGE' },
      });

      const all = await conversation(profileId, '?limit=100');
      expect(all.status).toBe(200);
      const body = all.json as unknown as ConversationJson;
      expect(body.profileId).toBe(profileId);
      expect(body.nextCursor).toBeNull();
      const messages = body.messages;
      // Seven messages: the internal Zendesk note and the CRM contact change are not part of it.
      expect(messages.map((m) => `${m.channel}/${m.speaker}`).sort()).toEqual(
        ['email/customer', 'email/rep', 'hubspot_inbox/unknown', 'sms/bot', 'sms/customer', 'zendesk/customer', 'zendesk/rep'].sort(),
      );
      const times = messages.map((m) => Date.parse(m.occurredAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
      // Baton's reply is in the customer's SMS thread; the e-mail reply in its subject's thread.
      const threadOf = (channel: string) => new Set(messages.filter((m) => m.channel === channel).map((m) => m.threadKey));
      expect(threadOf('sms')).toEqual(new Set([phone.replace('+', 'sms:')]));
      expect(threadOf('email').size).toBe(1);
      expect(threadOf('zendesk')).toEqual(new Set(['zendesk:acme:77']));
      const smsThread = body.threads.find((t) => t.channel === 'sms');
      expect(smsThread).toMatchObject({ messageCount: 2 });
      expect(smsThread?.messageIds).toHaveLength(2);
      expect(body.threads.reduce((s, t) => s + t.messageIds.length, 0)).toBe(messages.length);
      // Signals on the customer's own messages only; the bot's text is what it sent.
      for (const m of messages) {
        if (m.speaker === 'customer')
          expect(m.signals).toEqual(
            expect.objectContaining({
              sentiment: expect.any(Number),
              intent: expect.any(String),
              urgency: expect.stringMatching(/^(low|medium|high)$/),
            }),
          );
        else expect(m.signals).toBeNull();
      }
      // The rep's e-mail gave the pipeline no customer signals either (no intent, mood or urgency from it).
      expect(
        (await svc.runtime.db.query('SELECT 1 FROM event_signals WHERE tenant_id = $1 AND event_id = $2', [tenantId, repEmail.eventId]))
          .rows,
      ).toEqual([]);
      const inbound = messages.find((m) => m.channel === 'sms' && m.speaker === 'customer');
      expect(inbound).toMatchObject({ text: 'Hi! Has my order shipped yet? Thanks so much', source: 'twilio' });
      expect(inbound?.signals?.sentimentLabel).toBe('positive');
      expect(messages.find((m) => m.speaker === 'bot')).toMatchObject({
        text: 'Yes, it ships today.',
        source: 'baton',
        eventType: 'sms.sent',
      });
      const language =
        (
          await svc.runtime.db.query<{ language: string | null }>(
            'SELECT language FROM event_signals WHERE tenant_id = $1 AND event_id = $2',
            [tenantId, smsEvent.id],
          )
        ).rows[0]?.language ?? null;
      expect(inbound?.signals?.language ?? null).toBe(language);
      // Sending the same step again (a retry) does not add a message.
      await probe
        .services()
        .require(ACTION_REGISTRY)
        .execute(actionRequest(tenantId, profileId, 'message', { channel: 'sms', body: 'Yes, it ships today.' }, `conv-${mode}-bot`));
      expect(((await conversation(profileId, '?limit=100')).json as unknown as ConversationJson).messages).toHaveLength(7);

      // Keyset pages of 3: every message once, in the same order, and the last page says so.
      const paged: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: { status: number; json: Json & Partial<ConversationJson> } = await conversation(
          profileId,
          `?limit=3${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        );
        expect(page.status).toBe(200);
        const p = page.json as unknown as ConversationJson;
        expect(p.messages.length).toBeLessThanOrEqual(3);
        for (const t of p.threads)
          expect(t.messageIds.every((id) => p.messages.some((m) => m.id === id && m.threadKey === t.threadKey))).toBe(true);
        paged.push(...p.messages.map((m) => m.id));
        cursor = p.nextCursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      expect(pages).toBe(3);
      expect(paged).toEqual(messages.map((m) => m.id));

      // Filters: one channel, one thread.
      const onlySms = (await conversation(profileId, '?channel=sms')).json as unknown as ConversationJson;
      expect(onlySms.messages.map((m) => m.speaker).sort()).toEqual(['bot', 'customer']);
      const ticket = (await conversation(profileId, `?thread=${encodeURIComponent('zendesk:acme:77')}`))
        .json as unknown as ConversationJson;
      expect(ticket.messages.map((m) => m.speaker).sort()).toEqual(['customer', 'rep']);
      // The agent's public reply is in the timeline with its words (and no customer signals).
      expect(ticket.messages.find((m) => m.speaker === 'rep')).toMatchObject({ text: 'We are correcting the invoice now.' });

      // The record card shows the latest five with their signals (language included) and the trend.
      const card = (await call('GET', `/profiles/${profileId}/card`)).json as unknown as CardView;
      expect(card.conversation?.latest.map((m) => m.messageId)).toEqual(messages.slice(0, 5).map((m) => m.id));
      for (const m of card.conversation?.latest ?? [])
        expect(Object.keys(m)).toEqual(expect.arrayContaining(['speaker', 'channel', 'intent', 'sentiment', 'urgency', 'language']));
      expect(card.conversation?.trend.points).toHaveLength(3); // the three customer messages with words
      expect(card.signals.every((s) => 'language' in s)).toBe(true);
      // GET /profiles/:id has the conversation part: messages per channel, the sentiment trend.
      const profile = await call('GET', `/profiles/${profileId}`);
      const part = profile.json['conversation'] as {
        channels: { channel: string; messages: number }[];
        sentiment: { latest: number | null };
      };
      expect(Object.fromEntries(part.channels.map((c) => [c.channel, c.messages]))).toEqual({
        sms: 2,
        zendesk: 2,
        email: 2,
        hubspot_inbox: 1,
      });
      expect(part.sentiment.latest).toBe(body.trend.points.at(-1)?.trend);
    });

    it('backfills the store from the event log (paged by seq, idempotent, no sentiment.dropped from history), e.g. for events stored before migration 018', async () => {
      type Row = {
        source_id: string;
        thread_key: string;
        speaker: string;
        channel: string;
        sentiment: number | null;
        language: string | null;
      };
      const rows = async () =>
        (
          await svc.runtime.db.query<Row>(
            'SELECT source_id, thread_key, speaker, channel, sentiment, language FROM conversation_messages WHERE tenant_id = $1 AND event_id IS NOT NULL ORDER BY source_id',
            [tenantId],
          )
        ).rows;
      const before = await rows();
      expect(before.length).toBeGreaterThanOrEqual(6);
      const drops = async () =>
        Number(
          (
            await svc.runtime.db.query<{ n: string }>(
              "SELECT count(*) AS n FROM events WHERE tenant_id = $1 AND type = 'sentiment.dropped'",
              [tenantId],
            )
          ).rows[0]?.n,
        );
      const dropsBefore = await drops();
      await svc.runtime.db.query('DELETE FROM conversation_messages WHERE tenant_id = $1 AND event_id IS NOT NULL', [tenantId]);
      // Pages of three events follow the seq cursor to the end.
      let after = 0;
      let batches = 0;
      for (;;) {
        const r = await backfillBatch(svc.runtime.db, tenantId, after, 3);
        batches += 1;
        if (r.lastSeq === null) break;
        expect(r.lastSeq).toBeGreaterThan(after);
        after = r.lastSeq;
      }
      expect(batches).toBeGreaterThan(2);
      expect(await rows()).toEqual(before);
      // Again through the job handler (one batch of 500): nothing new, nothing doubled.
      const handler = svc.runtime.modules.find((m) => m.name === 'conversation')?.handlers?.[CONVERSATION_BACKFILL_JOB];
      await handler?.({
        tenantId,
        id: 'job_test',
        kind: CONVERSATION_BACKFILL_JOB,
        payload: { afterSeq: 0 },
        attempt: 1,
        signal: new AbortController().signal,
      });
      expect(await rows()).toEqual(before);
      expect(await drops()).toBe(dropsBefore);
    });

    it("answers 400 to a bad query or cursor and 404 to an unknown profile or another tenant's", async () => {
      const { profileId } = await ingest({
        source: 'api',
        type: 'message.received',
        identifiers: [{ type: 'email', value: `errors-${mode}@acme.io` }],
        text: 'hello',
      });
      for (const q of ['?cursor=not-a-cursor', '?limit=0', '?limit=101', '?channel=fax', '?sort=asc']) {
        const r = await conversation(profileId, q);
        expect([q, r.status]).toEqual([q, 400]);
        expect(r.json.error?.code).toBe('invalid_request');
      }
      expect((await conversation(profileId, '?cursor=not-a-cursor')).json.error?.message).toMatch(/cursor/);
      expect((await conversation('prof_does_not_exist')).status).toBe(404);
      expect((await otherCall('GET', `/profiles/${profileId}/conversation`)).status).toBe(404);
    });

    it('turns a sharp fall of the sentiment trend into a sentiment.dropped event once, which a playbook trigger escalates on', async () => {
      const playbook = {
        id: 'escalate-unhappy',
        version: 1,
        name: 'Escalate an unhappy customer',
        concurrency: 'unlimited',
        trigger: { events: ['sentiment.dropped'], when: { '>=': [{ var: 'event.properties.drop' }, 0.6] } },
        steps: [
          {
            id: 'escalate',
            kind: 'action',
            action: {
              type: 'task',
              params: { subject: 'Call back: sentiment fell', body: 'Sentiment fell sharply on {{context.trigger.eventId}}' },
            },
          },
        ],
      };
      // No holdout group here: a person in it never gets an automated run (by design), and ids are random.
      const calm = await call('PUT', '/policies', { holdout: { share: 0 }, randomControlShare: 0 });
      expect([calm.status, calm.json.error]).toEqual([200, undefined]);
      expect((await call('POST', '/playbooks', playbook)).status).toBe(201);
      expect((await call('POST', '/playbooks/escalate-unhappy/publish', {})).status).toBe(200);
      await new Promise((r) => setTimeout(r, 2_100)); // the pipeline's trigger cache

      const who = [{ type: 'email', value: `unhappy-${mode}@acme.io` }];
      const recent = Date.now() - 3_600_000;
      const say = (text: string, minute: number, at = recent) =>
        ingest({
          source: 'api',
          type: 'message.received',
          identifiers: who,
          text,
          properties: { channel: 'email' },
          at: new Date(at + minute * 60_000).toISOString(),
        });
      const first = await say('Thanks so much, the onboarding was wonderful and the team is great!', 0);
      const profileId = first.profileId;
      const angry: string[] = [];
      for (const [i, text] of [
        'This is terrible. The app is broken again and nobody answers, I am furious.',
        'Worst service ever. Awful, useless, I hate this and I want a refund now!',
        'Still broken. Horrible. I am cancelling, this is a disaster.',
      ].entries()) {
        angry.push((await say(text, i + 1)).eventId);
      }
      const dropped = async () =>
        (
          await svc.runtime.db.query<{ id: string; properties: Record<string, unknown>; profile_id: string }>(
            "SELECT id, properties, profile_id FROM events WHERE tenant_id = $1 AND type = 'sentiment.dropped' AND profile_id = $2",
            [tenantId, profileId],
          )
        ).rows;
      const events = await waitFor(async () => ((await dropped()).length > 0 ? dropped() : undefined), 'the sentiment.dropped event');
      expect(events).toHaveLength(1);
      const props = events[0]?.properties ?? {};
      expect(angry).toContain(props['messageEventId']);
      expect(Number(props['drop'])).toBeGreaterThanOrEqual(0.6);
      expect(Number(props['from'])).toBeGreaterThanOrEqual(-0.05);
      expect(Number(props['to'])).toBeLessThanOrEqual(-0.05);
      // The trigger escalated: one run of the playbook, its task recorded.
      const runs = await waitFor(async () => {
        const r = await svc.runtime.db.query<{ id: string; status: string }>(
          "SELECT id, status FROM runs WHERE tenant_id = $1 AND profile_id = $2 AND playbook_id = 'escalate-unhappy'",
          [tenantId, profileId],
        );
        return r.rows.length > 0 && r.rows.every((x) => x.status === 'completed') ? r.rows : undefined;
      }, 'the escalation run');
      expect(runs).toHaveLength(1);
      const effects = await svc.runtime.db.query<{ kind: string }>(
        `SELECT kind FROM effect_ledger WHERE tenant_id = $1 AND run_id = $2 AND vendor = 'recorder'`,
        [tenantId, runs[0]?.id],
      );
      expect(effects.rows.map((e) => e.kind)).toEqual(['task']);

      // A redelivery of the messages adds neither messages nor a second fall.
      const stage = svc.runtime.modules.find((m) => m.name === 'conversation')?.stages?.[0] as EventStage;
      for (const eventId of angry) {
        const event = await getEvent(svc.runtime.db, tenantId, eventId);
        if (event === undefined) throw new Error('event missing');
        await stage.run({ tenantId, event, profileId });
      }
      expect(await dropped()).toHaveLength(1);
      const body = (await conversation(profileId)).json as unknown as ConversationJson;
      expect(body.messages).toHaveLength(4);
      expect(body.trend.falls).toHaveLength(1);
      expect(body.trend.falls[0]?.messageId).toBe(body.messages.find((m) => m.signals !== null && props['messageId'] === m.id)?.id);
      expect(body.trend.direction).toBe('falling');
      const card = (await call('GET', `/profiles/${profileId}/card`)).json as unknown as CardView;
      expect(card.conversation?.trend.falls).toHaveLength(1);

      // History is not news: the same words a month ago (an import of old e-mails) raise no event.
      const old = Date.now() - 30 * 86_400_000;
      const history = [{ type: 'email', value: `history-${mode}@acme.io` }];
      const sayThen = (text: string, minute: number) =>
        ingest({
          source: 'api',
          type: 'message.received',
          identifiers: history,
          text,
          properties: { channel: 'email' },
          at: new Date(old + minute * 60_000).toISOString(),
        });
      const then = await sayThen('Thanks so much, the onboarding was wonderful and the team is great!', 0);
      for (const [i, text] of [
        'This is terrible. The app is broken again and nobody answers, I am furious.',
        'Worst service ever. Awful, useless, I hate this and I want a refund now!',
      ].entries())
        await sayThen(text, i + 1);
      const historyTrend = ((await conversation(then.profileId)).json as unknown as ConversationJson).trend;
      expect(historyTrend.falls).toHaveLength(1); // the card and the console still show it
      expect(
        (
          await svc.runtime.db.query("SELECT 1 FROM events WHERE tenant_id = $1 AND type = 'sentiment.dropped' AND profile_id = $2", [
            tenantId,
            then.profileId,
          ])
        ).rows,
      ).toEqual([]);
    });

    it('lets the automation policy escalate on sentiment.dropped: the decision for the derived event picks the escalation its applicability rule allows, and runs it', async () => {
      const t = await createTenant(svc.runtime.db, 'Policy escalation');
      const policyCall = api(svc.url, t.apiKey);
      const catalog = {
        actions: [
          {
            id: 'escalate-call',
            label: 'Call back now',
            channel: 'task',
            value: 100,
            params: { subject: 'Call back: the customer is upset' },
          },
          { id: 'upsell', label: 'Upgrade offer', channel: 'task', value: 1000, params: { subject: 'Offer the upgrade' } },
        ],
      };
      expect((await policyCall('PUT', '/actions', catalog)).status).toBe(200);
      const onDrop = { '==': [{ var: 'context.trigger' }, 'sentiment.dropped'] };
      const policies = {
        holdout: { share: 0 },
        randomControlShare: 0,
        reach: { initial: 1 },
        automation: { events: ['sentiment.dropped'] },
        engagementPolicies: [
          { id: 'escalate-only-on-drop', kind: 'applicability', rule: onDrop, actions: ['escalate-call'] },
          { id: 'no-upsell-on-drop', kind: 'suitability', rule: { '!': onDrop }, actions: ['upsell'] },
        ],
      };
      const put = await policyCall('PUT', '/policies', policies);
      expect([put.status, put.json.error]).toEqual([200, undefined]);
      const who = [{ type: 'email', value: `policy-${mode}@acme.io` }];
      const recent = Date.now() - 3_600_000;
      const say = (text: string, minute: number) =>
        ingest(
          {
            source: 'api',
            type: 'message.received',
            identifiers: who,
            text,
            traits: { timeZone: dayZone() },
            properties: { channel: 'email' },
            at: new Date(recent + minute * 60_000).toISOString(),
          },
          policyCall,
        );
      const { profileId } = await say('Thank you, everything works wonderfully, great job!', 0);
      await say('This is awful. Broken again, I am furious and nobody helps.', 1);
      await say('Terrible, useless service. I hate this, refund me now!', 2);
      const dropped = await waitFor(
        async () =>
          (
            await svc.runtime.db.query<{ id: string }>(
              "SELECT id FROM events WHERE tenant_id = $1 AND type = 'sentiment.dropped' AND profile_id = $2 AND processed_at IS NOT NULL",
              [t.tenantId, profileId],
            )
          ).rows[0],
        'the processed sentiment.dropped event',
      );
      const decision = await waitFor(
        async () =>
          (
            await svc.runtime.db.query<{ id: string; action_id: string | null; run_id: string | null }>(
              'SELECT id, action_id, run_id FROM decisions WHERE tenant_id = $1 AND idempotency_key = $2',
              [t.tenantId, `event:${dropped.id}`],
            )
          ).rows.find((r) => r.run_id !== null),
        'the decision for the drop, with its run',
      );
      expect(decision.action_id).toBe('escalate-call');
      const effects = await waitFor(
        async () =>
          (
            await svc.runtime.db.query<{ kind: string; params: Record<string, unknown> }>(
              `SELECT kind, request AS params FROM effect_ledger WHERE tenant_id = $1 AND run_id = $2 AND vendor = 'recorder'`,
              [t.tenantId, decision.run_id],
            )
          ).rows.find(() => true),
        'the escalation task',
      );
      expect(effects).toMatchObject({ kind: 'task', params: { actionId: 'escalate-call', subject: 'Call back: the customer is upset' } });
      // Decisions for the messages themselves never chose the escalation (its rule holds only on the drop).
      const others = await svc.runtime.db.query<{ action_id: string | null }>(
        'SELECT action_id FROM decisions WHERE tenant_id = $1 AND profile_id = $2 AND idempotency_key <> $3',
        [t.tenantId, profileId, `event:${dropped.id}`],
      );
      expect(others.rows.length).toBeGreaterThan(0);
      expect(others.rows.map((r) => r.action_id)).not.toContain('escalate-call');
    });

    it("gives merged profiles one conversation, and erasure deletes every message of the person, Baton's sends included", async () => {
      const email = `merge-${mode}@acme.io`;
      const phone = mode === 'embedded' ? '+14155550190' : '+14155550191';
      const a = await ingest({
        source: 'api',
        type: 'email.received',
        identifiers: [{ type: 'email', value: email }],
        text: 'Hello from e-mail',
        properties: { subject: 'Hi' },
      });
      const b = await ingest({
        source: 'twilio',
        type: 'message.received',
        identifiers: [{ type: 'phone', value: phone }],
        text: 'Hello from my phone',
        properties: { channel: 'sms', direction: 'inbound' },
      });
      expect(a.profileId).not.toBe(b.profileId);
      const sent = await probe
        .services()
        .require(ACTION_REGISTRY)
        .execute(actionRequest(tenantId, b.profileId, 'message', { channel: 'sms', body: 'Hi there!' }));
      expect(sent).toMatchObject({ ok: true });
      const merged = await call('POST', '/profiles/merge', { profileIds: [a.profileId, b.profileId] });
      expect(merged.status).toBe(200);
      const survivor = merged.json['profileId'] as string;
      const gone = survivor === a.profileId ? b.profileId : a.profileId;
      for (const id of [survivor, gone]) {
        const r = (await conversation(id)).json as unknown as ConversationJson;
        expect(r.profileId).toBe(survivor);
        expect(r.messages.map((m) => m.text).sort()).toEqual(['Hello from e-mail', 'Hello from my phone', 'Hi there!']);
      }
      const count = async () =>
        Number(
          (
            await svc.runtime.db.query<{ n: string }>(
              'SELECT count(*) AS n FROM conversation_messages WHERE tenant_id = $1 AND profile_id = ANY($2::text[])',
              [tenantId, [a.profileId, b.profileId]],
            )
          ).rows[0]?.n,
        );
      expect(await count()).toBe(3);
      const erased = await call('DELETE', `/profiles/${survivor}`);
      expect(erased.status).toBe(200);
      expect(erased.json['erased']).toMatchObject({ modules: expect.arrayContaining(['conversation']) });
      expect(await count()).toBe(0);
      expect((await conversation(survivor)).status).toBe(404);
    });
  });
}
