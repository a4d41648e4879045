/**
 * Follows each active org's Change Data Capture events over the Pub/Sub API in exactly one process (a
 * lease row renewed while it runs; another process takes over when it lapses). Every event is stored
 * through the same ingest path as `POST /api/v1/events` and only then is its replay id persisted, so a
 * restart resumes after the last stored event (no gap, no duplicate). A stored replay id past the 72-hour
 * retention is refused by Salesforce: the entity then follows new events (LATEST) and its gap is filled
 * by querying the records modified since the last stored event's commit time, before any new event is
 * handled. A stream that goes silent (no events, no keepalive while events are owed) is counted (metric
 * `baton_salesforce_stream_stalls_total`), logged, recorded on its position row (shown by
 * `GET /api/v1/salesforce/stream`) and subscribed again from its position. Auth failures refresh the
 * token (or mark the org disconnected). Nothing waits on Salesforce without a bound: a stream whose
 * topics are not confirmed in time is stopped and retried later, and `stop()` returns within its timeout.
 */
import { hostname } from 'node:os';
import { Counter, type Registry } from 'prom-client';
import {
  canonicalOf,
  CDC_ENTITIES,
  personFactFields,
  channelOf,
  changeEventToCanonical,
  ChangeStream,
  within,
  type CdcEntity,
  type ChangeEventMessage,
  type FlowStats,
} from './client';
import type { CanonicalEvent } from '../../app/events/canonical-event';
import { type Database, type Logger, newToken } from '../../server/platform';
import type { Installation, SalesforceInstallations } from './installations';
import { acquireStreamLease, releaseStreamLease, renewStreamLease } from './stream-leases.repository';
import { notePositionTrouble, savePosition, storedPositions } from './stream-positions.repository';
import { systemClock } from '../../app/shared/clock';

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
  /** Pub/Sub API `host:port` and TLS (plaintext only for a local test server). */
  readonly pubsubEndpoint: string;
  readonly pubsubTls: boolean;
  /** Events requested at a time per entity (≤ 100; default 100). */
  readonly batchSize?: number;
  /** Silence while events are owed that counts as a stall (default 300 s; Salesforce keeps alive every ≤ 270 s). */
  readonly idleTimeoutMs?: number;
  /** First wait before subscribing again after a stream ended or failed transiently (doubles up to 30 s; default 500 ms). */
  readonly retryInitialMs?: number;
  /** Records read per query when filling a gap (default 2000). */
  readonly resyncPageSize?: number;
  /** Where the stream counters are registered (the service's metrics registry). */
  readonly registry?: Registry;
}

/** What this process knows about one entity's stream (in memory; the position row has the durable part). */
export interface EntityHealth {
  readonly entity: CdcEntity;
  state: 'live' | 'retrying' | 'resyncing';
  lastHeardAt: string | null;
  stalls: number;
  retries: number;
  expiredReplays: number;
  lastProblem: string | null;
}

interface Running {
  readonly installation: Installation;
  readonly stream: ChangeStream;
  readonly subscribed: CdcEntity[];
  readonly health: Map<CdcEntity, EntityHealth>;
}

/** Counters for stream trouble; one set per registry (a service builds its own registry). */
const countersOf = new WeakMap<Registry, { stalls: Counter<'entity'>; expired: Counter<'entity'>; retries: Counter<'entity'> }>();
function streamCounters(
  registry: Registry | undefined,
): { stalls: Counter<'entity'>; expired: Counter<'entity'>; retries: Counter<'entity'> } | undefined {
  if (registry === undefined) return undefined;
  let c = countersOf.get(registry);
  if (c === undefined) {
    c = {
      stalls: new Counter({
        name: 'baton_salesforce_stream_stalls_total',
        help: 'Salesforce change event streams that went silent (no events, no keepalive while events were owed) and were subscribed again',
        labelNames: ['entity'] as const,
        registers: [registry],
      }),
      expired: new Counter({
        name: 'baton_salesforce_stream_replay_expired_total',
        help: 'Stored Salesforce replay ids refused as expired or invalid (gap filled by query)',
        labelNames: ['entity'] as const,
        registers: [registry],
      }),
      retries: new Counter({
        name: 'baton_salesforce_stream_retries_total',
        help: 'Salesforce change event streams that ended or failed transiently and were subscribed again',
        labelNames: ['entity'] as const,
        registers: [registry],
      }),
    };
    countersOf.set(registry, c);
  }
  return c;
}

/** A SOQL dateTime literal (documented format, whole seconds). */
const soqlTime = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const asBuffer = (v: unknown): Buffer | null =>
  v === null || v === undefined ? null : Buffer.isBuffer(v) ? v : v instanceof Uint8Array ? Buffer.from(v) : null;

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
  private readonly counters: ReturnType<typeof streamCounters>;

  constructor(private readonly o: StreamManagerOptions) {
    this.subscribeMs = o.subscribeTimeoutMs ?? 30_000;
    this.stopMs = o.stopTimeoutMs ?? 5_000;
    this.counters = streamCounters(o.registry);
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

  /** Streams this process follows: subscribed entities, each one's health and flow-control counters (tests, status). */
  status(): {
    tenantId: string;
    connectionId: string;
    orgId: string;
    entities: CdcEntity[];
    health: EntityHealth[];
    flow: Partial<Record<CdcEntity, FlowStats>>;
  }[] {
    return [...this.running.values()].map((r) => ({
      tenantId: r.installation.tenantId,
      connectionId: r.installation.connectionId,
      orgId: r.installation.orgId,
      entities: r.subscribed,
      health: [...r.health.values()].map((h) => ({ ...h })),
      flow: Object.fromEntries(r.stream.flow()),
    }));
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
        const started = await within(
          this.startOne(i).then(() => true),
          this.subscribeMs + this.stopMs,
          false,
        );
        if (!started)
          throw new Error(`the change stream did not start within ${this.subscribeMs + this.stopMs} ms (is ${i.instanceUrl} reachable?)`);
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
    return acquireStreamLease(this.o.db, i.tenantId, i.connectionId, this.owner, this.o.leaseMs);
  }

  private async renewLease(i: Installation): Promise<boolean> {
    return renewStreamLease(this.o.db, i.tenantId, i.connectionId, this.owner, this.o.leaseMs);
  }

  private async releaseLease(i: Installation): Promise<void> {
    await releaseStreamLease(this.o.db, i.tenantId, i.connectionId, this.owner);
  }

  private async positions(i: Installation): Promise<Map<string, { replayId: Buffer | null; lastEventAt: string | null }>> {
    const rows = await storedPositions(this.o.db, i.tenantId, i.connectionId);
    return new Map(
      rows.map((row) => [
        row.channel,
        { replayId: asBuffer(row.replay_id), lastEventAt: row.last_event_at === null ? null : new Date(row.last_event_at).toISOString() },
      ]),
    );
  }

  /**
   * `replayId` undefined keeps the stored one (a resync running beside the live stream must not erase it);
   * `lastEventAt` null keeps the stored time (a keepalive position carries none).
   */
  private async savePosition(
    i: Installation,
    entity: CdcEntity,
    replayId: Buffer | null | undefined,
    lastEventAt: string | null,
  ): Promise<void> {
    await savePosition(this.o.db, i.tenantId, i.connectionId, channelOf(entity), replayId, lastEventAt);
  }

  /** Records trouble on the entity's position row (visible through the API from any process). */
  private async noteTrouble(
    i: Installation,
    entity: CdcEntity,
    kind: 'stall' | 'expired' | 'resynced' | 'problem',
    problem: string | null,
  ): Promise<void> {
    await notePositionTrouble(this.o.db, i.tenantId, i.connectionId, channelOf(entity), kind, problem, systemClock.now());
  }

  private async startOne(i: Installation): Promise<void> {
    // Fails fast (DisconnectedError) when the installation is no longer active.
    await this.o.installations.client(i);
    const stored = await this.positions(i);
    const start = new Map<CdcEntity, Buffer | null>();
    const resync: CdcEntity[] = [];
    for (const entity of CDC_ENTITIES) {
      const replayId = stored.get(channelOf(entity))?.replayId ?? null;
      // No known position: take new events and fill the gap since the last stored one (or the install) by query.
      if (replayId === null) resync.push(entity);
      start.set(entity, replayId);
    }
    const health = new Map<CdcEntity, EntityHealth>(
      CDC_ENTITIES.map((entity) => [
        entity,
        { entity, state: 'live', lastHeardAt: null, stalls: 0, retries: 0, expiredReplays: 0, lastProblem: null },
      ]),
    );
    const h = (entity: CdcEntity): EntityHealth => health.get(entity) as EntityHealth;
    let stream: ChangeStream | undefined = undefined;
    stream = new ChangeStream(
      {
        endpoint: this.o.pubsubEndpoint,
        tls: this.o.pubsubTls,
        credentials: async () => {
          const t = await this.o.installations.tokens(i);
          if (t === undefined) throw new Error('the Salesforce connection has no tokens (disconnected)');
          return { accessToken: t.accessToken, instanceUrl: t.instanceUrl || i.instanceUrl, tenantId: i.orgId };
        },
        subscribeMs: this.subscribeMs,
        stopMs: this.stopMs,
        ...(this.o.batchSize === undefined ? {} : { batchSize: this.o.batchSize }),
        ...(this.o.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: this.o.idleTimeoutMs }),
        ...(this.o.retryInitialMs === undefined ? {} : { retryInitialMs: this.o.retryInitialMs }),
      },
      start,
      {
        onEvent: async (entity, message, replayId) => {
          h(entity).state = 'live';
          h(entity).lastHeardAt = new Date(systemClock.now()).toISOString();
          await this.onEvent(i, entity, message, replayId);
        },
        onCaughtUp: async (entity, replayId) => {
          h(entity).state = 'live';
          h(entity).lastHeardAt = new Date(systemClock.now()).toISOString();
          // Keeps a quiet entity's position inside the retention window (no needless resync after 72 h).
          // Best effort: not stored, the position stays at the last event (still correct, only older).
          await this.savePosition(i, entity, replayId, null).catch((err: unknown) =>
            this.o.logger.warn({ err, orgId: i.orgId, entity }, 'could not store a caught-up CDC position; keeping the previous one'),
          );
        },
        onTopicRefused: (entity, reason) => {
          h(entity).lastProblem = reason;
          this.o.logger.warn(
            { orgId: i.orgId, entity, reason },
            'Salesforce refused a change event topic; following the other objects (retried when the stream restarts)',
          );
          void this.noteTrouble(i, entity, 'problem', reason).catch((err: unknown) =>
            this.o.logger.warn({ err, orgId: i.orgId }, 'could not record a refused topic'),
          );
        },
        onReplayExpired: async (entity, detail) => {
          h(entity).state = 'resyncing';
          h(entity).expiredReplays += 1;
          h(entity).lastProblem = `replay id refused: ${detail}`;
          this.counters?.expired.inc({ entity });
          this.o.logger.warn(
            { orgId: i.orgId, entity, detail },
            'stored CDC replay id refused (expired past the 72 h retention, or invalid): following new events and re-synchronising by query',
          );
          await this.noteTrouble(i, entity, 'expired', h(entity).lastProblem);
          // Read now: events stored since this stream started moved the position on.
          const since = (await this.positions(i)).get(channelOf(entity))?.lastEventAt ?? i.installedAt;
          await this.resync(i, entity, since, true);
          h(entity).state = 'live';
        },
        onStall: (entity, idleMs) => {
          h(entity).stalls += 1;
          h(entity).state = 'retrying';
          h(entity).lastProblem = `silent for ${idleMs} ms while events were owed (no events, no keepalive)`;
          this.counters?.stalls.inc({ entity });
          this.o.logger.warn(
            { orgId: i.orgId, entity, idleMs },
            'Salesforce change event stream went silent; subscribing again from the stored position',
          );
          void this.noteTrouble(i, entity, 'stall', h(entity).lastProblem).catch((err: unknown) =>
            this.o.logger.warn({ err, orgId: i.orgId }, 'could not record a stream stall'),
          );
        },
        onRetry: (entity, reason, attempt, delayMs) => {
          h(entity).retries += 1;
          h(entity).state = 'retrying';
          this.counters?.retries.inc({ entity });
          this.o.logger.info(
            { orgId: i.orgId, entity, reason, attempt, delayMs },
            'Salesforce change event stream ended; subscribing again',
          );
        },
        onFailure: (reason, cause, kind) => {
          this.o.logger.warn({ orgId: i.orgId, reason, err: cause }, 'Salesforce change stream stopped');
          void this.recover(i, stream, kind === 'auth');
        },
      },
    );
    this.pending.set(i.connectionId, stream);
    const subscribed = await stream.start();
    // Given up on meanwhile (timeout or stop): this stream was stopped by whoever gave up.
    if (this.pending.get(i.connectionId) !== stream) return;
    this.pending.delete(i.connectionId);
    if (this.stopped || subscribed.length === 0) {
      await stream.stop();
      if (!this.stopped) throw new Error('Salesforce confirmed none of the change event topics');
      return;
    }
    this.running.set(i.connectionId, { installation: i, stream, subscribed, health });
    this.o.logger.info({ orgId: i.orgId, entities: subscribed }, 'following Salesforce change events (Pub/Sub API)');
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

  private async onEvent(i: Installation, entity: CdcEntity, message: ChangeEventMessage, replayId: Buffer): Promise<void> {
    const events = changeEventToCanonical(i.orgId, message, await this.namespaceOf(i));
    if (events.length > 0) await this.o.ingest(i.tenantId, events);
    const at = new Date(message.payload.ChangeEventHeader.commitTimestamp).toISOString();
    await this.savePosition(i, entity, replayId, at);
  }

  /** The org's package namespace as last discovered (no API call; '' until known). */
  private async namespaceOf(i: Installation): Promise<string> {
    return (await this.o.installations.storedPackage(i))?.namespace ?? '';
  }

  /**
   * Re-reads records modified at or after `since` (the last stored event's commit time: a change in the
   * same instant is read again rather than missed; the event ids differ from CDC ones and repeat only for
   * the same record version, which ingest keeps once) and stores them as events, page by page in
   * SystemModstamp order, so a gap of any size is filled (a full page within one instant is read whole
   * with an equality query, then the paging goes past that instant). Each page is stored and the
   * position's time moved on before the next is read. `expired`: the replay id is cleared, so the position
   * is "new events only" until the next event stores one.
   */
  private async resync(i: Installation, entity: CdcEntity, since: string, expired: boolean): Promise<void> {
    const client = await this.o.installations.client(i);
    const namespace = await this.namespaceOf(i);
    const page = this.o.resyncPageSize ?? 2_000;
    // Contacts and leads also carry the person facts (opt-outs, address, the org's time-zone field).
    const fields =
      entity === 'Contact' || entity === 'Lead'
        ? [...new Set([...RESYNC_FIELDS[entity], ...personFactFields(entity, i.timeZoneField)])]
        : RESYNC_FIELDS[entity];
    const select = `SELECT ${fields.join(', ')} FROM ${entity}`;
    type Row = Record<string, unknown> & { Id: string; SystemModstamp: string };
    const store = async (rows: readonly Row[]): Promise<void> => {
      const events = rows.map((row) =>
        canonicalOf({
          namespace,
          orgId: i.orgId,
          entity,
          recordId: row.Id,
          change: 'updated',
          occurredAt: new Date(row.SystemModstamp).toISOString(),
          fields: row,
          sourceEventId: `sync:${entity}:${row.Id}:${row.SystemModstamp}`,
          via: 'resync',
        }),
      );
      for (let k = 0; k < events.length; k += 100) await this.o.ingest(i.tenantId, events.slice(k, k + 100));
      const last = rows.at(-1)?.SystemModstamp;
      await this.savePosition(i, entity, expired ? null : undefined, last === undefined ? null : new Date(last).toISOString());
    };
    // SOQL dateTime literals are documented to the second (YYYY-MM-DDThh:mm:ssZ): pages start at whole
    // seconds, rounded down, so a boundary is read twice rather than skipped.
    let from = Math.floor(Date.parse(since) / 1000) * 1000;
    let total = 0;
    for (;;) {
      const rows = await client.query<Row>(`${select} WHERE SystemModstamp >= ${soqlTime(from)} ORDER BY SystemModstamp LIMIT ${page}`);
      await store(rows);
      total += rows.length;
      if (rows.length < page) break;
      const last = Math.floor(Date.parse(rows.at(-1)?.SystemModstamp ?? '') / 1000) * 1000;
      if (!Number.isFinite(last) || last <= from) {
        // A full page within one second: read that second whole, then page on after it.
        const same = await client.query<Row>(
          `${select} WHERE SystemModstamp >= ${soqlTime(from)} AND SystemModstamp < ${soqlTime(from + 1000)} ORDER BY SystemModstamp`,
        );
        await store(same);
        total += same.length;
        from += 1000;
        continue;
      }
      from = last;
    }
    await this.noteTrouble(i, entity, 'resynced', null);
    this.o.logger.info({ orgId: i.orgId, entity, since, records: total }, 'Salesforce records re-synchronised by query');
  }

  /** After a failure: renew the token (auth failure; a revoked org ends disconnected) and restart from the stored position. */
  private async recover(i: Installation, stream: ChangeStream | undefined, authFailed: boolean): Promise<void> {
    const current = this.running.get(i.connectionId);
    if (current !== undefined && current.stream === stream) this.running.delete(i.connectionId);
    await stream?.stop().catch(() => undefined);
    if (authFailed) {
      await this.o.installations
        .refreshNow(i)
        .catch((err: unknown) =>
          this.o.logger.warn({ err, orgId: i.orgId }, 'Salesforce token renewal after a stream auth failure did not succeed'),
        );
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
    await within(
      this.ticking.catch(() => undefined),
      this.stopMs,
      undefined,
    );
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
