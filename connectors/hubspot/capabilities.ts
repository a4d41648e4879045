/**
 * What each HubSpot portal lets Baton do with email (issue #20), stored per portal in
 * hubspot_email_capabilities: learned from the scopes the install granted (HubSpot grants an optional
 * scope only to a portal that has the product: `transactional-email` needs the Transactional Email
 * add-on, `marketing-email` single-send needs Marketing Hub Enterprise), and turned off, with HubSpot's
 * own reason, when a call for it answers 403. A reinstall learns again (scopes may have changed).
 */
import type { EmailRouting } from './client/action.port';
import { EMAIL_FEATURES, EMAIL_ROUTES, type CapabilityState, type EmailCapabilities, type EmailCapability } from './client/email';
import type { Logger, Queryable } from '../../server/platform';
import { installationByPortal } from './installations';
import { systemClock } from '../../app/shared/clock';
import { latestBounce, recordEmailSend, saveCapabilities, setCapabilityState, storedCapabilities } from './email-capabilities.repository';

/** Which granted scopes each capability needs (all of them). */
export const CAPABILITY_SCOPES: Readonly<Record<EmailCapability, readonly string[]>> = {
  transactional: ['transactional-email'],
  marketing: ['marketing-email'],
  sequence: ['automation.sequences.enrollments.write', 'crm.objects.owners.read'],
  task: [],
  preferences: ['communication_preferences.read'],
  events: ['content'],
};

const WHY_MISSING: Readonly<Record<EmailCapability, string>> = {
  transactional: 'the Transactional Email add-on',
  marketing: 'Marketing Hub Enterprise',
  sequence: 'Sales or Service Hub seats with sequences',
  task: '',
  preferences: 'subscription preferences access',
  events: 'email analytics access',
};

/** Capabilities implied by a set of granted scopes. */
export function capabilitiesFromScopes(scopes: readonly string[], at = new Date(systemClock.now())): EmailCapabilities {
  const granted = new Set(scopes);
  const entries = [...EMAIL_ROUTES, ...EMAIL_FEATURES].map((c): [EmailCapability, CapabilityState] => {
    const missing = CAPABILITY_SCOPES[c].filter((s) => !granted.has(s));
    return [
      c,
      missing.length === 0
        ? {
            available: true,
            reason: CAPABILITY_SCOPES[c].length === 0 ? 'always possible' : `scope ${CAPABILITY_SCOPES[c].join(', ')} granted`,
            at: at.toISOString(),
          }
        : {
            available: false,
            reason: `scope ${missing.join(', ')} not granted (needs ${WHY_MISSING[c]} and the optional scope accepted at install)`,
            at: at.toISOString(),
          },
    ];
  });
  return Object.fromEntries(entries) as unknown as EmailCapabilities;
}

export class EmailCapabilityStore implements EmailRouting {
  constructor(private readonly deps: { db: Queryable; logger: Logger; now?: () => Date }) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date(systemClock.now());
  }

  /** (Re)learns from the granted scopes: at install and reinstall. */
  async learn(tenantId: string, portalId: string, scopes: readonly string[]): Promise<EmailCapabilities> {
    const caps = capabilitiesFromScopes(scopes, this.now());
    // A portal re-installed under another tenant leaves nothing behind under the old one.
    await saveCapabilities(this.deps.db, tenantId, portalId, caps, scopes);
    return caps;
  }

  async capabilities(tenantId: string, portalId: string): Promise<EmailCapabilities> {
    const stored = await storedCapabilities(this.deps.db, tenantId, portalId);
    if (stored !== undefined) return { ...capabilitiesFromScopes([]), ...stored };
    // Installed before capabilities were recorded: learn from the scopes stored with the installation.
    const install = await installationByPortal(this.deps.db, portalId);
    // Only an active installation's scopes are stored (a disconnected or purged one is just shown).
    if (install === undefined || install.status !== 'active' || install.purged)
      return capabilitiesFromScopes(install?.scopes ?? [], this.now());
    return this.learn(tenantId, portalId, install.scopes);
  }

  async markOff(tenantId: string, portalId: string, capability: EmailCapability, reason: string): Promise<void> {
    const state: CapabilityState = { available: false, reason, at: this.now().toISOString() };
    await setCapabilityState(this.deps.db, tenantId, portalId, capability, state);
    this.deps.logger.warn(
      { tenantId, portalId, capability, reason },
      'HubSpot refused an email capability: turned off for this portal, next route used',
    );
  }

  /** Why the address must not be emailed: HubSpot reported a bounce for it (an `email.bounced` event). */
  async bounced(tenantId: string, profileId: string, address: string): Promise<string | undefined> {
    const row = await latestBounce(this.deps.db, tenantId, profileId, address);
    if (row === undefined) return undefined;
    return `HubSpot reported a bounce for ${address} on ${new Date(row.occurredAt).toISOString()}${row.category === null ? '' : ` (${row.category})`}`;
  }

  async recordSend(send: Parameters<EmailRouting['recordSend']>[0]): Promise<void> {
    await recordEmailSend(this.deps.db, send);
  }
}
