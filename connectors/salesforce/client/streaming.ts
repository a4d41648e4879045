/**
 * Change Data Capture for one org over the Pub/Sub API (gRPC + Avro): one subscription per entity topic
 * (`/data/ContactChangeEvent`…), each resumed after its stored replay id, with flow control, reconnects,
 * stall detection and expired-replay reporting done by ./pubsub/client.
 *
 * This replaced jsforce's Streaming API (CometD) client, which stopped silently (a long poll that never
 * came back) and failed silently on an expired replay id (jsforce #1709): neither is observable there,
 * while Pub/Sub reports an expired replay id as an error with a code, sends keepalives a silent stream
 * can be told apart by, and lets the client pace delivery. No CometD path is kept.
 */
import { channelOf, type ChangeEventMessage } from './normalize';
import { PubSubClient, type FlowStats, type PubSubCredentials, type ReceivedEvent, type Subscription } from './pubsub/client';
import type { CdcEntity } from './version';

export interface ChangeStreamHandlers {
  /** Store the event durably, then persist its replay id. Events of one entity arrive one at a time, in order. */
  onEvent(entity: CdcEntity, message: ChangeEventMessage, replayId: Buffer): Promise<void>;
  /** The stored replay id was refused (past the 72 h retention): the entity now follows new events; fill the gap by query. */
  onReplayExpired(entity: CdcEntity, detail: string): Promise<void>;
  /** The entity's stream is caught up at `replayId` (a keepalive with nothing owed left): a position worth storing. */
  onCaughtUp?(entity: CdcEntity, replayId: Buffer): Promise<void>;
  /** The entity's stream went silent while events were owed; it is being subscribed again. */
  onStall?(entity: CdcEntity, idleMs: number): void;
  /** The entity's stream ended or failed transiently; it is subscribed again after `delayMs`. */
  onRetry?(entity: CdcEntity, reason: string, attempt: number, delayMs: number): void;
  /** Salesforce would not let this entity be followed (GetTopic refused, or the user may not subscribe); the others go on. */
  onTopicRefused?(entity: CdcEntity, reason: string): void;
  /** Authentication failed (token revoked or expired), handling an event failed, or Salesforce refused the subscription: restart or stop. */
  onFailure(reason: string, cause?: unknown, kind?: 'auth' | 'handler' | 'fatal'): void;
}

export interface ChangeStreamOptions {
  /** Pub/Sub API `host:port` (api.pubsub.salesforce.com:7443). */
  readonly endpoint: string;
  readonly tls: boolean;
  readonly credentials: () => Promise<PubSubCredentials>;
  /** Events requested at a time per entity (≤ 100). */
  readonly batchSize?: number;
  /** Silence while events are owed that counts as a stall (default 300 s). */
  readonly idleTimeoutMs?: number;
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
  /** GetTopic (the subscription check) not answered by then counts as failed (default 30 s). */
  readonly subscribeMs?: number;
  /** How long `stop()` waits for the event being stored before it returns anyway (default 5 s). */
  readonly stopMs?: number;
}

/** Resolves with `fallback` after `ms` unless `p` settles first (the timer never keeps the process alive). */
export function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** A decoded Pub/Sub change event in the shape the normaliser reads (the one CometD delivered). */
export function toChangeEventMessage(e: ReceivedEvent): ChangeEventMessage {
  return { schema: e.schemaId, payload: { ...e.fields, ChangeEventHeader: { ...e.header } }, event: { replayId: e.replayKey } };
}

export class ChangeStream {
  private readonly client: PubSubClient;
  private readonly subscriptions = new Map<CdcEntity, Subscription>();
  private stopped = false;

  constructor(
    private readonly o: ChangeStreamOptions,
    private readonly positions: ReadonlyMap<CdcEntity, Buffer | null>,
    private readonly handlers: ChangeStreamHandlers,
  ) {
    this.client = new PubSubClient({
      endpoint: o.endpoint,
      tls: o.tls,
      credentials: o.credentials,
      callTimeoutMs: o.subscribeMs ?? 30_000,
    });
  }

  /**
   * Checks each topic (GetTopic) and subscribes; resolves with the entities subscribed. A refused token
   * fails the whole start (one `onFailure`, kind auth); a topic refused for another reason only leaves
   * its entity out (`onTopicRefused`).
   */
  async start(): Promise<CdcEntity[]> {
    const entities = [...this.positions.keys()];
    let authFailure: { reason: string; cause: unknown } | undefined;
    const checked = await Promise.all(
      entities.map(async (entity) => {
        try {
          const topic = await this.client.getTopic(channelOf(entity));
          if (!topic.canSubscribe)
            this.handlers.onTopicRefused?.(
              entity,
              `the connected user may not subscribe to ${channelOf(entity)} (View All on ${entity} and its Change Data Capture selection are needed)`,
            );
          return topic.canSubscribe;
        } catch (err) {
          const e = err as { code?: number; details?: string; message?: string };
          const reason = `checking ${channelOf(entity)} failed: ${e.details ?? e.message ?? String(err)}`;
          if (e.code === 16) authFailure ??= { reason, cause: err };
          else this.handlers.onTopicRefused?.(entity, reason);
          return false;
        }
      }),
    );
    if (authFailure !== undefined) {
      this.handlers.onFailure(authFailure.reason, authFailure.cause, 'auth');
      return [];
    }
    const ok = entities.filter((_e, k) => checked[k] === true);
    if (this.stopped) return [];
    for (const entity of ok) {
      const replayId = this.positions.get(entity) ?? null;
      const sub = this.client.subscribe(
        channelOf(entity),
        {
          start: replayId === null ? { preset: 'LATEST' } : { preset: 'CUSTOM', replayId },
          ...(this.o.batchSize === undefined ? {} : { batchSize: this.o.batchSize }),
          ...(this.o.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: this.o.idleTimeoutMs }),
          ...(this.o.retryInitialMs === undefined ? {} : { retryInitialMs: this.o.retryInitialMs }),
          ...(this.o.retryMaxMs === undefined ? {} : { retryMaxMs: this.o.retryMaxMs }),
        },
        {
          onEvent: (e) => this.handlers.onEvent(entity, toChangeEventMessage(e), e.replayId),
          onReplayInvalid: (detail) => this.handlers.onReplayExpired(entity, detail),
          ...(this.handlers.onCaughtUp === undefined
            ? {}
            : { onCaughtUp: (id: Buffer) => this.handlers.onCaughtUp?.(entity, id) ?? Promise.resolve() }),
          onStall: (idleMs) => this.handlers.onStall?.(entity, idleMs),
          onRetry: (reason, attempt, delayMs) => this.handlers.onRetry?.(entity, reason, attempt, delayMs),
          onFailure: (kind, reason, cause) => this.handlers.onFailure(reason, cause, kind),
        },
      );
      this.subscriptions.set(entity, sub);
    }
    return ok;
  }

  /** Flow-control counters per entity (tests, status). */
  flow(): Map<CdcEntity, FlowStats> {
    return new Map([...this.subscriptions].map(([e, s]) => [e, s.flow()]));
  }

  /** Waits for the events already received to be handled. */
  async drain(): Promise<void> {
    await Promise.all([...this.subscriptions.values()].map((s) => s.drain()));
  }

  /** Cancels the subscriptions; waits at most `stopMs` for the event being stored (a hung store must not hang shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    const chains = [...this.subscriptions.values()].map((s) => {
      s.stop();
      return s.drain().catch(() => undefined);
    });
    await within(
      Promise.all(chains).then(() => undefined),
      this.o.stopMs ?? 5_000,
      undefined,
    );
    this.client.close();
  }
}
