/**
 * HubSpot installations: one row of the connection store per portal (type 'hubspot', external id = portal id),
 * tokens sealed with the SecretBox (associated data binds them to the row), access-token expiry in
 * the config. Refresh happens before expiry with ONE refresh in flight per portal: in-process through
 * a shared promise, across processes through a row lock (SELECT … FOR UPDATE) held during the call,
 * after which the waiting process re-reads the fresh token instead of refreshing again.
 */
import { HubSpotCallError, HubSpotDisconnectedError } from './client/errors';
import type { HubSpotApi, TokenResponse, TokenSource } from './client/api';
import {
  type ConnectionFilter,
  connectionStore,
  type Database,
  type Logger,
  newId,
  type Queryable,
  type SecretBox,
  type StoredConnection,
} from '../../server/platform';
import { systemClock } from '../../app/shared/clock';

export interface Installation {
  readonly tenantId: string;
  readonly connectionId: string;
  readonly portalId: string;
  readonly status: 'active' | 'disconnected' | 'error';
  readonly statusReason: string | null;
  readonly accessExpiresAt: number;
  readonly scopes: readonly string[];
  /** Set when an admin disconnected and the tenant's HubSpot data was purged. */
  readonly purged: boolean;
  /** When the current installation was made (ISO), if known. */
  readonly installedAt: string | null;
}

/** HubSpot's data on its connection row (the connection store's `config`). */
export interface HubSpotConnectionData {
  portalId?: string;
  accessExpiresAt?: number;
  scopes?: string[];
  purgedAt?: string;
  installedAt?: string;
  uninstallDetectedAt?: string;
  purgeDueAt?: string;
}

type Row = StoredConnection<HubSpotConnectionData>;
/** Refresh when less than this is left on the access token. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

const toInstallation = (r: Row): Installation => ({
  tenantId: r.tenantId,
  connectionId: r.id,
  portalId: r.externalId ?? '',
  status: r.status,
  statusReason: r.statusReason,
  accessExpiresAt: r.config.accessExpiresAt ?? 0,
  scopes: r.config.scopes ?? [],
  purged: r.config.purgedAt !== undefined,
  installedAt: r.config.installedAt ?? null,
});

const aad = (tenantId: string, connectionId: string): string => `connections:${tenantId}:${connectionId}`;

const byPortal = (portalId: string): ConnectionFilter => ({ type: 'hubspot', externalId: portalId });

export async function installationByPortal(q: Queryable, portalId: string): Promise<Installation | undefined> {
  const row = await connectionStore.first<HubSpotConnectionData>(q, byPortal(portalId));
  return row === undefined ? undefined : toInstallation(row);
}

export async function installationsOfTenant(q: Queryable, tenantId: string): Promise<Installation[]> {
  return (await connectionStore.find<HubSpotConnectionData>(q, { tenantId, type: 'hubspot' })).map(toInstallation);
}

/** Portals with an active installation (every tenant). */
export async function activePortals(q: Queryable): Promise<{ tenantId: string; portalId: string }[]> {
  return (await connectionStore.find<HubSpotConnectionData>(q, { type: 'hubspot', status: 'active' })).map((r) => ({
    tenantId: r.tenantId,
    portalId: r.externalId ?? '',
  }));
}

/**
 * The installation write-back goes to: the active one, else one that lost its tokens involuntarily
 * (invalid_grant) — actions then fail with an auth error, so runs stop and wait for a reinstall instead
 * of falling through to another port. Undefined after an admin disconnect (purged) or without install.
 */
export async function currentInstallation(q: Queryable, tenantId: string): Promise<Installation | undefined> {
  const all = (await installationsOfTenant(q, tenantId)).filter((i) => !i.purged);
  return all.find((i) => i.status === 'active') ?? all[0];
}

/** The tenant's active installation (the first, if several portals are connected). */
export async function activeInstallation(q: Queryable, tenantId: string): Promise<Installation | undefined> {
  return (await installationsOfTenant(q, tenantId)).find((i) => i.status === 'active');
}

export class Installations implements TokenSource {
  private readonly inFlight = new Map<string, Promise<string>>();
  /** Set after construction (the API needs this token source, this needs the API for refreshes). */
  api: HubSpotApi | undefined;

  constructor(private readonly deps: { db: Database; secrets: SecretBox; logger: Logger; now?: () => number }) {}

  private now(): number {
    return this.deps.now?.() ?? systemClock.now();
  }

  private open(row: Row): { accessToken: string; refreshToken: string } {
    if (row.sealed === null) throw new HubSpotDisconnectedError(row.externalId ?? '', 'no tokens stored');
    return JSON.parse(this.deps.secrets.open(row.sealed, aad(row.tenantId, row.id))) as { accessToken: string; refreshToken: string };
  }

  private seal(
    tenantId: string,
    connectionId: string,
    tokens: TokenResponse,
  ): { ciphertext: string; keyId: string; accessExpiresAt: number } {
    const sealed = this.deps.secrets.seal(
      JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }),
      aad(tenantId, connectionId),
    );
    return { ...sealed, accessExpiresAt: this.now() + tokens.expiresInSeconds * 1000 };
  }

  /**
   * Stores an installation: a portal already installed keeps its tenant (re-install refreshes the
   * tokens and re-activates it); a new portal joins `tenantId`. Returns the installation.
   */
  async save(tenantId: string, portalId: string, tokens: TokenResponse, scopes: readonly string[]): Promise<Installation> {
    return this.deps.db.transaction(async (tx) => {
      const row = await connectionStore.first<HubSpotConnectionData>(tx, byPortal(portalId), { forUpdate: true });
      const owner = row?.tenantId ?? tenantId;
      const connectionId = row?.id ?? newId('con');
      const { accessExpiresAt, ...sealed } = this.seal(owner, connectionId, tokens);
      // A fresh config: a reinstall after a purge is a new installation.
      const config: HubSpotConnectionData = {
        portalId,
        scopes: [...scopes],
        accessExpiresAt,
        installedAt: new Date(this.now()).toISOString(),
      };
      const saved =
        row === undefined
          ? await connectionStore.insert<HubSpotConnectionData>(tx, {
              tenantId: owner,
              id: connectionId,
              type: 'hubspot',
              externalId: portalId,
              config,
              sealed,
            })
          : (
              await connectionStore.update<HubSpotConnectionData>(
                tx,
                { tenantId: owner, id: connectionId },
                { status: 'active', statusReason: null, config, sealed },
              )
            )[0];
      if (saved === undefined) throw new Error('installation vanished');
      return toInstallation(saved);
    });
  }

  /** A valid access token for the portal, refreshed first when it expires within REFRESH_MARGIN_MS. */
  async accessToken(portalId: string): Promise<string> {
    const row = await connectionStore.first<HubSpotConnectionData>(this.deps.db, byPortal(portalId));
    if (row === undefined) throw new HubSpotDisconnectedError(portalId, 'not installed');
    if (row.status !== 'active') throw new HubSpotDisconnectedError(portalId, row.statusReason ?? row.status);
    if ((row.config.accessExpiresAt ?? 0) - this.now() > REFRESH_MARGIN_MS) return this.open(row).accessToken;
    let pending = this.inFlight.get(portalId);
    if (pending === undefined) {
      pending = this.refreshLocked(portalId).finally(() => this.inFlight.delete(portalId));
      this.inFlight.set(portalId, pending);
    }
    return pending;
  }

  /** Refreshes under the row lock; a process that waited for the lock finds the token fresh and uses it. */
  private async refreshLocked(portalId: string): Promise<string> {
    const api = this.api;
    if (api === undefined) throw new Error('Installations.api is not set');
    const outcome = await this.deps.db.transaction(async (tx) => {
      const row = await connectionStore.first<HubSpotConnectionData>(tx, byPortal(portalId), { forUpdate: true });
      if (row === undefined) throw new HubSpotDisconnectedError(portalId, 'not installed');
      if (row.status !== 'active') throw new HubSpotDisconnectedError(portalId, row.statusReason ?? row.status);
      const current = this.open(row);
      if ((row.config.accessExpiresAt ?? 0) - this.now() > REFRESH_MARGIN_MS) return { token: current.accessToken };
      try {
        const tokens = await api.refresh(current.refreshToken);
        const { accessExpiresAt, ...sealed } = this.seal(row.tenantId, row.id, {
          ...tokens,
          refreshToken: tokens.refreshToken === '' ? current.refreshToken : tokens.refreshToken,
        });
        await connectionStore.update(tx, { tenantId: row.tenantId, id: row.id }, { configPatch: { accessExpiresAt }, sealed });
        return { token: tokens.accessToken };
      } catch (err) {
        if (isInvalidGrant(err)) {
          const reason =
            'HubSpot refused the refresh token (invalid_grant): the app was uninstalled or access was revoked. Reinstall Baton from HubSpot to reconnect.';
          await connectionStore.update(
            tx,
            { tenantId: row.tenantId, id: row.id },
            { status: 'disconnected', statusReason: reason, sealed: null },
          );
          this.deps.logger.warn({ portalId, tenantId: row.tenantId }, 'HubSpot refresh token refused: connection marked disconnected');
          return { disconnected: reason };
        }
        throw err;
      }
    });
    if ('disconnected' in outcome) throw new HubSpotDisconnectedError(portalId, outcome.disconnected);
    return outcome.token;
  }

  /** Marks the installation disconnected and drops its tokens (keeps the row so settings can show why). */
  async disconnect(tenantId: string, portalId: string, reason: string): Promise<void> {
    await connectionStore.update(
      this.deps.db,
      { tenantId, ...byPortal(portalId) },
      { status: 'disconnected', statusReason: reason, sealed: null },
    );
  }
}

export function isInvalidGrant(err: unknown): boolean {
  if (!(err instanceof HubSpotCallError) || err.status !== 400) return false;
  const body = err.body as { error?: unknown; status?: unknown } | undefined;
  return body?.error === 'invalid_grant' || body?.status === 'BAD_REFRESH_TOKEN';
}
