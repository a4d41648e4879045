/**
 * The five local vendors the demo runs in its own process (test/sandboxes): HubSpot, Salesforce,
 * Zendesk, Twilio and WhatsApp Cloud, each speaking its vendor's wire format on a loopback port and
 * started with the credentials the demo remembers, so what Baton stored last time still works.
 */
import { createServer } from 'node:net';
import { startHubSpotSandbox, type HubSpotSandbox } from '../../test/sandboxes/hubspot';
import { startSalesforceSandbox, type SalesforceSandbox } from '../../test/sandboxes/salesforce';
import { startTwilioSandbox, type TwilioSandbox } from '../../test/sandboxes/twilio';
import { startWhatsAppSandbox, type WhatsAppSandbox } from '../../test/sandboxes/whatsapp';
import { startZendeskSandbox, type ZendeskSandbox } from '../../test/sandboxes/zendesk';
import type { Credentials } from './state';

export interface Sandboxes {
  readonly hubspot: HubSpotSandbox;
  readonly salesforce: SalesforceSandbox;
  readonly zendesk: ZendeskSandbox;
  readonly twilio: TwilioSandbox;
  readonly whatsapp: WhatsAppSandbox;
  close(): Promise<void>;
}

export async function startSandboxes(c: Credentials, options: { salesforcePort?: number | undefined } = {}): Promise<Sandboxes> {
  const started: { close(): Promise<void> }[] = [];
  const track = <T extends { close(): Promise<void> }>(s: T): T => {
    started.push(s);
    return s;
  };
  try {
    const hubspot = track(await startHubSpotSandbox({ clientId: c.hubspot.clientId, clientSecret: c.hubspot.clientSecret }));
    hubspot.state.nextInstallPortal = c.hubspot.portalId;
    const sfPort = options.salesforcePort !== undefined && (await portIsFree(options.salesforcePort)) ? options.salesforcePort : 0;
    const salesforce = track(
      await startSalesforceSandbox({
        port: sfPort,
        clientId: c.salesforce.clientId,
        clientSecret: c.salesforce.clientSecret,
        orgId: c.salesforce.orgId,
      }),
    );
    const zendesk = track(await startZendeskSandbox({ email: c.zendesk.email, token: c.zendesk.token }));
    const twilio = track(await startTwilioSandbox({ accountSid: c.twilio.accountSid, authToken: c.twilio.authToken }));
    const whatsapp = track(
      await startWhatsAppSandbox({
        phoneNumberId: c.whatsapp.phoneNumberId,
        accessToken: c.whatsapp.accessToken,
        appSecret: c.whatsapp.appSecret,
      }),
    );
    return {
      hubspot,
      salesforce,
      zendesk,
      twilio,
      whatsapp,
      async close() {
        await Promise.allSettled(started.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw err;
  }
}

/** Whether a TCP port can be listened on (on all interfaces, as the service listens). */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

/** `preferred` when it is free, otherwise a port the system picks. */
export async function choosePort(preferred: number): Promise<number> {
  if (preferred > 0 && (await portIsFree(preferred))) return preferred;
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '0.0.0.0', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

interface SalesforceOrgMemory {
  families: [string, { id: string; current: string; revoked: boolean; rotations: number }][];
  refreshIndex: [string, string][];
  accessTokens: [string, { family: string; valid: boolean }][];
  nextReplay: number;
}

/** What the Salesforce sandbox must remember across demo runs: issued tokens and the replay id counter. */
export function salesforceOrgMemory(sandbox: SalesforceSandbox): SalesforceOrgMemory {
  const s = sandbox.state;
  return {
    families: [...s.families.entries()].map(([k, v]) => [k, { ...v }]),
    refreshIndex: [...s.refreshIndex.entries()],
    accessTokens: [...s.accessTokens.entries()].map(([k, v]) => [k, { ...v }]),
    nextReplay: s.latestReplayId() + 1,
  };
}

/** Restores `salesforceOrgMemory` into a fresh sandbox (the org "was there all along"). */
export function restoreSalesforceOrg(sandbox: SalesforceSandbox, saved: unknown): boolean {
  const m = saved as Partial<SalesforceOrgMemory> | undefined;
  if (
    m === undefined ||
    !Array.isArray(m.families) ||
    !Array.isArray(m.refreshIndex) ||
    !Array.isArray(m.accessTokens) ||
    typeof m.nextReplay !== 'number'
  )
    return false;
  const s = sandbox.state;
  for (const [k, v] of m.families) s.families.set(k, { ...v });
  for (const [k, v] of m.refreshIndex) s.refreshIndex.set(k, v);
  for (const [k, v] of m.accessTokens) s.accessTokens.set(k, { ...v });
  // The replay counter is private to the sandbox state; continuing it keeps Baton's stored replay id meaningful.
  (s as unknown as { nextReplay: number }).nextReplay = Math.max(m.nextReplay, s.latestReplayId() + 1);
  return true;
}
