/**
 * The proof through the whole service (default modules): a WhatsApp message from a number that
 * matches a CRM contact lands on that contact's profile, its sentiment is extracted by the pipeline,
 * and the policies react: the promotional email is blocked for the angry customer, a person is asked to act.
 */
import { modules } from '../../../server/modules';
import { createTenant } from '../../../server/tenants/tenants.repository';
import { startWhatsAppSandbox, type WhatsAppSandbox } from '../../sandboxes/whatsapp';
import { startZendeskSandbox, type ZendeskSandbox } from '../../sandboxes/zendesk';
import { startTestService, type TestService } from '../../support/runtime';
import { waitFor } from '../../support/services';
import { api } from './helpers';

describe('messaging → decisioning (embedded, all modules)', () => {
  let svc: TestService;
  let whatsapp: WhatsAppSandbox;
  let zendesk: ZendeskSandbox;
  beforeAll(async () => {
    svc = await startTestService('embedded', { modules });
    whatsapp = await startWhatsAppSandbox();
    zendesk = await startZendeskSandbox();
  }, 180_000); // starting the service and migrating on a loaded machine
  afterAll(async () => {
    await svc?.stop();
    await whatsapp?.close();
    await zendesk?.close();
  });

  it('an angry WhatsApp message from a CRM contact suppresses the upsell email and routes to a human task', async () => {
    const t = await createTenant(svc.runtime.db, 'Proof');
    const call = api(svc.url, t.apiKey);
    const crm = await call('POST', '/events', {
      source: 'hubspot',
      type: 'contact.created',
      occurredAt: new Date().toISOString(),
      subject: {
        identifiers: [
          { type: 'hubspotContactId', value: '42', scope: 'p1' },
          { type: 'email', value: 'angry.customer@northwind.io' },
          { type: 'phone', value: '+1 650 555 1234' },
        ],
        traits: { firstName: 'Sheena' },
      },
    });
    const profileId = crm.json['profileId'] as string;
    expect(
      (
        await call('PUT', '/actions', {
          actions: [
            { id: 'upsell_email', label: 'Upgrade offer', channel: 'email', value: 100 },
            { id: 'call_back', label: 'Call the customer', channel: 'task', value: 20 },
          ],
        })
      ).status,
    ).toBe(200);
    const wa = await call('POST', '/connections', {
      type: 'whatsapp',
      config: {
        phoneNumberId: whatsapp.state.phoneNumberId,
        accessToken: whatsapp.state.accessToken,
        appSecret: whatsapp.state.appSecret,
        verifyToken: 'verify-token-1',
        baseUrl: whatsapp.url,
      },
    });
    const r = await whatsapp.inbound(`${svc.url}/webhooks/whatsapp/${wa.json['connectionId'] as string}`, {
      waId: '16505551234',
      name: 'Sheena',
      text: 'This is the worst service ever. I am furious, my order is broken again and nobody answers!',
    });
    expect(r.status).toBe(200);
    const event = await waitFor(async () => {
      const row = await svc.runtime.db.query<{ profile_id: string | null; processed_at: Date | null }>(
        'SELECT profile_id, processed_at FROM events WHERE tenant_id = $1 AND source_event_id = $2',
        [t.tenantId, `whatsapp:${r.messageId}`],
      );
      const first = row.rows[0];
      return first !== undefined && first.processed_at !== null ? first : undefined;
    }, 'the WhatsApp message to go through the pipeline');
    expect(event.profile_id).toBe(profileId);
    const decision = await call('POST', '/decisions', { profileId });
    expect(decision.status).toBe(200);
    const explanation = decision.json['explanation'] as {
      actionId: string;
      fate: string;
      rank?: number;
      blockedBy?: { policy: string; reason: string };
    }[];
    expect(explanation.find((c) => c.actionId === 'upsell_email')).toMatchObject({
      fate: 'blocked',
      blockedBy: { policy: 'sentiment_suppression', reason: expect.stringMatching(/negative message/) },
    });
    // The person-led task wins (in the holdout group it is the counterfactual choice, and nothing is sent).
    const chosen =
      decision.json['holdout'] === true
        ? explanation.find((c) => c.fate === 'eligible' && c.rank === 1)?.actionId
        : (decision.json['action'] as { id: string } | null)?.id;
    expect(chosen).toBe('call_back');
  });

  it('a high-priority Zendesk ticket from a known email joins the CRM profile and blocks promotions while open', async () => {
    const t = await createTenant(svc.runtime.db, 'Tickets');
    const call = api(svc.url, t.apiKey);
    const crm = await call('POST', '/events', {
      source: 'hubspot',
      type: 'contact.created',
      occurredAt: new Date().toISOString(),
      subject: {
        identifiers: [
          { type: 'hubspotContactId', value: '43', scope: 'p1' },
          { type: 'email', value: 'ticket.person@northwind.io' },
        ],
        traits: { firstName: 'Ola' },
      },
    });
    const profileId = crm.json['profileId'] as string;
    expect(
      (
        await call('PUT', '/actions', {
          actions: [
            { id: 'upsell_email', label: 'Upgrade offer', channel: 'email', value: 100 },
            { id: 'call_back', label: 'Call the customer', channel: 'task', value: 20 },
          ],
        })
      ).status,
    ).toBe(200);
    const z = await call('POST', '/connections', {
      type: 'zendesk',
      config: {
        subdomain: 'proofdesk',
        email: zendesk.state.agent.email,
        apiToken: zendesk.state.agent.token,
        webhookSecret: 'proof-secret',
        baseUrl: zendesk.url,
      },
    });
    zendesk.state.webhook = { url: `${svc.url}/webhooks/zendesk/${z.json['connectionId'] as string}`, secret: 'proof-secret' };
    const requester = zendesk.state.addUser({ name: 'Ola Nordmann', email: 'Ticket.Person@northwind.io', phone: null, role: 'end-user' });
    const ticket = await zendesk.customerTicket(requester.id, 'Service down', 'Our whole team cannot log in since this morning', 'urgent');
    await waitFor(async () => {
      const p = await call('GET', `/profiles/${profileId}`);
      return (p.json['identities'] as { key: string }[] | undefined)?.some((i) => i.key === `zendeskUserId:proofdesk:${requester.id}`);
    }, 'the Zendesk requester to join the CRM profile');
    await waitFor(async () => {
      const r = await svc.runtime.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM events WHERE tenant_id = $1 AND processed_at IS NULL',
        [t.tenantId],
      );
      return r.rows[0]?.n === 0;
    }, 'the pipeline to catch up');
    const decision = await call('POST', '/decisions', { profileId });
    const explanation = decision.json['explanation'] as {
      actionId: string;
      fate: string;
      blockedBy?: { policy: string; reason: string };
    }[];
    expect(explanation.find((c) => c.actionId === 'upsell_email')).toMatchObject({
      fate: 'blocked',
      blockedBy: { policy: 'ticket_suppression', reason: expect.stringContaining(ticket.id) },
    });
  });
});
