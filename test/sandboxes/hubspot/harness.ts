/**
 * The full service wired to the local HubSpot sandbox, for HubSpot integration tests: a tenant bound
 * to a portal through the real OAuth flow, HubSpot-signed requests to Baton (cards, settings, workflow
 * actions), signed webhook delivery, and profile lookups.
 */
import { signedHeaders } from '../../../connectors/hubspot/client/signature';
import type { ModuleFactory } from '../../../server/module';
import { createTenant } from '../../../server/tenants/tenants.repository';
import type { Mode } from '../../support/runtime';
import { startTestService, type TestService } from '../../support/runtime';
import { apiClient, type ApiClient } from '../../support/runs-helpers';
import { uniqueName, waitFor } from '../../support/services';
import { startHubSpotSandbox, type HubSpotSandbox, type WebhookOptions } from './index';

export const PUBLIC_URL = 'https://baton.example.test';

export interface HubSpotHarness {
  readonly sandbox: HubSpotSandbox;
  readonly svc: TestService;
  readonly api: ApiClient;
  readonly tenantId: string;
  readonly portalId: string;
  /** Baton's public URL → the loopback address the test service listens on. */
  local(publicUrl: string): string;
  /** A request signed (v3) by "HubSpot" for PUBLIC_URL + pathAndQuery. */
  signedFetch(
    method: 'GET' | 'POST' | 'PUT',
    pathAndQuery: string,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
  webhook(events: Record<string, unknown>[], options?: WebhookOptions): Promise<{ status: number; body: string }>;
  /** A webhook event of the harness portal with the usual fields filled in. */
  event(over: Record<string, unknown>): Record<string, unknown>;
  profileOfEmail(email: string): Promise<string | undefined>;
  /** Creates a contact in the sandbox, announces it by webhook and waits for its enriched profile. */
  contactProfile(email: string, properties?: Record<string, string>): Promise<{ contactId: string; profileId: string }>;
  stop(): Promise<void>;
}

export async function startHubSpotHarness(
  mode: Mode,
  options: { portalId?: string; modules?: readonly ModuleFactory[] } = {},
): Promise<HubSpotHarness> {
  const portalId = options.portalId ?? '62515';
  const sandbox = await startHubSpotSandbox();
  const svc = await startTestService(mode, options.modules === undefined ? {} : { modules: options.modules }, {
    PUBLIC_URL,
    HUBSPOT_CLIENT_ID: sandbox.state.clientId,
    HUBSPOT_CLIENT_SECRET: sandbox.state.clientSecret,
    HUBSPOT_API_BASE_URL: sandbox.url,
  });
  const t = await createTenant(svc.runtime.db, uniqueName('HubSpot tenant'));
  const api = apiClient(svc.url, t.apiKey);
  const local = (publicUrl: string): string => publicUrl.replace(PUBLIC_URL, svc.url);

  const link = await api.call<{ url: string }>('POST', '/hubspot/install-links');
  const done = await fetch(local(await sandbox.consent(link.body.url, portalId)));
  if (done.status !== 200) throw new Error(`install answered ${done.status}: ${await done.text()}`);
  await waitFor(
    async () => sandbox.state.portal(portalId).properties.get('contacts')?.has('baton_enroll_trigger'),
    'app properties in the portal',
  );

  const profileOfEmail = async (email: string): Promise<string | undefined> => {
    const r = await api.call<{ profiles: { id: string }[] }>('GET', `/profiles?email=${encodeURIComponent(email)}`);
    return r.body.profiles?.[0]?.id;
  };
  const event = (over: Record<string, unknown>) => ({
    eventId: Math.floor(Math.random() * 1e9),
    subscriptionId: 1,
    portalId: Number(portalId),
    appId: 54321,
    occurredAt: Date.now(),
    attemptNumber: 0,
    changeSource: 'CRM',
    ...over,
  });
  const webhook = (events: Record<string, unknown>[], opts: WebhookOptions = {}) =>
    sandbox.sendWebhooks(`${PUBLIC_URL}/webhooks/hubspot`, events, { deliverTo: `${svc.url}/webhooks/hubspot`, ...opts });

  return {
    sandbox,
    svc,
    api,
    tenantId: t.tenantId,
    portalId,
    local,
    async signedFetch(method, pathAndQuery, body) {
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
      const answer = await r.text();
      return { status: r.status, body: (answer === '' ? {} : JSON.parse(answer)) as Record<string, unknown> };
    },
    webhook,
    event,
    profileOfEmail,
    async contactProfile(email, properties = {}) {
      const contact = sandbox.state.createObject(portalId, 'contacts', { email, ...properties });
      const r = await webhook([event({ subscriptionType: 'contact.creation', objectId: Number(contact.id) })]);
      if (r.status !== 200) throw new Error(`webhook answered ${r.status}`);
      const profileId = await waitFor(() => profileOfEmail(email), `the profile of ${email}`);
      return { contactId: contact.id, profileId };
    },
    async stop() {
      await svc.stop();
      await sandbox.close();
    },
  };
}
