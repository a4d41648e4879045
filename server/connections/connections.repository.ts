/**
 * Zendesk, Twilio and WhatsApp connections in the `connections` table (migration 001): plain settings
 * in `config`, secrets sealed with the SecretBox bound to (tenant, connection id) so a ciphertext
 * copied into another row does not open.
 */
import type { Queryable } from '../db/database';
import { newId } from '../security/ids';
import type { SecretBox } from '../security/secret-box';
import { openConnection, sealConnection } from './connection-secrets';
import { CONFIG_SCHEMAS, SECRET_FIELDS, externalIdOf, splitSecrets, type ConfigOf, type MessagingConnectionType } from './connection-config';

export interface ConnectionView {
  readonly id: string;
  readonly type: MessagingConnectionType;
  readonly status: 'active' | 'disconnected' | 'error';
  readonly statusReason: string | null;
  /** Settings without secrets. */
  readonly config: Record<string, unknown>;
  /** Names of the secrets that are set (never their values). */
  readonly secrets: string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Connection<T extends MessagingConnectionType = MessagingConnectionType> {
  readonly tenantId: string;
  readonly id: string;
  readonly type: T;
  readonly status: 'active' | 'disconnected' | 'error';
  readonly config: ConfigOf[T];
}

interface Row {
  tenant_id: string;
  id: string;
  type: MessagingConnectionType;
  status: 'active' | 'disconnected' | 'error';
  status_reason: string | null;
  config: Record<string, unknown>;
  secret_ciphertext: string | null;
  secret_key_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const TYPES = "('zendesk', 'twilio', 'whatsapp')";

export class ConnectionConflictError extends Error {
  constructor(readonly type: MessagingConnectionType, readonly externalId: string) {
    super(`this ${type} account (${externalId}) is already connected to a Baton tenant; update or delete that connection instead`);
  }
}

function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown }).code === '23505';
}

export class ConnectionsRepository {
  constructor(private readonly secrets: SecretBox) {}

  private view(row: Row): ConnectionView {
    return {
      id: row.id,
      type: row.type,
      status: row.status,
      statusReason: row.status_reason,
      config: row.config,
      secrets: row.secret_ciphertext === null ? [] : SECRET_FIELDS[row.type].filter((f) => (row.config['_secretNames'] as string[] | undefined)?.includes(f) ?? false),
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    };
  }

  private open(row: Row): Connection {
    const config = CONFIG_SCHEMAS[row.type].parse(openConnection(this.secrets, row));
    return { tenantId: row.tenant_id, id: row.id, type: row.type, status: row.status, config } as Connection;
  }

  private seal(tenantId: string, id: string, type: MessagingConnectionType, config: Record<string, unknown>): { plain: Record<string, unknown>; ciphertext: string; keyId: string } {
    const { plain, secrets } = splitSecrets(type, config);
    return sealConnection(this.secrets, tenantId, id, plain, secrets);
  }

  async create<T extends MessagingConnectionType>(q: Queryable, tenantId: string, type: T, config: ConfigOf[T]): Promise<ConnectionView> {
    const id = newId('con');
    const record = config as unknown as Record<string, unknown>;
    const sealed = this.seal(tenantId, id, type, record);
    try {
      const r = await q.query<Row>(
        `INSERT INTO connections (tenant_id, id, type, external_id, status, config, secret_ciphertext, secret_key_id)
         VALUES ($1, $2, $3, $4, 'active', $5, $6, $7) RETURNING *`,
        [tenantId, id, type, `${externalIdOf(type, record)}`, JSON.stringify(sealed.plain), sealed.ciphertext, sealed.keyId],
      );
      const row = r.rows[0];
      if (row === undefined) throw new Error('connection insert returned no row');
      return this.view(row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConnectionConflictError(type, externalIdOf(type, record));
      throw err;
    }
  }

  async list(q: Queryable, tenantId: string): Promise<ConnectionView[]> {
    const r = await q.query<Row>(`SELECT * FROM connections WHERE tenant_id = $1 AND type IN ${TYPES} ORDER BY created_at, id`, [tenantId]);
    return r.rows.map((row) => this.view(row));
  }

  async view1(q: Queryable, tenantId: string, id: string): Promise<ConnectionView | undefined> {
    const r = await q.query<Row>(`SELECT * FROM connections WHERE tenant_id = $1 AND id = $2 AND type IN ${TYPES}`, [tenantId, id]);
    return r.rows[0] === undefined ? undefined : this.view(r.rows[0]);
  }

  /** A tenant's connection with its secrets opened. */
  async get(q: Queryable, tenantId: string, id: string): Promise<Connection | undefined> {
    const r = await q.query<Row>(`SELECT * FROM connections WHERE tenant_id = $1 AND id = $2 AND type IN ${TYPES}`, [tenantId, id]);
    return r.rows[0] === undefined ? undefined : this.open(r.rows[0]);
  }

  /** A connection named by a webhook path (the id alone; the row says which tenant). */
  async byWebhookId<T extends MessagingConnectionType>(q: Queryable, type: T, id: string): Promise<Connection<T> | undefined> {
    const r = await q.query<Row>('SELECT * FROM connections WHERE id = $1 AND type = $2', [id, type]);
    return r.rows[0] === undefined ? undefined : (this.open(r.rows[0]) as Connection<T>);
  }

  /** The tenant's first active connection of a type. */
  async activeOfType<T extends MessagingConnectionType>(q: Queryable, tenantId: string, type: T): Promise<Connection<T> | undefined> {
    const r = await q.query<Row>(`SELECT * FROM connections WHERE tenant_id = $1 AND type = $2 AND status = 'active' ORDER BY created_at, id LIMIT 1`, [tenantId, type]);
    return r.rows[0] === undefined ? undefined : (this.open(r.rows[0]) as Connection<T>);
  }

  async hasActive(q: Queryable, tenantId: string, types: readonly MessagingConnectionType[]): Promise<boolean> {
    const r = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM connections WHERE tenant_id = $1 AND type = ANY($2::text[]) AND status = 'active'`, [tenantId, [...types]]);
    return (r.rows[0]?.n ?? 0) > 0;
  }

  /** Replaces the settings (merged over the stored ones by the caller) and re-seals the secrets. */
  async update<T extends MessagingConnectionType>(q: Queryable, tenantId: string, id: string, type: T, config: ConfigOf[T]): Promise<ConnectionView | undefined> {
    const record = config as unknown as Record<string, unknown>;
    const sealed = this.seal(tenantId, id, type, record);
    try {
      const r = await q.query<Row>(
        `UPDATE connections SET config = $3, secret_ciphertext = $4, secret_key_id = $5, external_id = $6, status = 'active', status_reason = NULL, updated_at = now()
          WHERE tenant_id = $1 AND id = $2 RETURNING *`,
        [tenantId, id, JSON.stringify(sealed.plain), sealed.ciphertext, sealed.keyId, externalIdOf(type, record)],
      );
      return r.rows[0] === undefined ? undefined : this.view(r.rows[0]);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConnectionConflictError(type, externalIdOf(type, record));
      throw err;
    }
  }

  async setStatus(q: Queryable, tenantId: string, id: string, status: 'active' | 'error', reason: string | null): Promise<void> {
    await q.query('UPDATE connections SET status = $3, status_reason = $4, updated_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, id, status, reason]);
  }

  async delete(q: Queryable, tenantId: string, id: string): Promise<boolean> {
    const r = await q.query<{ id: string }>(`DELETE FROM connections WHERE tenant_id = $1 AND id = $2 AND type IN ${TYPES} RETURNING id`, [tenantId, id]);
    return r.rows.length > 0;
  }
}
