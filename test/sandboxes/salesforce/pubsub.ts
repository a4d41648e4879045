/**
 * The Salesforce Pub/Sub API (gRPC `eventbus.v1.PubSub`, Salesforce's published proto) for Change Data
 * Capture, serving the sandbox org's record changes: GetTopic (`/data/<Object>ChangeEvent`), GetSchema
 * and Subscribe. Schemas resemble the real CDC ones (a `ChangeEventHeader` record first, a `Name`
 * compound on Contact/Lead, nullable fields, datetimes as epoch-millisecond longs) and change when a new
 * field shows up (a new schema id, as when an admin adds a field). Events are Avro binary with the
 * header's changedFields/nulledFields/diffFields as bitmaps against the schema's field order.
 *
 * Subscribe honours flow control: it delivers at most what was requested (`num_requested`, ≤ 100
 * outstanding) and reports `pending_num_requested`; idle streams get an empty keepalive response with
 * `latest_replay_id`. Replay ids are the sandbox's numeric ids as 8 bytes big-endian. A replay id that
 * is corrupt or past the retention (`state.purgeRetainedEvents()`) fails the stream with
 * INVALID_ARGUMENT and the `error-code` trailer Salesforce uses; bad tokens fail with UNAUTHENTICATED.
 * `stall()` makes the current streams go silent without an error (no events, no keepalives: the
 * silent-stop case); `endStreams()` ends them cleanly; `failSubscribes()` refuses the next subscriptions
 * with a status (UNAVAILABLE: the service is briefly down). A stream whose access token was revoked or
 * expired fails with UNAUTHENTICATED at its next keepalive.
 */
import { createHash, randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Type } from 'avsc';
import { eventbusPackage, type FetchResponseMsg } from '../../../connectors/salesforce/client/pubsub/client';
import { CDC_OBJECTS, type ChangeEventMessage, type SalesforceSandboxState } from './state';

const TOPIC = /^\/data\/(\w+)ChangeEvent$/;
const MAX_OUTSTANDING = 100;
const NAME_PARTS = ['Salutation', 'FirstName', 'LastName', 'MiddleName', 'Suffix'] as const;
/** Fields every schema of the object has, in this order after the header (more are added as they appear in changes). */
const BASE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Contact: [
    'Name',
    'AccountId',
    'Email',
    'Phone',
    'MobilePhone',
    'Title',
    'OwnerId',
    'CreatedDate',
    'CreatedById',
    'LastModifiedDate',
    'LastModifiedById',
  ],
  Lead: [
    'Name',
    'Company',
    'Email',
    'Phone',
    'MobilePhone',
    'Title',
    'Status',
    'OwnerId',
    'CreatedDate',
    'CreatedById',
    'LastModifiedDate',
    'LastModifiedById',
  ],
  Account: ['Name', 'Phone', 'OwnerId', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById'],
  Opportunity: [
    'AccountId',
    'ContactId',
    'Name',
    'StageName',
    'Amount',
    'CloseDate',
    'OwnerId',
    'CreatedDate',
    'CreatedById',
    'LastModifiedDate',
    'LastModifiedById',
  ],
  Case: [
    'ContactId',
    'AccountId',
    'SuppliedEmail',
    'SuppliedName',
    'SuppliedPhone',
    'Subject',
    'Status',
    'Priority',
    'Description',
    'OwnerId',
    'CreatedDate',
    'CreatedById',
    'LastModifiedDate',
    'LastModifiedById',
  ],
};
const SKIPPED = new Set(['Id', 'SystemModstamp', 'attributes']);
const DATETIME = /^(CreatedDate|LastModifiedDate|SystemModstamp|LastActivityDate|CloseDate)$/;

const HEADER_SCHEMA = {
  type: 'record',
  name: 'ChangeEventHeader',
  namespace: 'com.sforce.eventbus',
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: { type: 'array', items: 'string' } },
    {
      name: 'changeType',
      type: {
        type: 'enum',
        name: 'ChangeType',
        namespace: 'com.sforce.eventbus',
        symbols: ['CREATE', 'DELETE', 'UNDELETE', 'UPDATE', 'GAP_CREATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_UPDATE', 'GAP_OVERFLOW'],
      },
    },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: { type: 'array', items: 'string' } },
    { name: 'diffFields', type: { type: 'array', items: 'string' } },
    { name: 'changedFields', type: { type: 'array', items: 'string' } },
  ],
};

type FieldKind = 'string' | 'double' | 'boolean' | 'long' | 'name';

interface BuiltSchema {
  readonly id: string;
  readonly json: string;
  readonly type: Type;
  /** Top-level fields after the header, in schema order (index + 1 = schema position). */
  readonly fields: readonly { name: string; kind: FieldKind }[];
}

/** The replay id bytes of a sandbox replay number (8 bytes big-endian, like Salesforce's). */
export const replayBytes = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(Math.max(0, n)));
  return b;
};

/** `0x…` bitmap of the given positions (bit i = position i). */
function bitmap(positions: readonly number[]): string {
  let v = 0n;
  for (const p of positions) v |= 1n << BigInt(p);
  const hex = v.toString(16).toUpperCase();
  return `0x${hex.length % 2 === 0 ? hex : `0${hex}`}`;
}

interface ServerSubscription {
  readonly id: string;
  readonly token: string;
  readonly call: grpc.ServerDuplexStream<unknown, FetchResponseMsg>;
  channel: string | undefined;
  cursor: number;
  pending: number;
  silent: boolean;
  closed: boolean;
  lastSent: number;
  readonly requests: number[];
  maxPending: number;
  delivered: number;
}

export interface SubscriptionRecord {
  readonly id: string;
  readonly channel: string | undefined;
  /** Each FetchRequest's num_requested, in order. */
  readonly requests: readonly number[];
  /** The most requested-and-undelivered at once. */
  readonly maxPending: number;
  readonly delivered: number;
  readonly open: boolean;
}

export class PubSubEndpoint {
  private readonly server = new grpc.Server();
  private readonly subs = new Map<string, ServerSubscription>();
  private readonly history: ServerSubscription[] = [];
  private readonly schemas = new Map<string, BuiltSchema>();
  private readonly current = new Map<string, BuiltSchema>();
  private keepalive: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;
  /** Requests that broke the 100-outstanding rule (answered with an error). */
  readonly violations: string[] = [];
  private refusals: { code: grpc.status; errorCode: string; remaining: number } | undefined;
  /** Subscribe calls refused by `failSubscribes`. */
  refused = 0;
  /** Topics the connected user may not subscribe to (GetTopic says can_subscribe: false). */
  readonly deniedTopics = new Set<string>();
  address = '';

  constructor(
    private readonly state: SalesforceSandboxState,
    private readonly keepaliveMs: number,
  ) {}

  async listen(port = 0): Promise<string> {
    const service = (eventbusPackage()['PubSub'] as grpc.ServiceClientConstructor).service;
    this.server.addService(service, {
      GetTopic: (call: grpc.ServerUnaryCall<{ topic_name: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => this.getTopic(call, cb),
      GetSchema: (call: grpc.ServerUnaryCall<{ schema_id: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => this.getSchema(call, cb),
      Subscribe: (call: grpc.ServerDuplexStream<unknown, FetchResponseMsg>) => this.subscribe(call),
      Publish: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb({ code: grpc.status.UNIMPLEMENTED, details: 'the sandbox serves change events only' }),
      PublishStream: (call: grpc.ServerDuplexStream<unknown, unknown>) =>
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'the sandbox serves change events only' }),
      ManagedSubscribe: (call: grpc.ServerDuplexStream<unknown, unknown>) =>
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'the sandbox serves Subscribe only' }),
    });
    const bound = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
        err === null ? resolve(p) : reject(err),
      ),
    );
    this.address = `127.0.0.1:${bound}`;
    this.unlisten = this.state.onEvent(() => this.pumpAll());
    this.keepalive = setInterval(() => this.keepAll(), Math.max(20, Math.floor(this.keepaliveMs / 2)));
    this.keepalive.unref();
    return this.address;
  }

  async close(): Promise<void> {
    if (this.keepalive !== undefined) clearInterval(this.keepalive);
    this.unlisten?.();
    for (const s of this.subs.values()) s.closed = true;
    this.server.forceShutdown();
  }

  /** Open subscriptions by access token (one entry per client), with their channels (tests check a subscriber is live). */
  get subscriptions(): { clientId: string; channels: string[] }[] {
    const by = new Map<string, string[]>();
    for (const s of this.subs.values()) {
      if (s.channel === undefined) continue;
      by.set(s.token, [...(by.get(s.token) ?? []), s.channel]);
    }
    return [...by].map(([token, channels]) => ({ clientId: createHash('sha256').update(token).digest('hex').slice(0, 12), channels }));
  }

  /** Every subscription since the start, with what it requested and was sent. */
  records(): SubscriptionRecord[] {
    return this.history.map((s) => ({
      id: s.id,
      channel: s.channel,
      requests: [...s.requests],
      maxPending: s.maxPending,
      delivered: s.delivered,
      open: !s.closed,
    }));
  }

  /** The current streams stop answering (no events, no keepalives) and never end: a silent stop. */
  stall(): number {
    let n = 0;
    for (const s of this.subs.values()) {
      s.silent = true;
      n += 1;
    }
    return n;
  }

  /** The next `times` Subscribe calls fail at their first request with `code` (default UNAVAILABLE). */
  failSubscribes(
    times: number,
    code: grpc.status = grpc.status.UNAVAILABLE,
    errorCode = 'sfdc.platform.eventbus.grpc.service.unavailable',
  ): void {
    this.refusals = { code, errorCode, remaining: times };
  }

  /** The current streams end cleanly (status OK), as the server may at any time. */
  endStreams(): void {
    for (const s of [...this.subs.values()]) {
      this.drop(s);
      s.call.end();
    }
  }

  // ---- schemas ---------------------------------------------------------------------------------

  private kindOf(entity: string, field: string): FieldKind {
    if (field === 'Name' && (entity === 'Contact' || entity === 'Lead')) return 'name';
    if (DATETIME.test(field)) return 'long';
    let kind: FieldKind = 'string';
    for (const e of this.state.events) {
      if (e.channel !== `/data/${entity}ChangeEvent`) continue;
      const v = e.data.payload[field];
      if (typeof v === 'boolean') return 'boolean';
      if (typeof v === 'number') kind = 'double';
    }
    return kind;
  }

  /** The object's schema as of now: the base fields and every field its changes carried so far. */
  private schemaOf(entity: string): BuiltSchema {
    const names = [...(BASE_FIELDS[entity] ?? ['Name'])];
    const extra = new Set<string>();
    const person = entity === 'Contact' || entity === 'Lead';
    for (const e of this.state.events) {
      if (e.channel !== `/data/${entity}ChangeEvent`) continue;
      for (const k of Object.keys(e.data.payload)) {
        if (k === 'ChangeEventHeader' || SKIPPED.has(k) || names.includes(k) || (person && (NAME_PARTS as readonly string[]).includes(k)))
          continue;
        extra.add(k);
      }
    }
    const fields = [...names, ...[...extra].sort()].map((name) => ({ name, kind: this.kindOf(entity, name) }));
    const nullable = (t: unknown): unknown => ['null', t];
    const avroFields = fields.map((f) => ({
      name: f.name,
      type:
        f.kind === 'name'
          ? nullable({
              type: 'record',
              name: 'Switchable_PersonName',
              fields: NAME_PARTS.map((p) => ({ name: p, type: ['null', 'string'], default: null })),
            })
          : nullable(f.kind),
      default: null,
    }));
    const schema = {
      type: 'record',
      name: `${entity}ChangeEvent`,
      namespace: 'com.sforce.eventbus',
      fields: [{ name: 'ChangeEventHeader', type: HEADER_SCHEMA }, ...avroFields],
    };
    const json = JSON.stringify(schema);
    const id = createHash('sha256').update(json).digest('base64url').slice(0, 22);
    let built = this.schemas.get(id);
    if (built === undefined) {
      built = { id, json, type: Type.forSchema(schema as never), fields };
      this.schemas.set(id, built);
    }
    this.current.set(entity, built);
    return built;
  }

  /** One sandbox change event as Avro binary against the object's current schema. */
  encode(entity: string, e: ChangeEventMessage): { schemaId: string; payload: Buffer } {
    const schema = this.schemaOf(entity);
    const p = e.data.payload;
    const h = p['ChangeEventHeader'] as Record<string, unknown>;
    const position = new Map(schema.fields.map((f, i) => [f.name, i + 1]));
    const nameAt = position.get('Name');
    const person = schema.fields.some((f) => f.kind === 'name');
    const toBitmaps = (names: readonly string[]): string[] => {
      const top: number[] = [];
      const parts: number[] = [];
      for (const n of names) {
        const part = (NAME_PARTS as readonly string[]).indexOf(n);
        if (person && part >= 0 && nameAt !== undefined) {
          parts.push(part);
          top.push(nameAt);
        } else {
          const at = position.get(n);
          if (at !== undefined) top.push(at);
        }
      }
      if (top.length === 0) return [];
      return [bitmap(top), ...(parts.length === 0 || nameAt === undefined ? [] : [`${nameAt}-${bitmap(parts)}`])];
    };
    const changed = (h['changedFields'] as string[] | undefined) ?? [];
    const nulled = h['changeType'] === 'UPDATE' ? changed.filter((f) => f in p && p[f] === null) : [];
    const value: Record<string, unknown> = {
      ChangeEventHeader: {
        entityName: String(h['entityName']),
        recordIds: h['recordIds'],
        changeType: String(h['changeType']),
        changeOrigin: String(h['changeOrigin'] ?? ''),
        transactionKey: String(h['transactionKey'] ?? ''),
        sequenceNumber: Number(h['sequenceNumber'] ?? 1),
        commitTimestamp: Number(h['commitTimestamp']),
        commitNumber: Number(h['commitNumber'] ?? 0),
        commitUser: String(h['commitUser'] ?? ''),
        nulledFields: toBitmaps(nulled),
        diffFields: [],
        changedFields: toBitmaps(changed),
      },
    };
    for (const f of schema.fields) {
      if (f.kind === 'name') {
        const parts = Object.fromEntries(NAME_PARTS.map((n) => [n, typeof p[n] === 'string' ? p[n] : null]));
        value[f.name] = Object.values(parts).some((v) => v !== null) ? parts : null;
        continue;
      }
      const v = p[f.name];
      if (v === null || v === undefined) value[f.name] = null;
      else if (f.kind === 'long') value[f.name] = typeof v === 'number' ? v : Date.parse(String(v));
      else if (f.kind === 'double') value[f.name] = typeof v === 'number' ? v : Number(v);
      else if (f.kind === 'boolean') value[f.name] = v === true;
      else value[f.name] = typeof v === 'string' ? v : JSON.stringify(v);
    }
    return { schemaId: schema.id, payload: schema.type.toBuffer(value) };
  }

  // ---- RPCs ------------------------------------------------------------------------------------

  private refusal(meta: grpc.Metadata): grpc.ServiceError | undefined {
    const token = String(meta.get('accesstoken')[0] ?? '');
    const tenant = String(meta.get('tenantid')[0] ?? '');
    if (this.state.tokenValid(token) && tenant.slice(0, 15) === this.state.orgId.slice(0, 15)) return undefined;
    return this.error(
      grpc.status.UNAUTHENTICATED,
      'An authentication exception occurred. Provide valid authentication via metadata headers.',
      'sfdc.platform.eventbus.grpc.service.auth.error',
    );
  }

  private error(code: grpc.status, details: string, errorCode: string): grpc.ServiceError {
    const metadata = new grpc.Metadata();
    metadata.set('error-code', errorCode);
    const rpcId = randomBytes(8).toString('hex');
    metadata.set('rpc-id', rpcId);
    return Object.assign(new Error(details), { code, details: `${details} rpcId: ${rpcId}`, metadata });
  }

  private entityOf(topic: string): string | undefined {
    const entity = TOPIC.exec(topic)?.[1];
    return entity !== undefined && (CDC_OBJECTS as readonly string[]).includes(entity) ? entity : undefined;
  }

  private getTopic(call: grpc.ServerUnaryCall<{ topic_name: string }, unknown>, cb: grpc.sendUnaryData<unknown>): void {
    const refused = this.refusal(call.metadata);
    if (refused !== undefined) return cb(refused);
    const entity = this.entityOf(call.request.topic_name);
    if (entity === undefined)
      return cb(
        this.error(
          grpc.status.NOT_FOUND,
          `Topic ${call.request.topic_name} not found or not accessible.`,
          'sfdc.platform.eventbus.grpc.topic.not.found',
        ),
      );
    cb(null, {
      topic_name: call.request.topic_name,
      tenant_guid: this.state.orgId,
      can_publish: false,
      can_subscribe: !this.deniedTopics.has(call.request.topic_name),
      schema_id: this.schemaOf(entity).id,
      rpc_id: randomBytes(8).toString('hex'),
    });
  }

  private getSchema(call: grpc.ServerUnaryCall<{ schema_id: string }, unknown>, cb: grpc.sendUnaryData<unknown>): void {
    const refused = this.refusal(call.metadata);
    if (refused !== undefined) return cb(refused);
    const s = this.schemas.get(call.request.schema_id);
    if (s === undefined)
      return cb(
        this.error(grpc.status.NOT_FOUND, `Schema ${call.request.schema_id} not found.`, 'sfdc.platform.eventbus.grpc.schema.not.found'),
      );
    cb(null, { schema_json: s.json, schema_id: s.id, rpc_id: randomBytes(8).toString('hex') });
  }

  private subscribe(call: grpc.ServerDuplexStream<unknown, FetchResponseMsg>): void {
    const refused = this.refusal(call.metadata);
    if (refused !== undefined) {
      call.emit('error', refused);
      return;
    }
    const sub: ServerSubscription = {
      id: randomBytes(6).toString('hex'),
      token: String(call.metadata.get('accesstoken')[0] ?? ''),
      call,
      channel: undefined,
      cursor: 0,
      pending: 0,
      silent: false,
      closed: false,
      lastSent: Date.now(),
      requests: [],
      maxPending: 0,
      delivered: 0,
    };
    const fail = (e: grpc.ServiceError): void => {
      this.drop(sub);
      call.emit('error', e);
    };
    call.on('data', (raw: { topic_name: string; replay_preset: string; replay_id: Buffer; num_requested: number }) => {
      if (sub.closed) return;
      if (sub.channel === undefined) {
        if (this.refusals !== undefined && this.refusals.remaining > 0) {
          this.refusals.remaining -= 1;
          this.refused += 1;
          return fail(this.error(this.refusals.code, 'The service is unavailable. Try again later.', this.refusals.errorCode));
        }
        const entity = this.entityOf(raw.topic_name);
        if (entity === undefined)
          return fail(
            this.error(
              grpc.status.NOT_FOUND,
              `Topic ${raw.topic_name} not found or not accessible.`,
              'sfdc.platform.eventbus.grpc.topic.not.found',
            ),
          );
        if (raw.replay_preset === 'CUSTOM') {
          const n = raw.replay_id.length === 8 ? Number(raw.replay_id.readBigUInt64BE()) : NaN;
          if (!Number.isFinite(n) || n < 0 || !this.state.replayValid(n)) {
            return fail(
              this.error(
                grpc.status.INVALID_ARGUMENT,
                'The Replay ID validation failed. Ensure that the replay_id field value in FetchRequest is valid and refers to an event that is within the retention window.',
                'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
              ),
            );
          }
          sub.cursor = n;
        } else {
          sub.cursor = raw.replay_preset === 'EARLIEST' ? this.state.purgedThrough : this.state.latestReplayId();
        }
        sub.channel = raw.topic_name;
        this.subs.set(sub.id, sub);
        this.history.push(sub);
      } else if (raw.topic_name !== '' && raw.topic_name !== sub.channel) {
        return fail(
          this.error(
            grpc.status.INVALID_ARGUMENT,
            'The topic name of a subscription cannot change.',
            'sfdc.platform.eventbus.grpc.subscription.topic.changed',
          ),
        );
      }
      sub.requests.push(raw.num_requested);
      if (raw.num_requested <= 0 || sub.pending + raw.num_requested > MAX_OUTSTANDING) {
        this.violations.push(`${sub.channel}: asked for ${raw.num_requested} with ${sub.pending} outstanding`);
        return fail(
          this.error(
            grpc.status.INVALID_ARGUMENT,
            `num_requested must be 1…${MAX_OUTSTANDING} in total outstanding.`,
            'sfdc.platform.eventbus.grpc.flow.control.invalid',
          ),
        );
      }
      sub.pending += raw.num_requested;
      sub.maxPending = Math.max(sub.maxPending, sub.pending);
      this.pump(sub);
    });
    call.on('end', () => {
      this.drop(sub);
      call.end();
    });
    call.on('cancelled', () => this.drop(sub));
    call.on('error', () => this.drop(sub));
  }

  private drop(sub: ServerSubscription): void {
    sub.closed = true;
    this.subs.delete(sub.id);
  }

  private pumpAll(): void {
    for (const s of this.subs.values()) this.pump(s);
  }

  /** Sends what the subscription is owed, in responses of up to 10 events. */
  private pump(sub: ServerSubscription): void {
    if (sub.closed || sub.silent || sub.channel === undefined || sub.pending <= 0) return;
    const entity = this.entityOf(sub.channel) ?? '';
    const ready = this.state.eventsAfter(sub.channel, sub.cursor).slice(0, sub.pending);
    for (let k = 0; k < ready.length; k += 10) {
      const chunk = ready.slice(k, k + 10);
      const events = chunk.map((e) => {
        const { schemaId, payload } = this.encode(entity, e);
        return {
          event: { id: randomBytes(8).toString('hex'), schema_id: schemaId, payload, headers: [] },
          replay_id: replayBytes(e.replayId),
        };
      });
      const last = chunk.at(-1);
      if (last === undefined) break;
      sub.cursor = last.replayId;
      sub.pending -= chunk.length;
      sub.delivered += chunk.length;
      sub.lastSent = Date.now();
      sub.call.write({
        events,
        latest_replay_id: replayBytes(sub.cursor),
        rpc_id: randomBytes(8).toString('hex'),
        pending_num_requested: sub.pending,
      });
    }
  }

  /** Empty responses with the latest replay id to streams that had nothing for a while; streams whose session ended fail. */
  private keepAll(): void {
    const now = Date.now();
    for (const s of [...this.subs.values()]) {
      if (s.closed || s.silent || s.channel === undefined) continue;
      if (!this.state.tokenValid(s.token)) {
        this.drop(s);
        s.call.emit(
          'error',
          this.error(
            grpc.status.UNAUTHENTICATED,
            'An authentication exception occurred. Provide valid authentication via metadata headers.',
            'sfdc.platform.eventbus.grpc.service.auth.error',
          ),
        );
        continue;
      }
      if (now - s.lastSent < this.keepaliveMs) continue;
      // Caught up: the stream's position is the org's latest; otherwise where delivery stopped.
      const undelivered = this.state.eventsAfter(s.channel, s.cursor).length > 0;
      const latest = undelivered ? s.cursor : Math.max(s.cursor, this.state.latestReplayId());
      s.lastSent = now;
      s.call.write({
        events: [],
        latest_replay_id: replayBytes(latest),
        rpc_id: randomBytes(8).toString('hex'),
        pending_num_requested: s.pending,
      });
    }
  }
}
