/**
 * HubSpot installations: one `connections` row per portal (type 'hubspot', external_id = portal id),
 * tokens sealed with the SecretBox (associated data binds them to the row), access-token expiry in
 * the config. Refresh happens before expiry with ONE refresh in flight per portal: in-process through
 * a shared promise, across processes through a row lock (SELECT … FOR UPDATE) held during the call,
 * after which the waiting process re-reads the fresh token instead of refreshing again.
 */
import { HubSpotCallError, HubSpotDisconnectedError } from './client/errors';
import type { HubSpotApi, TokenResponse, TokenSource } from './client/api';
import { type Database, type Logger, newId, type Queryable, type SecretBox } from '../../server/platform';

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

interface Row {
  tenant_id: string;
  id: string;
  external_id: string;
  status: 'active' | 'disconnected' | 'error';
  status_reason: string | null;
  config: { accessExpiresAt?: number; scopes?: string[]; purgedAt?: string; installedAt?: string };
  secret_ciphertext: string | null;
  secret_key_id: string | null;
}

const COLUMNS = 'tenant_id, id, external_id, status, status_reason, config, secret_ciphertext, secret_key_id';
/** Refresh when less than this is left on the access token. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

const toInstallation = (r: Row): Installation => ({
  tenantId: r.tenant_id,
  connectionId: r.id,
  portalId: r.external_id,
  status: r.status,
  statusReason: r.status_reason,
  accessExpiresAt: r.config.accessExpiresAt ?? 0,
  scopes: r.config.scopes ?? [],
  purged: r.config.purgedAt !== undefined,
  installedAt: r.config.installedAt ?? null,
});

const aad = (tenantId: string, connectionId: string): string => `connections:${tenantId}:${connectionId}`;

export async function installationByPortal(q: Queryable, portalId: string): Promise<Installation | undefined> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE type = 'hubspot' AND external_id = $1`, [portalId]);
  return r.rows[0] === undefined ? undefined : toInstallation(r.rows[0]);
}

export async function installationsOfTenant(q: Queryable, tenantId: string): Promise<Installation[]> {
  const r = await q.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE tenant_id = $1 AND type = 'hubspot' ORDER BY created_at`, [tenantId]);
  return r.rows.map(toInstallation);
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
    return (this.deps.now ?? Date.now)();
  }

  private open(row: Row): { accessToken: string; refreshToken: string } {
    if (row.secret_ciphertext === null || row.secret_key_id === null) throw new HubSpotDisconnectedError(row.external_id, 'no tokens stored');
    return JSON.parse(this.deps.secrets.open({ ciphertext: row.secret_ciphertext, keyId: row.secret_key_id }, aad(row.tenant_id, row.id))) as { accessToken: string; refreshToken: string };
  }

  private seal(tenantId: string, connectionId: string, tokens: TokenResponse): { ciphertext: string; keyId: string; accessExpiresAt: number } {
    const sealed = this.deps.secrets.seal(JSON.stringify({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken }), aad(tenantId, connectionId));
    return { ...sealed, accessExpiresAt: this.now() + tokens.expiresInSeconds * 1000 };
  }

  /**
   * Stores an installation: a portal already installed keeps its tenant (re-install refreshes the
   * tokens and re-activates it); a new portal joins `tenantId`. Returns the installation.
   */
  async save(tenantId: string, portalId: string, tokens: TokenResponse, scopes: readonly string[]): Promise<Installation> {
    return this.deps.db.transaction(async (tx) => {
      const existing = await tx.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE type = 'hubspot' AND external_id = $1 FOR UPDATE`, [portalId]);
      const row = existing.rows[0];
      const owner = row?.tenant_id ?? tenantId;
      const connectionId = row?.id ?? newId('con');
      const sealed = this.seal(owner, connectionId, tokens);
      // A fresh config: a reinstall after a purge is a new installation.
      const config = JSON.stringify({ portalId, scopes, accessExpiresAt: sealed.accessExpiresAt, installedAt: new Date(this.now()).toISOString() });
      if (row === undefined) {
        await tx.query(
          `INSERT INTO connections (tenant_id, id, type, external_id, status, config, secret_ciphertext, secret_key_id) VALUES ($1, $2, 'hubspot', $3, 'active', $4, $5, $6)`,
          [owner, connectionId, portalId, config, sealed.ciphertext, sealed.keyId],
        );
      } else {
        await tx.query(
          `UPDATE connections SET status = 'active', status_reason = NULL, config = $3, secret_ciphertext = $4, secret_key_id = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
          [owner, connectionId, config, sealed.ciphertext, sealed.keyId],
        );
      }
      const saved = await tx.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE tenant_id = $1 AND id = $2`, [owner, connectionId]);
      if (saved.rows[0] === undefined) throw new Error('installation vanished');
      return toInstallation(saved.rows[0]);
    });
  }

  /** A valid access token for the portal, refreshed first when it expires within REFRESH_MARGIN_MS. */
  async accessToken(portalId: string): Promise<string> {
    const r = await this.deps.db.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE type = 'hubspot' AND external_id = $1`, [portalId]);
    const row = r.rows[0];
    if (row === undefined) throw new HubSpotDisconnectedError(portalId, 'not installed');
    if (row.status !== 'active') throw new HubSpotDisconnectedError(portalId, row.status_reason ?? row.status);
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
      const r = await tx.query<Row>(`SELECT ${COLUMNS} FROM connections WHERE type = 'hubspot' AND external_id = $1 FOR UPDATE`, [portalId]);
      const row = r.rows[0];
      if (row === undefined) throw new HubSpotDisconnectedError(portalId, 'not installed');
      if (row.status !== 'active') throw new HubSpotDisconnectedError(portalId, row.status_reason ?? row.status);
      const current = this.open(row);
      if ((row.config.accessExpiresAt ?? 0) - this.now() > REFRESH_MARGIN_MS) return { token: current.accessToken };
      try {
        const tokens = await api.refresh(current.refreshToken);
        const sealed = this.seal(row.tenant_id, row.id, { ...tokens, refreshToken: tokens.refreshToken === '' ? current.refreshToken : tokens.refreshToken });
        await tx.query(
          `UPDATE connections SET config = config || jsonb_build_object('accessExpiresAt', $3::bigint), secret_ciphertext = $4, secret_key_id = $5, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
          [row.tenant_id, row.id, sealed.accessExpiresAt, sealed.ciphertext, sealed.keyId],
        );
        return { token: tokens.accessToken };
      } catch (err) {
        if (isInvalidGrant(err)) {
          const reason = 'HubSpot refused the refresh token (invalid_grant): the app was uninstalled or access was revoked. Reinstall Baton from HubSpot to reconnect.';
          await tx.query(
            `UPDATE connections SET status = 'disconnected', status_reason = $3, secret_ciphertext = NULL, secret_key_id = NULL, updated_at = now() WHERE tenant_id = $1 AND id = $2`,
            [row.tenant_id, row.id, reason],
          );
          this.deps.logger.warn({ portalId, tenantId: row.tenant_id }, 'HubSpot refresh token refused: connection marked disconnected');
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
    await this.deps.db.query(
      `UPDATE connections SET status = 'disconnected', status_reason = $3, secret_ciphertext = NULL, secret_key_id = NULL, updated_at = now()
        WHERE tenant_id = $1 AND type = 'hubspot' AND external_id = $2`,
      [tenantId, portalId, reason],
    );
  }
}

export function isInvalidGrant(err: unknown): boolean {
  if (!(err instanceof HubSpotCallError) || err.status !== 400) return false;
  const body = err.body as { error?: unknown; status?: unknown } | undefined;
  return body?.error === 'invalid_grant' || body?.status === 'BAD_REFRESH_TOKEN';
}
