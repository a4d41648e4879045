/**
 * A client of Salesforce's Pub/Sub API (gRPC, `eventbus.v1.PubSub` from the published proto) for change
 * events: GetTopic, GetSchema (cached by schema id) and Subscribe with pull-based flow control.
 *
 * A subscription asks for `batchSize` events (≤ 100, the API's limit) and asks for more only as events
 * are handled, so what was requested and not yet handled never exceeds `batchSize`. Events are handed to
 * `onEvent` one at a time, in order; the position (replay id) advances only after `onEvent` resolved. A
 * stream that ends or fails transiently (UNAVAILABLE, INTERNAL…) is subscribed again from that position
 * with exponential backoff; one that goes silent (no events and no keepalive while events are owed, for
 * `idleTimeoutMs`; Salesforce sends a keepalive at least every 270 s) is reported through `onStall` and
 * subscribed again the same way. A replay id the server refuses (expired past the 72-hour retention, or
 * corrupt) is reported through `onReplayInvalid`, after the subscription was started again from LATEST
 * and before any of its events are handled, so the owner can fill the gap by query without losing a
 * change made while it queries. Authentication failures and other errors stop the subscription and are
 * reported through `onFailure`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { decodeChangeEvent, parseEventSchema, replayIdText, type DecodedChangeEvent, type EventSchema } from './avro';

export interface PubSubCredentials {
  readonly accessToken: string;
  readonly instanceUrl: string;
  /** The org id. */
  readonly tenantId: string;
}

export interface PubSubClientOptions {
  /** `host:port`, e.g. `api.pubsub.salesforce.com:7443`. */
  readonly endpoint: string;
  /** TLS (the real endpoint); false = plaintext (a local test server). */
  readonly tls: boolean;
  /** Read before every call, so a renewed token is used by the next (re)subscription. */
  readonly credentials: () => Promise<PubSubCredentials>;
  /** Bound on GetTopic/GetSchema (default 30 s). */
  readonly callTimeoutMs?: number;
}

export interface TopicInfo {
  readonly topicName: string;
  readonly tenantGuid: string;
  readonly canSubscribe: boolean;
  readonly schemaId: string;
}

export type ReplayStart =
  { readonly preset: 'LATEST' } | { readonly preset: 'EARLIEST' } | { readonly preset: 'CUSTOM'; readonly replayId: Buffer };

/** The API refuses more than 100 events outstanding on one Subscribe stream. */
export const MAX_BATCH = 100;

export interface ReceivedEvent extends DecodedChangeEvent {
  readonly replayId: Buffer;
  /** `replayIdText(replayId)`. */
  readonly replayKey: string;
  readonly schemaId: string;
}

export interface SubscriptionHandlers {
  /** Hand the event over durably and store its replay id; events arrive one at a time, in order. A throw stops the subscription. */
  onEvent(event: ReceivedEvent): Promise<void>;
  /** The start replay id was refused (expired or corrupt); the subscription now runs from LATEST. Fill the gap; its events wait. */
  onReplayInvalid(detail: string): Promise<void>;
  /** Everything owed was delivered and handled, and the server says the stream is at `latestReplayId`: a safe position to store. */
  onCaughtUp?(latestReplayId: Buffer): Promise<void>;
  /** Nothing heard from the server for `idleMs` while it owed events (a silent stop); the subscription restarts itself. */
  onStall?(idleMs: number): void;
  /** The stream ended or failed transiently; subscribing again after `delayMs`. */
  onRetry?(reason: string, attempt: number, delayMs: number): void;
  /** A keepalive or events arrived (the stream is alive). */
  onHeard?(): void;
  /** The subscription stopped for good: `auth` (token refused), `handler` (onEvent threw) or `fatal` (any other refusal). */
  onFailure(kind: 'auth' | 'handler' | 'fatal', reason: string, cause?: unknown): void;
}

export interface SubscribeOptions {
  readonly start: ReplayStart;
  /** Events requested at a time (1…100; default 100). */
  readonly batchSize?: number;
  /** Silence (while events are owed) that counts as a stall (default 300 s: above the 270 s keepalive). */
  readonly idleTimeoutMs?: number;
  /** Backoff between re-subscriptions: initial (default 500 ms), doubled up to max (default 30 s). */
  readonly retryInitialMs?: number;
  readonly retryMaxMs?: number;
}

/** What a subscription has requested, received and handled (for tests and status). */
export interface FlowStats {
  /** Events requested and not yet delivered, as this client counts them. */
  readonly owed: number;
  /** Delivered and not yet handled. */
  readonly queued: number;
  /** The most ever requested-and-not-handled at once (owed + queued + the one being handled). */
  readonly maxInFlight: number;
  readonly requested: number;
  readonly received: number;
  readonly handled: number;
  readonly subscribes: number;
  readonly stalls: number;
}

// ---- the generated service, typed by hand (proto-loader gives untyped definitions) ------------------

interface FetchRequestMsg {
  topic_name?: string;
  replay_preset?: 'LATEST' | 'EARLIEST' | 'CUSTOM';
  replay_id?: Buffer;
  num_requested: number;
}
interface ConsumerEventMsg {
  event: { id: string; schema_id: string; payload: Buffer } | null;
  replay_id: Buffer;
}
export interface FetchResponseMsg {
  events: ConsumerEventMsg[];
  latest_replay_id: Buffer;
  rpc_id: string;
  pending_num_requested: number;
}
type Unary<Req, Res> = (
  req: Req,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res?: Res) => void,
) => grpc.ClientUnaryCall;
interface PubSubStub extends grpc.Client {
  GetTopic: Unary<{ topic_name: string }, { topic_name: string; tenant_guid: string; can_subscribe: boolean; schema_id: string }>;
  GetSchema: Unary<{ schema_id: string }, { schema_json: string; schema_id: string }>;
  Subscribe(metadata: grpc.Metadata): grpc.ClientDuplexStream<FetchRequestMsg, FetchResponseMsg>;
}

/** The proto beside this file, or (compiled into dist/) in the source tree. */
export function protoPath(): string {
  const here = path.join(__dirname, 'pubsub_api.proto');
  if (existsSync(here)) return here;
  return path.resolve(__dirname, '../../../../../connectors/salesforce/client/pubsub/pubsub_api.proto');
}

let definition: grpc.GrpcObject | undefined;
/** The `eventbus.v1` package (loaded once; also used by the local test server). */
export function eventbusPackage(): grpc.GrpcObject {
  definition ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(protoPath(), { keepCase: true, enums: String, longs: String, defaults: true, oneofs: true }),
  );
  return (definition['eventbus'] as grpc.GrpcObject)['v1'] as grpc.GrpcObject;
}

/** Salesforce's own error code, from the `error-code` trailer (e.g. `sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted`). */
export function errorCodeOf(err: Partial<grpc.StatusObject>): string {
  const v = err.metadata?.get('error-code')[0];
  return typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString() : '';
}

const INVALID_REPLAY = /replayid\.(corrupted|validation\.failed)/;
/** Codes after which subscribing again from the stored position is the right thing. */
const TRANSIENT = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.INTERNAL,
  grpc.status.UNKNOWN,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.ABORTED,
  grpc.status.CANCELLED,
]);

export class PubSubClient {
  private readonly stub: PubSubStub;
  private readonly schemas = new Map<string, Promise<EventSchema>>();
  private readonly callTimeoutMs: number;

  constructor(private readonly o: PubSubClientOptions) {
    const Service = eventbusPackage()['PubSub'] as grpc.ServiceClientConstructor;
    // The generated constructor returns the methods of the proto service; typed by PubSubStub above.
    this.stub = new Service(o.endpoint, o.tls ? grpc.credentials.createSsl() : grpc.credentials.createInsecure()) as unknown as PubSubStub;
    this.callTimeoutMs = o.callTimeoutMs ?? 30_000;
  }

  /** The three authentication headers the API reads on every call. */
  async metadata(): Promise<grpc.Metadata> {
    const c = await this.o.credentials();
    const m = new grpc.Metadata();
    m.set('accesstoken', c.accessToken);
    m.set('instanceurl', c.instanceUrl);
    m.set('tenantid', c.tenantId);
    return m;
  }

  private async unary<Req, Res>(method: Unary<Req, Res>, req: Req): Promise<Res> {
    const metadata = await this.metadata();
    return new Promise<Res>((resolve, reject) => {
      method.call(this.stub, req, metadata, { deadline: Date.now() + this.callTimeoutMs }, (err, res) =>
        err !== null || res === undefined ? reject(err ?? new Error('empty answer')) : resolve(res),
      );
    });
  }

  async getTopic(topicName: string): Promise<TopicInfo> {
    const t = await this.unary(this.stub.GetTopic, { topic_name: topicName });
    return { topicName: t.topic_name, tenantGuid: t.tenant_guid, canSubscribe: t.can_subscribe, schemaId: t.schema_id };
  }

  /** The schema with that id, fetched once (concurrent callers share the request; a failed fetch is not cached). */
  getSchema(schemaId: string): Promise<EventSchema> {
    let p = this.schemas.get(schemaId);
    if (p === undefined) {
      p = this.unary(this.stub.GetSchema, { schema_id: schemaId }).then((s) => parseEventSchema(schemaId, s.schema_json));
      p.catch(() => this.schemas.delete(schemaId));
      this.schemas.set(schemaId, p);
    }
    return p;
  }

  subscribe(topicName: string, options: SubscribeOptions, handlers: SubscriptionHandlers): Subscription {
    const s = new Subscription(this, topicName, options, handlers);
    s.open();
    return s;
  }

  /** Opens the raw bidirectional call (Subscription uses it). */
  async call(): Promise<grpc.ClientDuplexStream<FetchRequestMsg, FetchResponseMsg>> {
    return this.stub.Subscribe(await this.metadata());
  }

  close(): void {
    this.stub.close();
  }
}

export class Subscription {
  private readonly batch: number;
  private readonly idleMs: number;
  private readonly retryInitialMs: number;
  private readonly retryMaxMs: number;
  private start: ReplayStart;
  /** Replay id of the last handled event (or of a caught-up keepalive). */
  private position: Buffer | undefined;
  private stream: grpc.ClientDuplexStream<FetchRequestMsg, FetchResponseMsg> | undefined;
  /** Bumped at every (re)subscription; answers of an older call are ignored. */
  private generation = 0;
  private owed = 0;
  private readonly queue: { gen: number; event: ConsumerEventMsg }[] = [];
  private handling = false;
  private chain: Promise<void> = Promise.resolve();
  private lastHeard = Date.now();
  private watchdog: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private stopped = false;
  private readonly stats = { maxInFlight: 0, requested: 0, received: 0, handled: 0, subscribes: 0, stalls: 0 };

  constructor(
    private readonly client: PubSubClient,
    readonly topicName: string,
    options: SubscribeOptions,
    private readonly handlers: SubscriptionHandlers,
  ) {
    this.batch = Math.min(MAX_BATCH, Math.max(1, Math.floor(options.batchSize ?? MAX_BATCH)));
    this.idleMs = options.idleTimeoutMs ?? 300_000;
    this.retryInitialMs = options.retryInitialMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.start = options.start;
    if (options.start.preset === 'CUSTOM') this.position = options.start.replayId;
  }

  flow(): FlowStats {
    return { owed: this.owed, queued: this.queue.length, ...this.stats };
  }

  /** Subscribes (again) from the current position: the last handled replay id, else the configured start. */
  open(): void {
    if (this.stopped) return;
    const gen = ++this.generation;
    this.owed = 0;
    this.queue.length = 0;
    const start: ReplayStart = this.position === undefined ? this.start : { preset: 'CUSTOM', replayId: this.position };
    this.stats.subscribes += 1;
    void this.client.call().then(
      (stream) => {
        if (this.stopped || gen !== this.generation) {
          stream.cancel();
          return;
        }
        this.stream = stream;
        stream.on('data', (r: FetchResponseMsg) => this.onResponse(gen, r));
        stream.on('error', (err: grpc.ServiceError) => this.onError(gen, start, err));
        stream.on('end', () => this.retry(gen, 'the server ended the stream'));
        this.lastHeard = Date.now();
        this.armWatchdog();
        this.request(gen, this.batch, start);
      },
      (err: unknown) => this.retry(gen, `could not open the stream: ${(err as Error).message}`),
    );
  }

  private request(gen: number, n: number, start?: ReplayStart): void {
    if (gen !== this.generation || this.stream === undefined || n <= 0) return;
    const msg: FetchRequestMsg = { num_requested: n };
    if (start !== undefined) {
      msg.topic_name = this.topicName;
      msg.replay_preset = start.preset;
      if (start.preset === 'CUSTOM') msg.replay_id = start.replayId;
    }
    // The silence clock starts when the server starts owing: time spent handling with nothing owed is not its silence.
    if (this.owed === 0) this.lastHeard = Date.now();
    this.owed += n;
    this.stats.requested += n;
    this.noteInFlight();
    this.stream.write(msg);
  }

  private noteInFlight(): void {
    this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.owed + this.queue.length + (this.handling ? 1 : 0));
  }

  /** Asks for more once at least half the batch was handled. */
  private topUp(gen: number): void {
    const inFlight = this.owed + this.queue.length + (this.handling ? 1 : 0);
    const room = this.batch - inFlight;
    if (room >= Math.ceil(this.batch / 2)) this.request(gen, room);
  }

  private onResponse(gen: number, r: FetchResponseMsg): void {
    if (gen !== this.generation || this.stopped) return;
    this.lastHeard = Date.now();
    this.attempt = 0;
    this.handlers.onHeard?.();
    if (r.events.length === 0) {
      // Keepalive: with events owed and nothing left to handle, the server's latest replay id is a safe position.
      const latest = r.latest_replay_id;
      if (latest.length > 0 && this.owed > 0 && this.queue.length === 0 && !this.handling && this.handlers.onCaughtUp !== undefined) {
        const onCaughtUp = this.handlers.onCaughtUp;
        this.chain = this.chain
          .then(async () => {
            if (gen !== this.generation || this.stopped || this.queue.length > 0) return;
            await onCaughtUp(latest);
            this.position = latest;
          })
          .catch(() => undefined);
      }
      return;
    }
    this.owed = Math.max(0, this.owed - r.events.length);
    this.stats.received += r.events.length;
    for (const event of r.events) this.queue.push({ gen, event });
    this.noteInFlight();
    this.drainQueue();
  }

  private drainQueue(): void {
    this.chain = this.chain.then(async () => {
      for (;;) {
        const next = this.queue.shift();
        if (next === undefined || this.stopped) return;
        if (next.gen !== this.generation) continue;
        this.handling = true;
        try {
          const received = await this.decode(next.event);
          await this.handlers.onEvent(received);
          this.position = received.replayId;
          this.stats.handled += 1;
        } catch (err) {
          this.fail('handler', `handling an event of ${this.topicName} failed: ${(err as Error).message}`, err);
          return;
        } finally {
          this.handling = false;
        }
        this.topUp(next.gen);
      }
    });
  }

  private async decode(e: ConsumerEventMsg): Promise<ReceivedEvent> {
    if (e.event === null) throw new Error('a ConsumerEvent without its event');
    const schema = await this.client.getSchema(e.event.schema_id);
    return {
      ...decodeChangeEvent(schema, e.event.payload),
      replayId: e.replay_id,
      replayKey: replayIdText(e.replay_id),
      schemaId: e.event.schema_id,
    };
  }

  private onError(gen: number, start: ReplayStart, err: grpc.ServiceError): void {
    if (gen !== this.generation || this.stopped) return;
    // This call is over: its trailing 'end' (and anything else it emits) is ignored from now on.
    const next = ++this.generation;
    const code = errorCodeOf(err);
    const text = `${grpc.status[err.code] ?? err.code}: ${err.details}${code === '' ? '' : ` (${code})`}`;
    if ((INVALID_REPLAY.test(code) || INVALID_REPLAY.test(err.details ?? '')) && start.preset === 'CUSTOM') {
      // Start again from LATEST first, then let the owner fill the gap; the new stream's events wait behind it.
      this.position = undefined;
      this.start = { preset: 'LATEST' };
      this.stream = undefined;
      this.chain = this.chain
        .then(async () => {
          this.open();
          await this.handlers.onReplayInvalid(text);
        })
        .catch((e: unknown) =>
          this.fail('handler', `filling the gap after an expired replay id of ${this.topicName} failed: ${(e as Error).message}`, e),
        );
      return;
    }
    if (err.code === grpc.status.UNAUTHENTICATED) return this.fail('auth', `Pub/Sub authentication failed: ${text}`, err);
    if (TRANSIENT.has(err.code)) return this.retry(next, text);
    this.fail('fatal', `Pub/Sub refused the subscription to ${this.topicName}: ${text}`, err);
  }

  /** Subscribes again after the backoff, once the event being handled is done (the position is then exact). */
  private retry(gen: number, reason: string): void {
    if (gen !== this.generation || this.stopped) return;
    this.generation += 1; // answers of the dead call are ignored from now on
    this.stream?.cancel();
    this.stream = undefined;
    this.queue.length = 0;
    const delay = Math.min(this.retryMaxMs, this.retryInitialMs * 2 ** this.attempt);
    this.attempt += 1;
    this.handlers.onRetry?.(reason, this.attempt, delay);
    this.chain = this.chain.then(() => {
      if (this.stopped) return;
      this.retryTimer = setTimeout(() => this.open(), delay);
      this.retryTimer.unref();
    });
  }

  private armWatchdog(): void {
    if (this.watchdog !== undefined) return;
    this.watchdog = setInterval(
      () => {
        if (this.stopped || this.stream === undefined) return;
        // Silence only counts while the server owes events: a slow handler is not the server's fault.
        const idle = Date.now() - this.lastHeard;
        if (this.owed > 0 && idle > this.idleMs) {
          this.stats.stalls += 1;
          this.handlers.onStall?.(idle);
          this.retry(this.generation, `no events and no keepalive for ${idle} ms`);
        }
      },
      Math.max(50, Math.floor(this.idleMs / 4)),
    );
    this.watchdog.unref();
  }

  private fail(kind: 'auth' | 'handler' | 'fatal', reason: string, cause?: unknown): void {
    if (this.stopped) return;
    this.stop();
    this.handlers.onFailure(kind, reason, cause);
  }

  /** Waits for the events already received to be handled (or dropped after a stop). */
  drain(): Promise<void> {
    return this.chain;
  }

  stop(): void {
    this.stopped = true;
    this.generation += 1;
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.queue.length = 0;
    const s = this.stream;
    this.stream = undefined;
    if (s !== undefined) {
      s.on('error', () => undefined); // the cancellation itself surfaces as CANCELLED
      s.cancel();
    }
  }
}
