/**
 * Follows each active org's Change Data Capture stream in exactly one process (a lease row renewed
 * while it runs; another process takes over when it lapses). Every event is stored through the same
 * ingest path as `POST /api/v1/events` and only then is its replay id persisted, so a restart resumes
 * after the last stored event. A replay id past the 72-hour retention makes Salesforce refuse the
 * subscription: the stream then subscribes for new events and re-synchronises by querying the records
 * modified since the last event it stored. Auth failures refresh the token (or mark the org disconnected).
 * Nothing here waits on Salesforce without a bound: a stream whose subscriptions are not confirmed in
 * time (an unreachable instance URL) is stopped and retried later, and `stop()` returns within its timeout.
 */
import { hostname } from 'node:os';
import { canonicalOf, CDC_ENTITIES, channelOf, changeEventToCanonical, ChangeStream, within, type CdcEntity, type ChangeEventMessage } from '../../connectors/salesforce';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import type { Database } from '../db/database';
import type { Logger } from '../observability/logger';
import { newToken } from '../security/ids';
import type { Installation, SalesforceInstallations } from './installations';

/** Fields read when re-synchronising by query (they exist in every org at API 66.0). */
const RESYNC_FIELDS: Readonly<Record<CdcEntity, readonly string[]>> = {
  Contact: ['Id', 'FirstName', 'LastName', 'Email', 'Phone', 'MobilePhone', 'Title', 'AccountId', 'SystemModstamp'],
  Lead: ['Id', 'FirstName', 'LastName', 'Email', 'Phone', 'MobilePhone', 'Company', 'Title', 'Status', 'SystemModstamp'],
  Account: ['Id', 'Name', 'Phone', 'SystemModstamp'],
  Opportunity: ['Id', 'Name', 'StageName', 'AccountId', 'ContactId', 'SystemModstamp'],
  Case: ['Id', 'Subject', 'Status', 'Priority', 'ContactId', 'SuppliedEmail', 'Description', 'SystemModstamp'],
};

export interface StreamManagerOptions {
  readonly db: Database;
  readonly logger: Logger;
  readonly installations: SalesforceInstallations;
  /** Stores canonical events for the tenant (the shared ingest path); resolves when they are durable. */
  readonly ingest: (tenantId: string, events: readonly CanonicalEvent[]) => Promise<void>;
  readonly leaseMs: number;
  /** How often leases are renewed and new installations picked up. */
  readonly pollMs: number;
  /** Wait before restarting a stream that failed. */
  readonly restartMs: number;
  /** Subscriptions not confirmed by then fail (default 30 s); starting a stream gives up a little later. */
  readonly subscribeTimeoutMs?: number;
  /** The longest `stop()` waits for a supervision round or a stream to finish (default 5 s each). */
  readonly stopTimeoutMs?: number;
}

interface Running {
  readonly installation: Installation;
  readonly stream: ChangeStream;
  readonly subscribed: CdcEntity[];
}

export class StreamManager {
  private readonly owner = `${hostname()}:${process.pid}:${newToken(4)}`;
  private readonly running = new Map<string, Running>();
  private readonly starting = new Set<string>();
  /** Streams being started (not yet confirmed): `stop()` stops them too. */
  private readonly pending = new Map<string, ChangeStream>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = true;
  private readonly subscribeMs: number;
  private readonly stopMs: number;

  constructor(private readonly o: StreamManagerOptions) {
    this.subscribeMs = o.subscribeTimeoutMs ?? 30_000;
    this.stopMs = o.stopTimeoutMs ?? 5_000;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.ticking
        .then(() => this.tick())
        .catch((err: unknown) => this.o.logger.warn({ err }, 'Salesforce stream supervision failed; will try again'))
        .finally(() => this.schedule(this.o.pollMs));
    }, ms);
    this.timer.unref();
  }

  /** Picks up new installations now (after an install in this process); waits at most `waitMs` for it. */
  async poke(waitMs = this.subscribeMs + this.stopMs): Promise<void> {
    const round = this.ticking.then(() => this.tick());
    this.ticking = round.catch((err: unknown) => this.o.logger.warn({ err }, 'Salesforce stream supervision failed; will try again'));
    await within(round, waitMs, undefined);
  }

  /** Streams this process follows, with their subscribed entities (tests, readiness). */
  status(): { orgId: string; entities: CdcEntity[] }[] {
    return [...this.running.values()].map((r) => ({ orgId: r.installation.orgId, entities: r.subscribed }));
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const active = await this.o.installations.allActive();
    const ids = new Set(active.map((i) => i.connectionId));
    for (const [id, r] of this.running) {
      if (!ids.has(id) || !(await this.renewLease(r.installation))) await this.stopOne(id);
    }
    for (const i of active) {
      if (this.running.has(i.connectionId) || this.starting.has(i.connectionId)) continue;
      if (!(await this.acquireLease(i))) continue;
      this.starting.add(i.connectionId);
      try {
        // Bounded even if Salesforce never answers: the stream is then stopped and retried next round.
        const started = await within(this.startOne(i).then(() => true), this.subscribeMs + this.stopMs, false);
        if (!started) throw new Error(`the change stream did not start within ${this.subscribeMs + this.stopMs} ms (is ${i.instanceUrl} reachable?)`);
      } catch (err) {
        this.o.logger.warn({ err, orgId: i.orgId }, 'could not start the Salesforce change stream; will retry');
        await this.pending.get(i.connectionId)?.stop();
        this.pending.delete(i.connectionId);
        await this.releaseLease(i);
      } finally {
        this.starting.delete(i.connectionId);
      }
    }
  }

  private async acquireLease(i: Installation): Promise<boolean> {
    const r = await this.o.db.query(
      `INSERT INTO salesforce_stream_leases (tenant_id, connection_id, owner, expires_at) VALUES ($1, $2, $3, now() + ($4 || ' milliseconds')::interval)
       ON CONFLICT (tenant_id, connection_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
         WHERE salesforce_stream_leases.owner = EXCLUDED.owner OR salesforce_stream_leases.expires_at < now()
       RETURNING owner`,
      [i.tenantId, i.connectionId, this.owner, String(this.o.leaseMs)],
    );
    return r.rows.length > 0;
  }

  private async renewLease(i: Installation): Promise<boolean> {
    const r = await this.o.db.query(
      `UPDATE salesforce_stream_leases SET expires_at = now() + ($4 || ' milliseconds')::interval WHERE tenant_id = $1 AND connection_id = $2 AND owner = $3`,
      [i.tenantId, i.connectionId, this.owner, String(this.o.leaseMs)],
    );
    return r.rowCount > 0;
  }

  private async releaseLease(i: Installation): Promise<void> {
    await this.o.db.query('DELETE FROM salesforce_stream_leases WHERE tenant_id = $1 AND connection_id = $2 AND owner = $3', [i.tenantId, i.connectionId, this.owner]);
  }

  private async positions(i: Installation): Promise<Map<string, { replayId: number | null; lastEventAt: string | null }>> {
    const r = await this.o.db.query<{ channel: string; replay_id: string | number | null; last_event_at: Date | string | null }>(
      'SELECT channel, replay_id, last_event_at FROM salesforce_stream_positions WHERE tenant_id = $1 AND connection_id = $2',
      [i.tenantId, i.connectionId],
    );
    return new Map(r.rows.map((row) => [row.channel, { replayId: row.replay_id === null ? null : Number(row.replay_id), lastEventAt: row.last_event_at === null ? null : new Date(row.last_event_at).toISOString() }]));
  }

  /** `replayId` undefined keeps the stored one (a resync running beside the live stream must not erase it). */
  private async savePosition(i: Installation, entity: CdcEntity, replayId: number | null | undefined, lastEventAt: string | null): Promise<void> {
    await this.o.db.query(
      `INSERT INTO salesforce_stream_positions (tenant_id, connection_id, channel, replay_id, last_event_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, connection_id, channel) DO UPDATE SET replay_id = CASE WHEN $6 THEN salesforce_stream_positions.replay_id ELSE EXCLUDED.replay_id END,
         last_event_at = greatest(salesforce_stream_positions.last_event_at, EXCLUDED.last_event_at), updated_at = now()`,
      [i.tenantId, i.connectionId, channelOf(entity), replayId ?? null, lastEventAt, replayId === undefined],
    );
  }

  private async startOne(i: Installation): Promise<void> {
    const client = await this.o.installations.client(i);
    const stored = await this.positions(i);
    const start = new Map<CdcEntity, number>();
    const resync: CdcEntity[] = [];
    for (const entity of CDC_ENTITIES) {
      const p = stored.get(channelOf(entity));
      // No known position: take new events and fill the gap since the last stored one (or the install) by query.
      if (p?.replayId === null || p?.replayId === undefined) resync.push(entity);
      start.set(entity, p?.replayId ?? -1);
    }
    let stream: ChangeStream | undefined = undefined;
    const timeouts = { subscribeMs: this.subscribeMs, stopMs: this.stopMs };
    stream = new ChangeStream(client, start, {
      onEvent: async (entity, message) => this.onEvent(i, entity, message),
      onReplayExpired: async (entity) => {
        this.o.logger.warn({ orgId: i.orgId, entity }, 'stored CDC replay id expired (past 72 h retention): re-synchronising by query');
        await this.resync(i, entity, stored.get(channelOf(entity))?.lastEventAt ?? i.installedAt, true);
      },
      onFailure: (reason, cause) => {
        this.o.logger.warn({ orgId: i.orgId, reason, err: cause }, 'Salesforce change stream stopped');
        void this.recover(i, stream, /authentication/i.test(reason));
      },
    }, timeouts);
    this.pending.set(i.connectionId, stream);
    const subscribed = await stream.start();
    // Given up on meanwhile (timeout or stop): this stream was stopped by whoever gave up.
    if (this.pending.get(i.connectionId) !== stream) return;
    this.pending.delete(i.connectionId);
    if (this.stopped || subscribed.length === 0) {
      await stream.stop();
      if (!this.stopped) throw new Error('Salesforce confirmed none of the change event subscriptions');
      return;
    }
    this.running.set(i.connectionId, { installation: i, stream, subscribed });
    this.o.logger.info({ orgId: i.orgId, entities: subscribed }, 'following Salesforce change events');
    // Filling the gap may take long on a big org: beside the live stream, not inside the bounded start.
    const live = stream;
    void (async () => {
      for (const entity of resync) {
        if (this.running.get(i.connectionId)?.stream !== live) return;
        await this.resync(i, entity, stored.get(channelOf(entity))?.lastEventAt ?? i.installedAt, false);
      }
    })().catch((err: unknown) => {
      if (this.stopped || this.running.get(i.connectionId)?.stream !== live) return;
      this.o.logger.warn({ err, orgId: i.orgId }, 'Salesforce re-synchronisation by query failed; restarting the stream');
      void this.recover(i, live, false);
    });
  }

  private async onEvent(i: Installation, entity: CdcEntity, message: ChangeEventMessage): Promise<void> {
    const events = changeEventToCanonical(i.orgId, message, await this.namespaceOf(i));
    if (events.length > 0) await this.o.ingest(i.tenantId, events);
    const at = new Date(message.payload.ChangeEventHeader.commitTimestamp).toISOString();
    await this.savePosition(i, entity, message.event.replayId, at);
  }

  /** The org's package namespace as last discovered (no API call; '' until known). */
  private async namespaceOf(i: Installation): Promise<string> {
    return (await this.o.installations.storedPackage(i))?.namespace ?? '';
  }

  /** Re-reads records modified since `since` and stores them as events; then the position is "new events only". */
  private async resync(i: Installation, entity: CdcEntity, since: string, expired: boolean): Promise<void> {
    const client = await this.o.installations.client(i);
    const fields = RESYNC_FIELDS[entity];
    const rows = await client.query<Record<string, unknown> & { Id: string; SystemModstamp: string }>(
      `SELECT ${fields.join(', ')} FROM ${entity} WHERE SystemModstamp > ${new Date(since).toISOString()} ORDER BY SystemModstamp LIMIT 10000`,
    );
    const namespace = await this.namespaceOf(i);
    const events = rows.map((row) => canonicalOf({ namespace, orgId: i.orgId, entity, recordId: row.Id, change: 'updated', occurredAt: new Date(row.SystemModstamp).toISOString(), fields: row, sourceEventId: `sync:${entity}:${row.Id}:${row.SystemModstamp}`, via: 'resync' }));
    for (let k = 0; k < events.length; k += 100) await this.o.ingest(i.tenantId, events.slice(k, k + 100));
    const last = rows.at(-1)?.SystemModstamp;
    await this.savePosition(i, entity, expired ? null : undefined, last === undefined ? null : new Date(last).toISOString());
  }

  /** After a failure: renew the token (auth failure; a revoked org ends disconnected) and restart from the stored position. */
  private async recover(i: Installation, stream: ChangeStream | undefined, authFailed: boolean): Promise<void> {
    const current = this.running.get(i.connectionId);
    if (current !== undefined && current.stream === stream) this.running.delete(i.connectionId);
    await stream?.stop().catch(() => undefined);
    if (authFailed) {
      await this.o.installations.refreshNow(i).catch((err: unknown) => this.o.logger.warn({ err, orgId: i.orgId }, 'Salesforce token renewal after a stream auth failure did not succeed'));
    }
    this.o.installations.forget(i.connectionId);
    await this.releaseLease(i).catch(() => undefined);
    if (!this.stopped) setTimeout(() => void this.poke().catch(() => undefined), this.o.restartMs).unref();
  }

  private async stopOne(connectionId: string): Promise<void> {
    const r = this.running.get(connectionId);
    this.running.delete(connectionId);
    if (r === undefined) return;
    await r.stream.stop();
    await this.releaseLease(r.installation).catch(() => undefined);
  }

  /** Stops every stream; returns within about twice `stopTimeoutMs` whatever Salesforce does. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    // Streams still subscribing give up now, so the round starting them can finish.
    for (const [id, stream] of [...this.pending]) {
      this.pending.delete(id);
      await stream.stop();
    }
    await within(this.ticking.catch(() => undefined), this.stopMs, undefined);
    await Promise.all([...this.running.keys()].map((id) => this.stopOne(id)));
  }

  /** Stops following one connection now (disconnect); true when this process was following it. */
  async stopConnection(connectionId: string): Promise<boolean> {
    const pending = this.pending.get(connectionId);
    this.pending.delete(connectionId);
    await pending?.stop();
    const was = this.running.has(connectionId);
    await this.stopOne(connectionId);
    return was || pending !== undefined;
  }
}
