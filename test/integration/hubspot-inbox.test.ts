/**
 * HubSpot inbox messages end to end against the local HubSpot sandbox (real @hubspot/api-client
 * transport, real service): a `conversation.newMessage` webhook makes Baton read the message (and its
 * original content when HubSpot cut it) and the thread, and store the text on the thread's associated
 * contact, or on the sender's e-mail when the thread has none; the customer's words get signals, an
 * agent's reply joins the conversation as the rep's with none; internal comments are not read;
 * duplicate deliveries read once. A `reply_in_thread` step answers in the thread as its agent on its
 * channel, once per idempotency key, and the reply, announced back by HubSpot, is Baton's ('bot').
 */
import { HubSpotActionPort } from '../../connectors/hubspot/client/action.port';
import { HubSpotApi } from '../../connectors/hubspot/client/api';
import { Installations } from '../../connectors/hubspot/installations';
import { SqlEffectLedger } from '../../server/effects/effect-ledger.repository';
import { addMessage, createThread, inboxOf, SANDBOX_TRUNCATE_AT } from '../sandboxes/hubspot/conversations';
import { startHubSpotHarness, type HubSpotHarness } from '../sandboxes/hubspot/harness';
import { modes } from '../support/runtime';
import { waitForRun } from '../support/runs-helpers';
import { describeWith, waitFor } from '../support/services';

jest.setTimeout(120_000);

interface MessageRow {
  event_id: string;
  profile_id: string;
  speaker: string;
  channel: string;
  thread_key: string;
  text: string | null;
}

for (const { mode, needs } of modes) {
  describeWith(needs, `HubSpot inbox messages (${mode})`, () => {
    let h: HubSpotHarness;

    beforeAll(async () => {
      h = await startHubSpotHarness(mode);
    }, 90_000);
    afterAll(async () => h?.stop());

    const newMessage = (threadId: string, messageId: string, messageType = 'MESSAGE') =>
      h.event({
        subscriptionType: 'conversation.newMessage',
        objectId: Number(threadId),
        messageId,
        messageType,
        changeFlag: 'NEW_MESSAGE',
      });

    const messageRow = async (threadId: string, textLike: string): Promise<MessageRow | undefined> =>
      (
        await h.svc.runtime.db.query<MessageRow>(
          `SELECT m.event_id, m.profile_id, m.speaker, m.channel, m.thread_key, e.text FROM conversation_messages m JOIN events e ON e.tenant_id = m.tenant_id AND e.id = m.event_id
            WHERE m.tenant_id = $1 AND m.thread_key = $2 AND e.text LIKE $3`,
          [h.tenantId, `hubspot:${h.portalId}:${threadId}`, `${textLike}%`],
        )
      ).rows[0];
    const signalsOf = async (eventId: string): Promise<number> =>
      (await h.svc.runtime.db.query('SELECT 1 FROM event_signals WHERE tenant_id = $1 AND event_id = $2', [h.tenantId, eventId])).rows
        .length;

    it("stores the customer's message with its text on the thread's contact, with signals; the agent's reply is the rep's, without", async () => {
      const { contactId, profileId } = await h.contactProfile('ana@inbox.io');
      const thread = createThread(h.sandbox.state, h.portalId, { associatedContactId: contactId, assignedTo: 'A-901' });
      const customer = { actorId: 'V-5501', name: 'Ana', deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'ana@inbox.io' } };
      const asked = addMessage(h.sandbox.state, h.portalId, thread.id, {
        from: customer,
        text: 'I am furious, the invoice charged me twice and nobody answers. I want a refund now.',
        subject: 'Double charge',
      });
      expect((await h.webhook([newMessage(thread.id, asked.id)])).status).toBe(200);

      const row = await waitFor(() => messageRow(thread.id, 'I am furious'), 'the stored customer message');
      expect(row).toMatchObject({ profile_id: profileId, speaker: 'customer', channel: 'hubspot_inbox' });
      await waitFor(async () => (await signalsOf(row.event_id)) > 0 || undefined, 'signals of the customer message');

      const answer = addMessage(h.sandbox.state, h.portalId, thread.id, {
        from: { actorId: 'A-901', name: 'Rep' },
        to: [customer],
        text: 'Sorry about that, I have refunded the second charge.',
      });
      expect((await h.webhook([newMessage(thread.id, answer.id)])).status).toBe(200);
      const reply = await waitFor(() => messageRow(thread.id, 'Sorry about that'), 'the stored agent reply');
      expect(reply).toMatchObject({ profile_id: profileId, speaker: 'rep' });
      // Processed (it is in the graph) yet no customer signals.
      expect(await signalsOf(reply.event_id)).toBe(0);

      const page = await h.api.call<{ messages: { speaker: string; channel: string; text: string | null }[] }>(
        'GET',
        `/profiles/${profileId}/conversation`,
      );
      expect(page.status).toBe(200);
      expect(
        page.body.messages
          .filter((m) => m.channel === 'hubspot_inbox')
          .map((m) => m.speaker)
          .sort(),
      ).toEqual(['customer', 'rep']);
    });

    it('reads the original content of a message HubSpot cut, attaches a contactless thread to the sender, skips comments and reads duplicates once', async () => {
      const thread = createThread(h.sandbox.state, h.portalId, { originalChannelId: '1000', originalChannelAccountId: '88' });
      const long = `Hello, ${'we have been waiting for the delivery of our order for weeks. '.repeat(6)}Please call me back today.`;
      expect(long.length).toBeGreaterThan(SANDBOX_TRUNCATE_AT);
      const visitor = { actorId: 'V-7702', deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'Chat.Visitor@Example.io' } };
      const cut = addMessage(h.sandbox.state, h.portalId, thread.id, { from: visitor, text: long });
      const note = addMessage(h.sandbox.state, h.portalId, thread.id, {
        from: { actorId: 'A-901' },
        text: 'Internal: VIP customer',
        type: 'COMMENT',
      });
      const delivery = newMessage(thread.id, cut.id);
      const results = await Promise.all([
        h.webhook([delivery, newMessage(thread.id, note.id, 'COMMENT')]),
        h.webhook([{ ...delivery, attemptNumber: 1 }]),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);

      const row = await waitFor(() => messageRow(thread.id, 'Hello, we have been'), 'the stored long message');
      expect(row.text).toBe(long);
      expect(row.speaker).toBe('customer');
      const profileId = await waitFor(() => h.profileOfEmail('chat.visitor@example.io'), 'the profile of the sender');
      expect(row.profile_id).toBe(profileId);

      const path = (id: string) => new RegExp(`^/conversations/v3/conversations/threads/${thread.id}/messages/${id}$`);
      expect(h.sandbox.state.count('GET', path(cut.id))).toBe(1);
      expect(h.sandbox.state.count('GET', /original-content$/)).toBe(1);
      expect(h.sandbox.state.count('GET', path(note.id))).toBe(0);
      const stored = await h.svc.runtime.db.query('SELECT id FROM events WHERE tenant_id = $1 AND type = $2 AND properties->>$3 = $4', [
        h.tenantId,
        'conversation.message_received',
        'threadId',
        thread.id,
      ]);
      expect(stored.rows).toHaveLength(1);
    });

    it('a reply_in_thread step answers in the thread on its channel as its agent, to the customer, once', async () => {
      const { contactId, profileId } = await h.contactProfile('rui@inbox.io');
      const thread = createThread(h.sandbox.state, h.portalId, { associatedContactId: contactId, assignedTo: 'A-902' });
      const customer = { actorId: 'V-8803', deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'rui@inbox.io' } };
      const asked = addMessage(h.sandbox.state, h.portalId, thread.id, {
        from: customer,
        text: 'Can I move my plan to annual billing?',
        subject: 'Billing',
      });
      await h.webhook([newMessage(thread.id, asked.id)]);
      await waitFor(() => messageRow(thread.id, 'Can I move'), 'the stored question');

      expect(
        (
          await h.api.call('POST', '/playbooks', {
            id: 'inbox-reply',
            name: 'Inbox reply',
            concurrency: 'unlimited',
            defaults: { retry: { maxAttempts: 3, initialInterval: '100ms', maxInterval: '300ms' } },
            steps: [
              {
                id: 'answer',
                kind: 'action',
                action: { type: 'reply_in_thread', params: { body: 'Yes: annual billing saves two months. Reply here to switch.' } },
              },
              { id: 'end', kind: 'exit', reason: 'done' },
            ],
          })
        ).status,
      ).toBe(201);
      expect((await h.api.call('POST', '/playbooks/inbox-reply/publish', {})).status).toBe(200);
      // The first send fails after HubSpot may have acted (a 502): the retry must not send a second reply.
      h.sandbox.state.inject('POST', new RegExp(`^/conversations/v3/conversations/threads/${thread.id}/messages$`), {
        status: 502,
        body: { status: 'error', message: 'bad gateway' },
      });
      const started = await h.api.call<{ id: string }>('POST', '/runs', { playbookId: 'inbox-reply', profileId });
      expect(started.status).toBe(201);
      const run = await waitForRun(
        h.api,
        started.body.id,
        (x) => x.status === 'completed' || x.status === 'failed',
        'the reply run',
        40_000,
      );
      expect(run.status).toBe('completed');

      const sent = inboxOf(h.sandbox.state, h.portalId).sent.filter((s) => s.threadId === thread.id);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.body).toMatchObject({
        type: 'MESSAGE',
        senderActorId: 'A-902',
        channelId: '1002',
        channelAccountId: '55501',
        subject: 'Re: Billing',
        recipients: [{ actorId: 'V-8803', deliveryIdentifiers: [{ type: 'HS_EMAIL_ADDRESS', value: 'rui@inbox.io' }] }],
      });
      const output = run.steps.find((s) => s.stepId === 'answer')?.output as { threadId: string; messageId: string };
      expect(output.threadId).toBe(thread.id);
      expect(thread.messages.at(-1)?.id).toBe(output.messageId);
      // HubSpot announces the reply Baton sent: it joins the conversation as Baton's own words, without signals.
      expect((await h.webhook([newMessage(thread.id, output.messageId)])).status).toBe(200);
      const ours = await waitFor(() => messageRow(thread.id, 'Yes: annual billing'), "Baton's reply in the conversation");
      expect(ours).toMatchObject({ profile_id: profileId, speaker: 'bot' });
      expect(await signalsOf(ours.event_id)).toBe(0);

      // A thread without an assignee and a step without a sender is refused with a reason a person can act on.
      const orphan = createThread(h.sandbox.state, h.portalId, { associatedContactId: contactId });
      expect(
        (
          await h.api.call('POST', '/playbooks', {
            id: 'inbox-reply-orphan',
            name: 'Inbox reply without agent',
            concurrency: 'unlimited',
            steps: [
              { id: 'answer', kind: 'action', action: { type: 'reply_in_thread', params: { body: 'Hello', threadId: orphan.id } } },
              { id: 'end', kind: 'exit', reason: 'done' },
            ],
          })
        ).status,
      ).toBe(201);
      expect((await h.api.call('POST', '/playbooks/inbox-reply-orphan/publish', {})).status).toBe(200);
      const refused = await h.api.call<{ id: string }>('POST', '/runs', { playbookId: 'inbox-reply-orphan', profileId });
      const failed = await waitForRun(
        h.api,
        refused.body.id,
        (x) => x.status === 'completed' || x.status === 'failed',
        'the refused reply run',
        30_000,
      );
      expect(failed.status).toBe('failed');
      expect(failed.steps.find((s) => s.stepId === 'answer')?.error).toMatchObject({
        category: 'permanent',
        message: expect.stringMatching(/senderActorId/),
      });
    });

    it('a reply retried after an attempt that reached HubSpot adopts the sent message instead of sending again', async () => {
      const installs = new Installations({ db: h.svc.runtime.db, secrets: h.svc.runtime.secrets, logger: h.svc.runtime.logger });
      const api = new HubSpotApi({
        basePath: h.sandbox.url,
        clientId: h.sandbox.state.clientId,
        clientSecret: h.sandbox.state.clientSecret,
        tokens: installs,
      });
      installs.api = api;
      const ledger = new SqlEffectLedger(h.svc.runtime.db);
      const port = new HubSpotActionPort({
        api,
        ledger,
        target: async () => ({ portalId: h.portalId, objectType: 'conversation', objectId: '' }),
      });
      const thread = createThread(h.sandbox.state, h.portalId, { assignedTo: 'A-903' });
      addMessage(h.sandbox.state, h.portalId, thread.id, {
        from: { actorId: 'V-9904', deliveryIdentifier: { type: 'HS_EMAIL_ADDRESS', value: 'eve@inbox.io' } },
        text: 'Is there a discount for nonprofits?',
      });
      // The earlier attempt began, HubSpot posted the reply, then the process died before recording it.
      const key = `k-reply-crash-${Date.now()}`;
      expect(
        await ledger.reserve(
          { tenantId: h.tenantId, idempotencyKey: key, vendor: 'hubspot', kind: 'reply_in_thread', accountId: h.portalId },
          { onConflict: 'count' },
        ),
      ).toEqual({ fresh: true });
      const landed = addMessage(h.sandbox.state, h.portalId, thread.id, {
        from: { actorId: 'A-903' },
        to: [{ actorId: 'V-9904' }],
        text: 'Yes, 30% off.',
        direction: 'OUTGOING',
      });
      const sentBefore = inboxOf(h.sandbox.state, h.portalId).sent.length;
      const request = {
        tenantId: h.tenantId,
        runId: 'r-crash',
        stepId: 'answer',
        profileId: 'p-crash',
        kind: 'reply_in_thread' as const,
        params: { body: 'Yes, 30% off.', threadId: thread.id },
        idempotencyKey: key,
        attempt: 2,
      };
      const again = await port.execute(request);
      expect(again).toEqual({ ok: true, output: { portalId: h.portalId, threadId: thread.id, messageId: landed.id, recovered: true } });
      expect(inboxOf(h.sandbox.state, h.portalId).sent.length).toBe(sentBefore);
      // Recorded: a third attempt answers from the ledger without reading the thread.
      expect(await port.execute({ ...request, attempt: 3 })).toEqual(again);
    });
  });
}
