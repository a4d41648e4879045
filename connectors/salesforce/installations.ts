/**
 * Salesforce installations: one row of the connection store per org (type 'salesforce', external id = the 18-char
 * org id from the identity URL), tokens and the per-org signing secret sealed with the SecretBox (the
 * associated data binds them to the row). Implements the connector's TokenKeeper: one refresh at a time
 * per org across processes (row lock held during the call); a rotated refresh token is stored in the
 * same transaction; `invalid_grant` marks the connection disconnected with a reason people can read.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  ApiUsageTracker,
  refreshTokens,
  SalesforceClient,
  type BatonPackage,
  type InstalledOrg,
  type PersonFactSettings,
  type SharedApiUsage,
  type SalesforceApp,
  type SalesforceTokens,
  type TokenKeeper,
} from './client';
import {
  type ConnectionFilter,
  connectionStore,
  type Database,
  type Logger,
  newId,
  type Queryable,
  type SealedSecrets,
  type SecretBox,
  type StoredConnection,
} from '../../server/platform';
import { systemClock } from '../../app/shared/clock';
import { savePackage, storedPackage } from './packages.repository';

export interface Installation {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly orgId: string;
  readonly status: 'active' | 'disconnected' | 'error';
  readonly statusReason: string | null;
  readonly instanceUrl: string;
  readonly userId: string;
  readonly installedAt: string;
  readonly secretDelivered: boolean;
  /** The Contact/Lead field holding the person's IANA time zone (API name), or null: mailing address, then the tenant default. */
  readonly timeZoneField: string | null;
}

/**
 * The per-org settings an admin may change (`PUT /api/v1/salesforce/settings`). A field API name:
 * `Time_Zone__c`, a namespaced `acme__Time_Zone__c`, or null to use the mailing address alone.
 */
export const orgSettingsSchema = z.strictObject({
  timeZoneField: z
    .string()
    .trim()
    .max(100)
    .regex(
      /^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*(?:__c)?$|^[A-Za-z][A-Za-z0-9]*__[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*__c$/,
      'must be a field API name such as Time_Zone__c (or acme__Time_Zone__c in a namespace)',
    )
    .nullable(),
});
export type OrgSettings = z.infer<typeof orgSettingsSchema>;

interface Secrets {
  accessToken: string;
  refreshToken: string;
  signingSecret: string;
}

/** Salesforce's data on its connection row (the connection store's `config`). */
export interface SalesforceConnectionData {
  instanceUrl?: string;
  userId?: string;
  identityUrl?: string;
  installedAt?: string;
  secretDelivered?: boolean;
  timeZoneField?: string | null;
  refreshedAt?: string;
  purgedAt?: string;
}

type Row = StoredConnection<SalesforceConnectionData>;
const ofRow = (i: { tenantId: string; connectionId: string }): ConnectionFilter => ({ tenantId: i.tenantId, id: i.connectionId });
const aad = (tenantId: string, connectionId: string): string => `connections:${tenantId}:${connectionId}`;

const toInstallation = (r: Row): Installation => ({
  tenantId: r.tenantId,
  connectionId: r.id,
  orgId: r.externalId ?? '',
  status: r.status,
  statusReason: r.statusReason,
  instanceUrl: r.config.instanceUrl ?? '',
  userId: r.config.userId ?? '',
  installedAt: r.config.installedAt ?? new Date(0).toISOString(),
  secretDelivered: r.config.secretDelivered === true,
  timeZoneField: typeof r.config.timeZoneField === 'string' ? r.config.timeZoneField : null,
});

/** Org ids compare on their case-sensitive 15-character form (18-char ids add a checksum). */
export const sameOrg = (a: string, b: string): boolean => a.slice(0, 15) === b.slice(0, 15);

/** How long a package found lacking is trusted before the org is asked again (the admin may have fixed it). */
export const PACKAGE_RECHECK_MS = 60_000;

export class DisconnectedError extends Error {
  readonly errorCode = 'INVALID_GRANT';
  constructor(orgId: string, reason: string) {
    super(`Salesforce org ${orgId} is disconnected: ${reason}`);
    this.name = 'INVALID_GRANT';
  }
}

export class SalesforceInstallations {
  private readonly clients = new Map<string, SalesforceClient>();
  /** API usage per org; shared with the other processes when the module was given a SharedApiUsage. */
  readonly usage: ApiUsageTracker;

  constructor(
    private readonly deps: {
      db: Database;
      secrets: SecretBox;
      logger: Logger;
      app: () => Omit<SalesforceApp, 'redirectUri'> | undefined;
      sharedUsage?: SharedApiUsage;
      requestTimeoutMs?: number;
    },
  ) {
    this.usage = new ApiUsageTracker(undefined, undefined, deps.sharedUsage);
  }

  private open(row: Row): Secrets {
    if (row.sealed === null) throw new DisconnectedError(row.externalId ?? '', row.statusReason ?? 'no tokens stored');
    return JSON.parse(this.deps.secrets.open(row.sealed, aad(row.tenantId, row.id))) as Secrets;
  }

  private seal(tenantId: string, connectionId: string, s: Secrets): SealedSecrets {
    return this.deps.secrets.seal(JSON.stringify(s), aad(tenantId, connectionId));
  }

  async byOrg(q: Queryable, orgId: string): Promise<Installation | undefined> {
    const row = await connectionStore.first<SalesforceConnectionData>(q, { type: 'salesforce', externalIdFirst15: orgId });
    return row === undefined ? undefined : toInstallation(row);
  }

  async ofTenant(tenantId: string): Promise<Installation[]> {
    return (await connectionStore.find<SalesforceConnectionData>(this.deps.db, { tenantId, type: 'salesforce' })).map(toInstallation);
  }

  async active(tenantId: string): Promise<Installation | undefined> {
    return (await this.ofTenant(tenantId)).find((i) => i.status === 'active');
  }

  /** `active` for per-event hot paths (the write-back stage): the store's short cache (ConnectionStore.ofTenantCached). */
  async activeCached(tenantId: string): Promise<Installation | undefined> {
    const rows = await connectionStore.ofTenantCached<SalesforceConnectionData>(this.deps.db, tenantId, 'salesforce');
    return rows.map(toInstallation).find((i) => i.status === 'active');
  }

  async allActive(): Promise<Installation[]> {
    return (await connectionStore.find<SalesforceConnectionData>(this.deps.db, { type: 'salesforce', status: 'active' })).map(
      toInstallation,
    );
  }

  /**
   * Stores an install: an org already installed keeps its tenant (re-install stores the new tokens and
   * re-activates it); a new org joins `tenantId`. A fresh signing secret is generated on every install.
   */
  async save(tenantId: string, org: InstalledOrg): Promise<{ installation: Installation; signingSecret: string }> {
    const signingSecret = randomBytes(32).toString('base64');
    const installation = await this.deps.db.transaction(async (tx) => {
      const row = await connectionStore.first<SalesforceConnectionData>(
        tx,
        { type: 'salesforce', externalId: org.orgId },
        { forUpdate: true },
      );
      const owner = row?.tenantId ?? tenantId;
      const id = row?.id ?? newId('con');
      const sealed = this.seal(owner, id, { accessToken: org.accessToken, refreshToken: org.refreshToken, signingSecret });
      // An admin's settings outlive a re-install (the same org keeps its time-zone field).
      const config: SalesforceConnectionData = {
        instanceUrl: org.instanceUrl,
        userId: org.userId,
        identityUrl: org.identityUrl,
        installedAt: new Date(systemClock.now()).toISOString(),
        secretDelivered: false,
        ...(typeof row?.config.timeZoneField === 'string' ? { timeZoneField: row.config.timeZoneField } : {}),
      };
      const saved =
        row === undefined
          ? await connectionStore.insert<SalesforceConnectionData>(tx, {
              tenantId: owner,
              id,
              type: 'salesforce',
              externalId: org.orgId,
              config,
              sealed,
            })
          : (
              await connectionStore.update<SalesforceConnectionData>(
                tx,
                { tenantId: owner, id },
                { status: 'active', statusReason: null, config, sealed },
              )
            )[0];
      if (saved === undefined) throw new Error('installation vanished');
      return toInstallation(saved);
    });
    this.clients.delete(installation.connectionId);
    return { installation, signingSecret };
  }

  /**
   * Asks the org how the Baton package is installed (namespace, fields, Apex REST class), stores the
   * answer and shows what is missing as the connection's statusReason (cleared once it is fixed).
   */
  async discoverPackage(i: Installation): Promise<BatonPackage> {
    const found = await (await this.client(i)).discoverPackage();
    await this.deps.db.transaction(async (tx) => {
      await savePackage(tx, i.tenantId, i.connectionId, found);
      await connectionStore.update(tx, { ...ofRow(i), status: 'active' }, { statusReason: found.problem });
    });
    if (found.problem !== null)
      this.deps.logger.warn(
        { tenantId: i.tenantId, orgId: i.orgId, problem: found.problem },
        'the Baton package is not usable in this Salesforce org',
      );
    else
      this.deps.logger.info(
        { tenantId: i.tenantId, orgId: i.orgId, namespace: found.namespace },
        'Baton package found in the Salesforce org',
      );
    return found;
  }

  /** The stored package shape (undefined before the first discovery). */
  async storedPackage(i: Installation): Promise<(BatonPackage & { checkedAt: string }) | undefined> {
    return storedPackage(this.deps.db, i.tenantId, i.connectionId);
  }

  /**
   * How the package is installed in the org: the stored answer; discovered now when there is none yet
   * (an org installed before discovery existed) or when something was missing a while ago.
   */
  async packageOf(i: Installation): Promise<BatonPackage> {
    const stored = await this.storedPackage(i);
    if (stored !== undefined && (stored.problem === null || systemClock.now() - Date.parse(stored.checkedAt) < PACKAGE_RECHECK_MS))
      return stored;
    return this.discoverPackage(i);
  }

  /**
   * `packageOf` the tenant's active org, for a step that already holds a client. Throws DisconnectedError
   * (an auth failure to the engine, as the step's own refresh would) when the org was disconnected since.
   */
  async activePackage(tenantId: string): Promise<BatonPackage> {
    const all = await this.ofTenant(tenantId);
    const i = all.find((x) => x.status === 'active');
    if (i === undefined) throw new DisconnectedError(all[0]?.orgId ?? 'of this tenant', 'no active Salesforce connection');
    return this.packageOf(i);
  }

  /** Stores the admin's settings for the org (validated with `orgSettingsSchema` by the route). */
  async saveSettings(i: Installation, settings: OrgSettings): Promise<void> {
    await connectionStore.update(this.deps.db, ofRow(i), { configPatch: { timeZoneField: settings.timeZoneField } });
  }

  /** What the connector needs to turn the tenant's Contact/Lead changes into Baton facts (empty without an active org). */
  async personSettings(tenantId: string): Promise<PersonFactSettings> {
    const i = await this.active(tenantId);
    if (i === undefined) return {};
    const pkg = await this.storedPackage(i);
    return { namespace: pkg?.namespace ?? '', timeZoneField: i.timeZoneField };
  }

  async markSecretDelivered(i: Installation): Promise<void> {
    await connectionStore.update(this.deps.db, ofRow(i), { configPatch: { secretDelivered: true } });
  }

  /** The per-org secret the package's Apex code signs with (undefined when disconnected). */
  async signingSecret(i: Installation): Promise<string | undefined> {
    const row = await connectionStore.first<SalesforceConnectionData>(this.deps.db, ofRow(i));
    if (row === undefined || row.sealed === null) return undefined;
    return this.open(row).signingSecret;
  }

  /** A jsforce-backed client for the installation (cached; tokens renewed through `keeperFor`). */
  async client(i: Installation): Promise<SalesforceClient> {
    const cached = this.clients.get(i.connectionId);
    if (cached !== undefined) return cached;
    const app = this.deps.app();
    if (app === undefined)
      throw new Error('Salesforce is not configured on this server (set SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET)');
    const row = await connectionStore.first<SalesforceConnectionData>(this.deps.db, ofRow(i));
    if (row === undefined || row.status !== 'active') throw new DisconnectedError(i.orgId, row?.statusReason ?? 'not installed');
    const s = this.open(row);
    const client = new SalesforceClient({
      app,
      orgId: i.orgId,
      tokens: { accessToken: s.accessToken, refreshToken: s.refreshToken, instanceUrl: row.config.instanceUrl ?? i.instanceUrl },
      keeper: this.keeperFor(i),
      usage: this.usage,
      ...(this.deps.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: this.deps.requestTimeoutMs }),
    });
    this.clients.set(i.connectionId, client);
    return client;
  }

  /** Drops cached clients (after a disconnect or when a stream restarts with fresh tokens). */
  forget(connectionId: string): void {
    this.clients.delete(connectionId);
  }

  keeperFor(i: Installation): TokenKeeper {
    return { renew: (stale, refresh) => this.renew(i, stale, refresh) };
  }

  private async renew(
    i: Installation,
    stale: string,
    refresh: (refreshToken: string) => Promise<SalesforceTokens>,
  ): Promise<SalesforceTokens> {
    const outcome = await this.deps.db.transaction(async (tx) => {
      const row = await connectionStore.first<SalesforceConnectionData>(tx, ofRow(i), { forUpdate: true });
      if (row === undefined || row.status !== 'active') return { disconnected: row?.statusReason ?? 'not installed' };
      const current = this.open(row);
      const instanceUrl = row.config.instanceUrl ?? i.instanceUrl;
      // Another process (or request) already rotated: use its tokens, never refresh twice.
      if (current.accessToken !== stale)
        return { tokens: { accessToken: current.accessToken, refreshToken: current.refreshToken, instanceUrl } };
      try {
        const fresh = await refresh(current.refreshToken);
        const sealed = this.seal(row.tenantId, row.id, { ...current, accessToken: fresh.accessToken, refreshToken: fresh.refreshToken });
        await connectionStore.update(tx, { tenantId: row.tenantId, id: row.id }, { sealed, configNow: { refreshedAt: 'text' } });
        return { tokens: fresh };
      } catch (err) {
        const e = err as { name?: string; message?: string };
        if (e.name === 'invalid_grant' || /invalid_grant|expired access\/refresh token/.test(e.message ?? '')) {
          const reason =
            'Salesforce refused the refresh token (invalid_grant): access was revoked or the app was uninstalled. Install Baton in Salesforce again to reconnect.';
          await connectionStore.update(
            tx,
            { tenantId: row.tenantId, id: row.id },
            { status: 'disconnected', statusReason: reason, sealed: null },
          );
          this.deps.logger.warn(
            { orgId: i.orgId, tenantId: i.tenantId },
            'Salesforce refresh token refused: connection marked disconnected',
          );
          return { disconnected: reason };
        }
        throw err;
      }
    });
    if ('disconnected' in outcome) {
      this.clients.delete(i.connectionId);
      throw new DisconnectedError(i.orgId, outcome.disconnected);
    }
    return outcome.tokens;
  }

  /** Refreshes the stored tokens now (e.g. the stream's handshake was refused); throws DisconnectedError on invalid_grant. */
  async refreshNow(i: Installation): Promise<void> {
    const app = this.deps.app();
    const current = await this.tokens(i);
    if (app === undefined || current === undefined) return;
    await this.renew(i, current.accessToken, (rt) => refreshTokens(app, rt));
  }

  /** Current tokens (to revoke them at disconnect). */
  async tokens(i: Installation): Promise<SalesforceTokens | undefined> {
    const row = await connectionStore.first<SalesforceConnectionData>(this.deps.db, ofRow(i));
    if (row === undefined || row.sealed === null) return undefined;
    const s = this.open(row);
    return { accessToken: s.accessToken, refreshToken: s.refreshToken, instanceUrl: row.config.instanceUrl ?? '' };
  }

  async disconnect(i: Installation, reason: string): Promise<void> {
    await connectionStore.update(this.deps.db, ofRow(i), { status: 'disconnected', statusReason: reason, sealed: null });
    this.clients.delete(i.connectionId);
  }
}
