/**
 * Installs the demo tenant through the flows a real admin uses: Salesforce OAuth with PKCE (which
 * creates the tenant and shows its API key once), HubSpot OAuth through an install link bound to that
 * tenant, Zendesk / Twilio / WhatsApp connections through the connections API, the action catalog,
 * the policies and the sample playbooks. On a resumed run only what is missing is created. The
 * Salesforce sandbox gets its issued tokens back from the demo state (scripts/demo/sandboxes.ts), so
 * the org stays connected; the HubSpot sandbox cannot (its tokens are private to it), so HubSpot is
 * consented again through an install link bound to the same tenant.
 */
import type { BatonApi } from './api';
import { DEMO_CATALOG, DEMO_MARKER, demoPlaybooks, demoPolicies, REQUESTED_ACTION_POLICY } from './catalog';
import type { Sandboxes } from './sandboxes';
import type { DemoStateFile } from './state';

export interface InstallReport {
  readonly tenantId: string;
  readonly apiKey: string;
  readonly steps: string[];
}

/** Follows one redirect hop (`Location`) without fetch following it, so each hop is checked. */
async function hop(url: string, what: string): Promise<string> {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
  const location = res.headers.get('location');
  if (res.status < 300 || res.status > 399 || location === null)
    throw new Error(`${what}: expected a redirect, got ${res.status} ${(await res.text()).slice(0, 300)}`);
  return new URL(location, url).toString();
}

async function callback(url: string, what: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${what} callback answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Salesforce: install URL → the org's authorize page (consent) → Baton's callback. */
async function installSalesforce(base: BatonApi, api: BatonApi | undefined): Promise<Record<string, unknown>> {
  const start =
    api === undefined
      ? await hop(`${base.baseUrl}/oauth/salesforce/install`, 'GET /oauth/salesforce/install')
      : (await api.ok<{ url: string }>('POST', '/salesforce/install-links')).url;
  const back = await hop(start, 'Salesforce authorize');
  return callback(back, 'Salesforce');
}

/** HubSpot: an install link for the tenant → HubSpot's authorize page (the sandbox consents) → callback. */
async function installHubSpot(api: BatonApi, sandboxes: Sandboxes, portalId: string): Promise<Record<string, unknown>> {
  const { url } = await api.ok<{ url: string }>('POST', '/hubspot/install-links');
  const back = await sandboxes.hubspot.consent(url, portalId);
  return callback(back, 'HubSpot');
}

interface ConnectionJson {
  id: string;
  type: string;
  status: string;
  config?: Record<string, unknown>;
  settings?: Record<string, unknown>;
}

async function ensureConnections(api: BatonApi, sandboxes: Sandboxes, store: DemoStateFile, steps: string[]): Promise<void> {
  const c = store.state.credentials;
  const wanted = {
    zendesk: {
      subdomain: c.zendesk.subdomain,
      email: c.zendesk.email,
      apiToken: c.zendesk.token,
      webhookSecret: c.zendesk.webhookSecret,
      baseUrl: sandboxes.zendesk.url,
    },
    twilio: {
      accountSid: c.twilio.accountSid,
      authToken: c.twilio.authToken,
      smsFrom: c.twilio.smsFrom,
      whatsappFrom: c.twilio.whatsappFrom,
      baseUrl: sandboxes.twilio.url,
    },
    whatsapp: {
      phoneNumberId: c.whatsapp.phoneNumberId,
      accessToken: c.whatsapp.accessToken,
      appSecret: c.whatsapp.appSecret,
      verifyToken: c.whatsapp.verifyToken,
      baseUrl: sandboxes.whatsapp.url,
    },
  } as const;
  const listed = (await api.ok<{ connections: ConnectionJson[] }>('GET', '/connections')).connections;
  for (const type of ['zendesk', 'twilio', 'whatsapp'] as const) {
    const known = listed.find((x) => x.id === store.state.connections[type]) ?? listed.find((x) => x.type === type);
    let id: string;
    if (known === undefined) {
      const created = await api.ok<{ connectionId: string }>('POST', '/connections', { type, config: wanted[type] });
      id = created.connectionId;
      steps.push(`${type} connected`);
    } else {
      // Same account and secrets; the sandbox listens on a new port each run.
      await api.ok('PATCH', `/connections/${known.id}`, { config: wanted[type] });
      id = known.id;
      steps.push(`${type} connection reused`);
    }
    store.state.connections[type] = id;
    store.save();
    const tested = await api.ok<{ ok: boolean; error?: unknown }>('POST', `/connections/${id}/test`);
    if (!tested.ok) throw new Error(`the ${type} connection test failed: ${JSON.stringify(tested.error)}`);
  }
}

async function ensureCatalogAndPolicies(api: BatonApi, steps: string[], speed: number): Promise<void> {
  const actions = await api.ok<{ actions: unknown[] }>('GET', '/actions');
  if (actions.actions.length === 0) {
    await api.ok('PUT', '/actions', DEMO_CATALOG);
    steps.push(`action catalog loaded (${DEMO_CATALOG.actions.length} actions)`);
  }
  const policies = await api.ok<{ version: number; policies: { engagementPolicies: { id: string }[] } }>('GET', '/policies');
  if (policies.version === 0) {
    await api.ok('PUT', '/policies', demoPolicies(speed));
    steps.push(`policies set (20% holdout, outcomes attributed for 72 simulated hours = ${Math.round(72 / speed)} s)`);
  } else if (!policies.policies.engagementPolicies.some((p) => p.id === REQUESTED_ACTION_POLICY.id)) {
    // Data from a demo before the walkthrough: add the policy it asks Baton with, keep everything else.
    await api.ok('PUT', '/policies', {
      ...policies.policies,
      engagementPolicies: [...policies.policies.engagementPolicies, REQUESTED_ACTION_POLICY],
    });
    steps.push(`policy ${REQUESTED_ACTION_POLICY.id} added`);
  }
}

interface PlaybookJson {
  id: string;
  version: number;
  status: string;
  description?: string;
}

async function ensurePlaybooks(api: BatonApi, steps: string[]): Promise<void> {
  for (const definition of demoPlaybooks()) {
    const id = String(definition['id']);
    const versions = (await api.ok<{ playbooks: PlaybookJson[] }>('GET', `/playbooks?id=${encodeURIComponent(id)}`)).playbooks;
    if (versions.some((v) => v.status === 'published' && (v.description ?? '').includes(DEMO_MARKER))) continue;
    const created = await api.ok<PlaybookJson>('POST', '/playbooks', definition);
    await api.ok('POST', `/playbooks/${encodeURIComponent(id)}/publish`, { version: created.version });
    steps.push(`playbook ${id} v${created.version} published`);
  }
}

/** `speed`: simulated hours per second, which sets the attribution window of a fresh tenant's policies. */
export async function installDemoTenant(base: BatonApi, sandboxes: Sandboxes, store: DemoStateFile, speed = 1): Promise<InstallReport> {
  const steps: string[] = [];
  const { state } = store;
  let api = state.apiKey === undefined ? undefined : base.withKey(state.apiKey);
  if (api !== undefined && (await api.call('GET', '/actions')).status === 401) {
    throw new Error(
      `the API key in ${store.file} is no longer accepted by the data in this directory; remove ${store.file} and the directory to start over`,
    );
  }
  if (api !== undefined) {
    const sfConnections = (await api.ok<{ connections: { orgId: string; status: string }[] }>('GET', '/salesforce/connection')).connections;
    const active = sfConnections.find((x) => x.status === 'active');
    if (active !== undefined && store.state.salesforceOrg !== undefined) {
      steps.push(`Salesforce org ${active.orgId} still connected`);
      return finish(api, sandboxes, store, steps, speed);
    }
  }
  const sf = await installSalesforce(base, api);
  if (api === undefined) {
    if (typeof sf['apiKey'] !== 'string' || typeof sf['tenantId'] !== 'string') {
      throw new Error(
        `Salesforce install did not create a tenant (the org is already connected to one in this data directory): ${JSON.stringify(sf)}`,
      );
    }
    state.tenantId = sf['tenantId'];
    state.apiKey = sf['apiKey'];
    store.save();
    api = base.withKey(sf['apiKey']);
    steps.push(`tenant ${sf['tenantId']} created by the Salesforce install (org ${String(sf['orgId'])})`);
  } else {
    if (sf['tenantId'] !== state.tenantId)
      throw new Error(`Salesforce answered for tenant ${String(sf['tenantId'])}, expected ${state.tenantId ?? '?'}`);
    steps.push(`Salesforce org ${String(sf['orgId'])} re-authorised`);
  }
  return finish(api, sandboxes, store, steps, speed);
}

async function finish(api: BatonApi, sandboxes: Sandboxes, store: DemoStateFile, steps: string[], speed: number): Promise<InstallReport> {
  const { state } = store;
  const hs = await installHubSpot(api, sandboxes, state.credentials.hubspot.portalId);
  if (hs['tenantId'] !== state.tenantId)
    throw new Error(`HubSpot answered for tenant ${String(hs['tenantId'])}, expected ${state.tenantId ?? '?'}`);
  steps.push(`HubSpot portal ${String(hs['portalId'])} connected`);
  await ensureConnections(api, sandboxes, store, steps);
  await ensureCatalogAndPolicies(api, steps, speed);
  await ensurePlaybooks(api, steps);
  return { tenantId: state.tenantId ?? '', apiKey: state.apiKey ?? '', steps };
}
