import { StreamingExtension } from 'jsforce/lib/api/streaming';
import type { SalesforceClient } from './client';
import { channelOf, type ChangeEventMessage } from './normalize';
import type { CdcEntity } from './version';

/** The parts of a Faye client and subscription Baton uses (faye ships no types). */
interface FayeSubscription {
  callback(fn: () => void): void;
  errback(fn: (err: { code?: number | null; message?: string } | string) => void): void;
  cancel(): void;
}
interface FayeClient {
  subscribe(channel: string, onMessage: (message: unknown) => void): FayeSubscription;
  /** A Faye Publication (thenable) when connected; nothing otherwise. */
  disconnect(): { then?(ok: () => void, failed: () => void): void } | undefined;
  /** Faye internals (jsforce reaches `_dispatcher` too): used to end a client that never connected. */
  _advice?: { reconnect?: string };
  _dispatcher?: { close(): void };
}

/**
 * Ends a Faye client that is still handshaking (an unreachable instance): `disconnect()` ignores it, and
 * it would retry the handshake forever. `reconnect: none` stops the retries; closing the dispatcher drops
 * its transport, so pending messages are not sent again.
 */
function abandon(client: FayeClient): void {
  if (client._advice !== undefined) client._advice.reconnect = 'none';
  client._dispatcher?.close();
}

export interface ChangeStreamHandlers {
  /** Store the event durably, then persist its replay id. Events of one stream arrive one at a time. */
  onEvent(entity: CdcEntity, message: ChangeEventMessage): Promise<void>;
  /** The stored replay id is no longer retained (72 h): the caller re-synchronises by query. */
  onReplayExpired(entity: CdcEntity): Promise<void>;
  /** Authentication failed (token revoked or expired) or handling an event failed: restart or stop. */
  onFailure(reason: string, cause?: unknown): void;
}

/** Salesforce refuses an expired replay id with `400::The replayId {n} you provided was invalid...` (Faye splits code and message). */
const EXPIRED_REPLAY = /replayId .*(invalid|not valid)/i;

interface BayeuxMessage {
  channel?: string;
  ext?: Record<string, unknown>;
  data?: { event?: { replayId?: number } };
}

/**
 * The replay extension for several channels on one client. jsforce's StreamingExtension.Replay handles
 * one channel, and several instances overwrite each other's `ext.replay` map on /meta/subscribe (only
 * the last channel would resume), so this one keeps channel → replay id for all of them.
 */
export class MultiChannelReplay {
  private readonly replay: Map<string, number>;

  constructor(initial: ReadonlyMap<string, number>) {
    this.replay = new Map(initial);
  }

  set(channel: string, replayId: number): void {
    this.replay.set(channel, replayId);
  }

  incoming(message: BayeuxMessage, callback: (m: BayeuxMessage) => void): void {
    const id = message.data?.event?.replayId;
    if (message.channel !== undefined && typeof id === 'number' && this.replay.has(message.channel)) this.replay.set(message.channel, id);
    callback(message);
  }

  outgoing(message: BayeuxMessage, callback: (m: BayeuxMessage) => void): void {
    if (message.channel === '/meta/subscribe') message.ext = { ...(message.ext ?? {}), replay: Object.fromEntries(this.replay) };
    callback(message);
  }
}

/**
 * Change Data Capture over the Streaming API (CometD, through jsforce's Faye client) for one org: one
 * channel per entity, each resumed from its stored replay id via the Replay extension; auth failures
 * (advice.reconnect = none) reported through the AuthFailure extension. Messages are handled strictly
 * in order, so a replay id is persisted only after everything before it was stored.
 */
export interface ChangeStreamTimeouts {
  /** A subscription Salesforce has not confirmed by then counts as failed (an unreachable instance never answers). */
  readonly subscribeMs?: number;
  /** How long `stop()` waits for the event being stored before it returns anyway. */
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

export class ChangeStream {
  private client: FayeClient | undefined;
  private readonly subscriptions: FayeSubscription[] = [];
  /** Subscriptions awaiting Salesforce's answer; `stop()` settles them (as not subscribed). */
  private readonly waiting = new Set<(ok: boolean) => void>();
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly subscribeMs: number;
  private readonly stopMs: number;

  constructor(private readonly sf: SalesforceClient, private readonly positions: ReadonlyMap<CdcEntity, number>, private readonly handlers: ChangeStreamHandlers, timeouts: ChangeStreamTimeouts = {}) {
    this.subscribeMs = timeouts.subscribeMs ?? 30_000;
    this.stopMs = timeouts.stopMs ?? 5_000;
  }

  /** Subscribes every entity; resolves with the entities whose subscription succeeded. */
  async start(): Promise<CdcEntity[]> {
    const entities = [...this.positions.keys()];
    const replay = new MultiChannelReplay(new Map(entities.map((e) => [channelOf(e), this.positions.get(e) ?? -1])));
    const auth = new StreamingExtension.AuthFailure((message: unknown) => {
      const reason = (message as { ext?: { sfdc?: { failureReason?: string } }; error?: string }).ext?.sfdc?.failureReason ?? (message as { error?: string }).error ?? 'authentication failed';
      this.handlers.onFailure(`streaming authentication failed: ${reason}`);
    });
    this.client = this.sf.conn.streaming.createClient([auth, replay]) as unknown as FayeClient;
    const results = await Promise.all(entities.map((entity) => this.subscribe(entity, replay)));
    return entities.filter((_e, i) => results[i] === true);
  }

  private subscribe(entity: CdcEntity, replay: MultiChannelReplay): Promise<boolean> {
    const client = this.client;
    if (client === undefined || this.stopped) return Promise.resolve(false);
    let settle: (ok: boolean) => void = () => undefined;
    const answered = new Promise<boolean>((resolve) => {
      settle = (ok) => {
        this.waiting.delete(settle);
        resolve(ok);
      };
    });
    this.waiting.add(settle);
    // Salesforce never answering (unreachable instance) counts as a failed subscription.
    const timer = setTimeout(() => settle(false), this.subscribeMs);
    timer.unref();
    const sub = client.subscribe(channelOf(entity), (message) => this.enqueue(entity, message as ChangeEventMessage));
    this.subscriptions.push(sub);
    sub.callback(() => settle(true));
    sub.errback((err) => {
      const text = typeof err === 'string' ? err : `${err.code ?? ''}::${err.message ?? ''}`;
      if (EXPIRED_REPLAY.test(text)) {
        // Resubscribe for new events first, then fill the gap by query.
        replay.set(channelOf(entity), -1);
        this.chain = this.chain.then(() => this.handlers.onReplayExpired(entity));
        this.subscribe(entity, replay).then(settle, () => settle(false));
        return;
      }
      this.handlers.onFailure(`subscribing to ${channelOf(entity)} failed: ${text}`);
      settle(false);
    });
    return answered.finally(() => clearTimeout(timer));
  }

  private enqueue(entity: CdcEntity, message: ChangeEventMessage): void {
    this.chain = this.chain.then(async () => {
      if (this.stopped) return;
      try {
        await this.handlers.onEvent(entity, message);
      } catch (err) {
        // Not stored: stop here so the replay id stays before this event, and let the owner restart.
        this.stopped = true;
        this.handlers.onFailure(`storing a ${entity} change event failed`, err);
      }
    });
  }

  /** Waits for the events already received to be handled. */
  drain(): Promise<void> {
    return this.chain;
  }

  /** Disconnects; waits at most `stopMs` for the event being stored (a hung store must not hang shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const settle of [...this.waiting]) settle(false);
    for (const s of this.subscriptions) {
      try {
        s.cancel();
      } catch {
        // the client is already gone
      }
    }
    // Wait (bounded) for Salesforce to confirm the disconnect: Faye closes its transport only then, and
    // until it does its retry timers keep the process alive.
    const client = this.client;
    const disconnected = new Promise<void>((resolve) => {
      if (client === undefined) return resolve();
      try {
        const publication = client.disconnect();
        if (publication?.then !== undefined) return publication.then(resolve, resolve);
        abandon(client); // never connected: nothing to disconnect, but it must stop retrying
      } catch {
        // already gone
      }
      resolve();
    });
    await within(Promise.all([disconnected, this.chain.catch(() => undefined)]).then(() => undefined), this.stopMs, undefined);
  }
}
