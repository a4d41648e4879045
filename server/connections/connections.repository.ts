/**
 * Zendesk, Twilio and WhatsApp connections in the one connection store (connection-store.repository.ts):
 * plain settings in `config`, secrets sealed with the SecretBox bound to (tenant, connection id) so a
 * ciphertext copied into another row does not open.
 */
import type { Queryable } from '../db/database';
import { newId } from '../security/ids';
import type { SecretBox } from '../security/secret-box';
import { openConnection, sealConnection } from './connection-secrets';
import {
  CONFIG_SCHEMAS,
  SECRET_FIELDS,
  externalIdOf,
  splitSecrets,
  type ConfigOf,
  type MessagingConnectionType,
} from './connection-config';
import { ConnectionUniqueError, connectionStore, type SealedSecrets, type StoredConnection } from './connection-store.repository';

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

const TYPES: readonly MessagingConnectionType[] = ['zendesk', 'twilio', 'whatsapp'];

export class ConnectionConflictError extends Error {
  constructor(
    readonly type: MessagingConnectionType,
    readonly externalId: string,
  ) {
    super(`this ${type} account (${externalId}) is already connected to a Baton tenant; update or delete that connection instead`);
  }
}

export class ConnectionsRepository {
  constructor(private readonly secrets: SecretBox) {}

  private view(c: StoredConnection): ConnectionView {
    const type = c.type as MessagingConnectionType;
    return {
      id: c.id,
      type,
      status: c.status,
      statusReason: c.statusReason,
      config: c.config,
      secrets:
        c.sealed === null
          ? []
          : SECRET_FIELDS[type].filter((f) => (c.config['_secretNames'] as string[] | undefined)?.includes(f) ?? false),
      createdAt: c.createdAt,
      updatedAt: c.updatedAt,
    };
  }

  private open(c: StoredConnection): Connection {
    const type = c.type as MessagingConnectionType;
    const config = CONFIG_SCHEMAS[type].parse(
      openConnection(this.secrets, {
        tenant_id: c.tenantId,
        id: c.id,
        config: c.config,
        secret_ciphertext: c.sealed?.ciphertext ?? null,
        secret_key_id: c.sealed?.keyId ?? null,
      }),
    );
    return { tenantId: c.tenantId, id: c.id, type, status: c.status, config } as Connection;
  }

  private seal(
    tenantId: string,
    id: string,
    type: MessagingConnectionType,
    config: Record<string, unknown>,
  ): { plain: Record<string, unknown>; sealed: SealedSecrets } {
    const { plain, secrets } = splitSecrets(type, config);
    const s = sealConnection(this.secrets, tenantId, id, plain, secrets);
    return { plain: s.plain, sealed: { ciphertext: s.ciphertext, keyId: s.keyId } };
  }

  async create<T extends MessagingConnectionType>(q: Queryable, tenantId: string, type: T, config: ConfigOf[T]): Promise<ConnectionView> {
    const id = newId('con');
    const record = config as unknown as Record<string, unknown>;
    const { plain, sealed } = this.seal(tenantId, id, type, record);
    try {
      return this.view(
        await connectionStore.insert(q, { tenantId, id, type, externalId: `${externalIdOf(type, record)}`, config: plain, sealed }),
      );
    } catch (err) {
      if (err instanceof ConnectionUniqueError) throw new ConnectionConflictError(type, externalIdOf(type, record));
      throw err;
    }
  }

  async list(q: Queryable, tenantId: string): Promise<ConnectionView[]> {
    return (await connectionStore.find(q, { tenantId, type: TYPES })).map((c) => this.view(c));
  }

  async view1(q: Queryable, tenantId: string, id: string): Promise<ConnectionView | undefined> {
    const c = await connectionStore.first(q, { tenantId, id, type: TYPES });
    return c === undefined ? undefined : this.view(c);
  }

  /** A tenant's connection with its secrets opened. */
  async get(q: Queryable, tenantId: string, id: string): Promise<Connection | undefined> {
    const c = await connectionStore.first(q, { tenantId, id, type: TYPES });
    return c === undefined ? undefined : this.open(c);
  }

  /** A connection named by a webhook path (the id alone; the row says which tenant). */
  async byWebhookId<T extends MessagingConnectionType>(q: Queryable, type: T, id: string): Promise<Connection<T> | undefined> {
    const c = await connectionStore.first(q, { id, type });
    return c === undefined ? undefined : (this.open(c) as Connection<T>);
  }

  /** The tenant's first active connection of a type. */
  async activeOfType<T extends MessagingConnectionType>(q: Queryable, tenantId: string, type: T): Promise<Connection<T> | undefined> {
    const c = await connectionStore.first(q, { tenantId, type, status: 'active' });
    return c === undefined ? undefined : (this.open(c) as Connection<T>);
  }

  async hasActive(q: Queryable, tenantId: string, types: readonly MessagingConnectionType[]): Promise<boolean> {
    return (await connectionStore.count(q, { tenantId, type: types, status: 'active' })) > 0;
  }

  /** Replaces the settings (merged over the stored ones by the caller) and re-seals the secrets. */
  async update<T extends MessagingConnectionType>(
    q: Queryable,
    tenantId: string,
    id: string,
    type: T,
    config: ConfigOf[T],
  ): Promise<ConnectionView | undefined> {
    const record = config as unknown as Record<string, unknown>;
    const { plain, sealed } = this.seal(tenantId, id, type, record);
    try {
      const [c] = await connectionStore.update(
        q,
        { tenantId, id },
        { config: plain, sealed, externalId: externalIdOf(type, record), status: 'active', statusReason: null },
      );
      return c === undefined ? undefined : this.view(c);
    } catch (err) {
      if (err instanceof ConnectionUniqueError) throw new ConnectionConflictError(type, externalIdOf(type, record));
      throw err;
    }
  }

  async setStatus(q: Queryable, tenantId: string, id: string, status: 'active' | 'error', reason: string | null): Promise<void> {
    await connectionStore.update(q, { tenantId, id }, { status, statusReason: reason });
  }

  async delete(q: Queryable, tenantId: string, id: string): Promise<boolean> {
    return (await connectionStore.remove(q, { tenantId, id, type: TYPES })) > 0;
  }
}
