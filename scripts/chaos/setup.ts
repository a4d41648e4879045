/**
 * The chaos tenant, set up through the flows an admin uses: HubSpot through an install link and the
 * sandbox's consent (Baton's HubSpot calls go through a fault proxy), Twilio through the connections
 * API (its base URL is the Twilio proxy), policies without holdout or quiet hours, and one triggered
 * playbook whose runs have two side effects per person and message: an SMS (Twilio, effect_ledger
 * vendor twilio) and a HubSpot task (effect_ledger vendor hubspot, `baton_idempotency_key` on the task).
 * Both carry the run id, so the sandboxes can count effects per run.
 */
import { BatonApi } from '../demo/api';
import type { HubSpotSandbox } from '../../test/sandboxes/hubspot';

export const PORTAL_ID = '70707';
export const PLAYBOOK_ID = 'chaos-ack';
export const SMS_FROM = '+16175550100';

export const chaosPlaybook = {
  id: PLAYBOOK_ID,
  name: 'Chaos acknowledgement',
  description: 'npm run chaos: an SMS and a HubSpot task for every message a person writes',
  concurrency: 'unlimited',
  trigger: { events: ['message.received'] },
  // Storms last seconds; a transient failure retries with backoff well past them (rate limits wait without using attempts).
  defaults: { retry: { maxAttempts: 10, initialInterval: '1s', backoffCoefficient: 2, maxInterval: '20s', maxRateLimitWaits: 100 } },
  steps: [
    {
      id: 'sms',
      kind: 'action',
      action: { type: 'message', params: { channel: 'sms', body: 'Thanks, we read your message ({{run.id}}).' } },
    },
    { id: 'task', kind: 'action', action: { type: 'task', params: { subject: 'Answer the customer ({{run.id}})', priority: 'HIGH' } } },
  ],
} as const;

export const chaosPolicies = {
  holdout: { share: 0 },
  randomControlShare: 0,
  quietHours: { enabled: false },
  consent: { sms: 'opt_out', whatsapp: 'opt_out' },
};

export interface TwilioAccount {
  readonly accountSid: string;
  readonly authToken: string;
}

export interface SetupInput {
  /** Baton's loopback base URL (also its PUBLIC_URL). */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly hubspot: HubSpotSandbox;
  readonly twilio: TwilioAccount;
  /** Where Baton reaches Twilio (the proxy). */
  readonly twilioUrl: string;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`chaos setup: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function setUpTenant(input: SetupInput): Promise<void> {
  const api = new BatonApi(input.baseUrl, input.apiKey);
  const { url } = await api.ok<{ url: string }>('POST', '/hubspot/install-links');
  const callback = await input.hubspot.consent(url, PORTAL_ID);
  const done = await fetch(callback, { redirect: 'manual', signal: AbortSignal.timeout(60_000) });
  if (done.status !== 200)
    throw new Error(`chaos setup: the HubSpot install callback answered ${done.status}: ${(await done.text()).slice(0, 300)}`);
  await until(
    async () => (input.hubspot.state.portal(PORTAL_ID).properties.get('contacts')?.has('baton_enroll_trigger') === true ? true : undefined),
    'the app properties in the HubSpot portal',
  );
  const twilio = await api.ok<{ connectionId: string }>('POST', '/connections', {
    type: 'twilio',
    config: { accountSid: input.twilio.accountSid, authToken: input.twilio.authToken, smsFrom: SMS_FROM, baseUrl: input.twilioUrl },
  });
  const tested = await api.ok<{ ok: boolean; error?: unknown }>('POST', `/connections/${twilio.connectionId}/test`);
  if (!tested.ok) throw new Error(`chaos setup: the Twilio connection test failed: ${JSON.stringify(tested.error)}`);
  await api.ok('PUT', '/policies', chaosPolicies);
  const created = await api.ok<{ version: number }>('POST', '/playbooks', chaosPlaybook);
  await api.ok('POST', `/playbooks/${PLAYBOOK_ID}/publish`, { version: created.version });
}

/** Creates a tenant on a running embedded service through its loopback admin route (the CLI's way). */
export async function createTenantThroughAdmin(
  lock: { url?: string; adminToken?: string } | undefined,
): Promise<{ tenantId: string; apiKey: string }> {
  if (lock?.url === undefined || lock.adminToken === undefined)
    throw new Error('chaos setup: the embedded service has not written its URL and admin token to its lock file');
  const res = await fetch(`${lock.url}/internal/admin/tenants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-baton-admin-token': lock.adminToken },
    body: JSON.stringify({ name: 'Chaos' }),
  });
  if (res.status !== 201) throw new Error(`chaos setup: creating the tenant answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { tenantId: string; apiKey: string };
}
